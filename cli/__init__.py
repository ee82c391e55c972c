"""The `cls-data` command line: a thin Typer shell over the library."""
