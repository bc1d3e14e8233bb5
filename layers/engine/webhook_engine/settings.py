"""Deployment settings, read from the environment once per container."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from webhook_engine.actions.aws_overrides import OVERRIDES, compiled
from webhook_engine.actions.aws_targets import KINDS, listed_target

SWEEP_MARGIN = timedelta(minutes=5)


class Settings(BaseModel):
    """Every environment variable the engine reads (template.yaml sets them)."""

    model_config = ConfigDict(frozen=True)

    messages_table: str = "messages"
    config_table: str = "config"
    payload_bucket: str = "payloads"
    audit_table: str = "audit"
    account_id: str = ""  # the stack's account: IAM callers of another have no role
    # How long the audit trail keeps an entry (parameter AuditRetentionDays).
    audit_retention_days: int = Field(default=400, ge=1)
    # The JWT claim that carries a person's groups (parameter GroupsClaim): Cognito's, or a
    # brought OIDC issuer's.
    admin_groups_claim: str = Field(default="cognito:groups", min_length=1)
    queue_url: str = ""
    dead_letter_queue_url: str = ""
    queue_arn: str = ""
    dead_letter_queue_arn: str = ""
    parameter_prefix: str = "/incoming-webhooks/"
    message_retention_days: int = Field(default=30, ge=1)
    inline_body_limit: int = Field(default=262_144, ge=0, le=358_400)
    max_body_bytes: int = Field(default=4_500_000, ge=1024)
    match_timeout_seconds: float = Field(default=2.0, gt=0)
    function_timeout_seconds: float = Field(default=30.0, gt=0)
    sync_budget_seconds: float = Field(default=20.0, gt=0)
    submission_budget_seconds: float = Field(default=40.0, gt=0)
    record_reserve_seconds: float = Field(default=10.0, ge=0)
    record_minimum_seconds: float = Field(default=5.0, gt=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    max_receive_count: int = Field(default=5, ge=1)
    # The queue's: a delivery that fails comes back this long after it was received.
    queue_visibility_timeout_seconds: int = Field(default=360, ge=0)
    sweep_window_hours: float = Field(default=24.0, gt=0)
    max_sweeps: int = Field(default=3, ge=1)
    script_memory_mb: int = Field(default=256, ge=64)
    # The kernel wall of script processes (no new privileges, seccomp): "require" refuses to
    # run scripts without it; "report" runs them and says so (GET /health, a metric).
    sandbox_kernel_walls: Literal["require", "report"] = "report"
    # Where the interpreter's shared library is: Lambda's Python needs it to start, and the
    # script processes are started with it (and no other variable of the function).
    ld_library_path: str = ""
    config_cache_seconds: int = Field(default=60, ge=0)
    powertools_trace_disabled: bool = False
    # outbound `http` of scripts: hosts exempt from the address policy (`host` or `host:port`,
    # comma-separated), and the body cap; at most 2 MiB, so that a reply's text, escaped as
    # JSON, fits the script worker's 16 MiB frame
    http_allowed_hosts: tuple[str, ...] = ()
    http_max_response_bytes: int = Field(default=1_048_576, ge=1, le=2_097_152)
    # What `aws` actions may reach (template parameters Action*Arns; none by default).
    action_event_bus_arns: tuple[str, ...] = ()
    action_queue_arns: tuple[str, ...] = ()
    action_topic_arns: tuple[str, ...] = ()
    action_state_machine_arns: tuple[str, ...] = ()
    action_build_project_arns: tuple[str, ...] = ()
    action_pipeline_arns: tuple[str, ...] = ()
    action_function_arns: tuple[str, ...] = ()
    # What `aws.start_build` may override (parameters ActionBuild*; regular expressions, none
    # by default).
    action_build_environment_variables: tuple[str, ...] = ()
    action_build_source_versions: tuple[str, ...] = ()
    # The console's sign-in (authorization code with PKCE), served to it as /console/config.json:
    # the identity provider's authorize and token endpoints and the console's app client id.
    # Unset, the console says that sign-in is not configured.
    console_authorize_url: str = ""
    console_token_url: str = ""
    console_client_id: str = ""
    console_scopes: str = "openid email"

    @property
    def sweep_after(self) -> timedelta:
        """How long a submission stays unfinished before the sweeper takes it for lost: past
        every delivery the queue makes (max_receive_count x the visibility timeout), with a
        margin for the event source's polling; derived, so that no parameter can set it short."""
        retries = timedelta(seconds=self.max_receive_count * self.queue_visibility_timeout_seconds)
        return retries + SWEEP_MARGIN

    @field_validator(
        "http_allowed_hosts",
        *(kind.setting for kind in KINDS),
        *(override.setting for override in OVERRIDES),
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """The template joins each list with commas; an empty list is an empty string."""
        if isinstance(value, str):
            return tuple(entry.strip() for entry in value.split(",") if entry.strip())
        return value

    @model_validator(mode="after")
    def _action_lists(self) -> Settings:
        """Every listed ARN is one of its kind and every override pattern a regular
        expression, or the container does not start."""
        for kind in KINDS:
            for arn in getattr(self, kind.setting):
                listed_target(kind, arn)
        for override in OVERRIDES:
            compiled(override, getattr(self, override.setting))
        return self

    @classmethod
    def from_environ(cls, environ: dict[str, str]) -> Settings:
        """Build settings from upper-case variable names, ignoring unknown ones."""
        values = {
            name: environ[name.upper()] for name in cls.model_fields if name.upper() in environ
        }
        return cls.model_validate(values)


@cache
def get_settings() -> Settings:
    """The container's settings; `get_settings.cache_clear()` re-reads them (tests)."""
    return Settings.from_environ(dict(os.environ))
