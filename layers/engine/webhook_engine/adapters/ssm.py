"""Secret provider properties as SSM SecureString parameters, read through Powertools' cache
(its SSM provider, on the container's shared session)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.utilities import parameters

from webhook_engine.adapters.clients import client


class SsmSecretStore:
    """Parameters named `{prefix}providers/{provider_id}/{property}`."""

    def __init__(self, prefix: str, max_age: int) -> None:
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.max_age = max_age
        self._provider: parameters.SSMProvider | None = None

    @property
    def _parameters(self) -> parameters.SSMProvider:
        if self._provider is None:  # made on first use: a sync ingest may never read secrets
            self._provider = parameters.SSMProvider(boto3_client=client("ssm"))
        return self._provider

    def _path(self, provider_id: str) -> str:
        return f"{self.prefix}providers/{provider_id}/"

    def get_secrets(self, provider_id: str) -> Mapping[str, str]:
        values = self._parameters.get_multiple(
            self._path(provider_id), decrypt=True, max_age=self.max_age
        )
        return {name: str(value) for name, value in values.items()}

    def put_secret(self, provider_id: str, name: str, value: str) -> None:
        client("ssm").put_parameter(
            Name=self._path(provider_id) + name, Value=value, Type="SecureString", Overwrite=True
        )
        self.forget()

    def delete_secret(self, provider_id: str, name: str) -> None:
        ssm = client("ssm")
        try:
            ssm.delete_parameter(Name=self._path(provider_id) + name)
        except ssm.exceptions.ParameterNotFound:
            return
        finally:
            self.forget()

    def forget(self) -> None:
        """Drop cached values, so the next read sees changed secrets."""
        if self._provider is not None:
            self._provider.clear_cache()
