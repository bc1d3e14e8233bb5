"""What a command receives: its arguments, the output mode, and (lazily) the stack."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import cached_property
from typing import Any

from webhooks_cli.client import AdminClient
from webhooks_cli.endpoints import Endpoints, resolve
from webhooks_cli.render import to_json


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.json: bool = args.json

    @cached_property
    def endpoints(self) -> Endpoints:
        return resolve(self.args)

    @cached_property
    def client(self) -> AdminClient:
        return AdminClient(self.endpoints.admin_url, self.endpoints.auth)

    def output(self, data: Any, render: Callable[[Any], str]) -> None:
        """Print the API's JSON with `--json`, else the human rendering of it."""
        if self.json:
            if data is not None:
                print(to_json(data))
        else:
            print(render(data))


Handler = Callable[[Context], int]
