"""Exit codes that scripts can rely on, and the errors that carry them."""

from __future__ import annotations

OK = 0
API_ERROR = 1
USAGE = 2
NOT_FOUND = 3
CONFLICT = 4
UNREACHABLE = 5
UNAUTHORIZED = 6
BROKEN_PIPE = 141  # as a shell reports a command that SIGPIPE ended

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  the API answered an error (or `webhooks test` did not succeed)
  2  usage error
  3  not found (404)
  4  conflict (409)
  5  cannot connect, or no URL configured
  6  unauthorized (401/403) or no credentials
  141  the output's reader stopped reading (`webhooks ... | head`)
"""


class CliError(Exception):
    """A failure reported as `error: <message>` with its exit code."""

    def __init__(self, message: str, exit_code: int = API_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class ApiError(CliError):
    """The admin API answered with an error status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, exit_code_for(status))
        self.status = status
        self.code = code


def exit_code_for(status: int) -> int:
    """The exit code of an HTTP status: 0 for success, else by the table above."""
    if status < 400:
        return OK
    return {401: UNAUTHORIZED, 403: UNAUTHORIZED, 404: NOT_FOUND, 409: CONFLICT}.get(
        status, API_ERROR
    )
