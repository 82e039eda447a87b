"""Pure rules of the voice connector (no I/O): what a template says, which statuses to publish."""
