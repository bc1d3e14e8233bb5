"""Errors a script can cause: refused at compile time, failed or ran too long at run time."""


class ScriptCompileError(ValueError):
    """The script does not compile: a syntax error or a construct the sandbox refuses."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class ScriptError(Exception):
    """A script raised at run time (or was refused by a guard at run time)."""

    def __init__(self, message: str, *, error_type: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.line = line


class ScriptTimeoutError(ScriptError):
    """A script ran past its time limit."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message, error_type="ScriptTimeoutError", line=line)
