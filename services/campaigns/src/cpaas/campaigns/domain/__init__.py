"""The campaigns' rules, without I/O: the file's layout and rows, the recipients' numbers,
message ids, statuses, pacing, quiet hours, the cost estimate and delivery outcomes."""
