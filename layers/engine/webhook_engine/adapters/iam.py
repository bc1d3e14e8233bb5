"""Roles of IAM callers: the `webhooks-role` tag of the user or role that signed a call."""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.exceptions import ClientError

from webhook_engine.adapters import clients

ROLE_TAG = "webhooks-role"


class IamPrincipalRoles:
    """Reads a principal's tags once per `max_age` seconds (a tag changed takes effect within
    it); principals of other accounts, root and federated users have no role."""

    def __init__(self, account_id: str, *, max_age: float = 300.0) -> None:
        self._account = account_id
        self._max_age = max_age
        self._seen: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def role_tag(self, principal_arn: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(principal_arn)
        if seen is not None and now - seen[0] < self._max_age:
            return seen[1]
        role = self._read(principal_arn)
        with self._lock:
            self._seen[principal_arn] = (now, role)
        return role

    def _read(self, principal_arn: str) -> str | None:
        named = principal_name(principal_arn, self._account)
        if named is None:
            return None
        kind, name = named
        iam: Any = clients.client("iam")
        try:
            if kind == "user":
                tags = iam.list_user_tags(UserName=name)["Tags"]
            else:
                tags = iam.list_role_tags(RoleName=name)["Tags"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return None
            raise
        return next((tag["Value"] for tag in tags if tag["Key"] == ROLE_TAG), None)


def principal_name(principal_arn: str, account_id: str) -> tuple[str, str] | None:
    """("user", name) or ("role", name) of an IAM user's or an assumed role's ARN in
    `account_id`; None for anything else."""
    parts = principal_arn.split(":", 5)
    if len(parts) != 6 or parts[4] != account_id:
        return None
    service, resource = parts[2], parts[5].split("/")
    if service == "iam" and resource[0] == "user" and len(resource) >= 2:
        return "user", resource[-1]
    if service == "sts" and resource[0] == "assumed-role" and len(resource) == 3:
        return "role", resource[1]
    return None
