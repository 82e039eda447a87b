"""The gateway's rules, without I/O: what a submit must satisfy (`submit`) and the
in-process limits (`limits`). Lookups are done by the caller and passed in."""
