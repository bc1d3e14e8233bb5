"""Errors of the toolkit's actions (`http`, `aws`, `respond`), as the calling script sees them.

The message is all a script (and the execution's record) ever gets: it names the action and
the rule or limit, never a header, a body or a credential.
"""


class ActionError(Exception):
    """An action failed: the target answered with an error, or could not be reached."""


class ActionRefused(ActionError):
    """The deployment does not allow the action: a refused address, an unlisted target."""


class ActionLimitError(ActionError):
    """An execution's limit was reached: calls, response size, time."""
