class ImportRefused(Exception):
    """The file cannot be imported at all; the message is safe to show and says what to do."""


class HeadingsNotFound(ImportRefused):
    """The file was read, but no row looks like a register's headings: the user can choose the row."""
