"""What CLI tests share besides fixtures: the admin token and the result of one run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

TOKEN = "s3cret-token"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]
