//! The `outpost` command line, run as a user or a script would.
