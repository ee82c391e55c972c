"""The one error type the CLI prints as a single line, for mistakes a user can fix."""


class ClsDataError(Exception):
    """A problem with the user's input or configuration, worded for the user."""


class RecordError(ClsDataError):
    """A JSONL record that cannot be read; the message names the file and line."""


class Interrupted(ClsDataError):
    """Ctrl-C: the message says what is saved and how to resume; the exit status is 130."""

    exit_code = 130
