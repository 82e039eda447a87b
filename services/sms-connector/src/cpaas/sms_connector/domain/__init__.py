"""Pure SMS logic, no I/O and no provider terms: splitting a text into parts, one final
status from the receipts of a message's parts."""
