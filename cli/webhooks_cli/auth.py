"""How admin requests prove who sends them: a bearer token locally, SigV4 on AWS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class Auth(Protocol):
    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        """The request's headers with credentials added."""
        ...


class NoAuth:
    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        return dict(headers)


@dataclass(frozen=True)
class BearerAuth:
    token: str

    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        return {**headers, "Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class SigV4Signer:
    """Signs for API Gateway (`execute-api`) with the caller's AWS credentials."""

    credentials: Credentials
    region: str

    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(request)
        return dict(request.headers.items())
