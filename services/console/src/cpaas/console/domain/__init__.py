"""Pure rules of the console (no I/O): validation of what users submit, SMS previews."""
