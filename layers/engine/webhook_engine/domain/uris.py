"""The one rule that makes two spellings of a URI the same URI (docs/guide/configuration.md,
"How a message is matched").

Leading, trailing and repeated slashes carry no meaning (`/git//push/` is `git/push`); case
does (`Git/Push` is another URI), as in the paths API Gateway routes. Ingest, configuration and
the message filters all normalise with this function, so they cannot disagree.
"""

import re

_SLASHES = re.compile(r"/{2,}")


def normalise_uri(uri: str) -> str:
    """`uri` without surrounding white space and slashes, repeated slashes collapsed."""
    return _SLASHES.sub("/", uri.strip()).strip("/")


def require_uri(uri: str) -> str:
    """A pydantic validator: the normalised URI, which must not be empty."""
    normalised = normalise_uri(uri)
    if not normalised:
        raise ValueError("a URI needs at least one character besides slashes")
    return normalised
