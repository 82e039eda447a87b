"""Pure domain logic of the AI service (no I/O): the compliance check and AI Assist."""
