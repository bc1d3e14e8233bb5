"""Where the stack is and how to authenticate: `--url` (local) or `--stack-name` (AWS)."""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from botocore.session import Session

from webhooks_cli.auth import Auth, BearerAuth, NoAuth, SigV4Signer
from webhooks_cli.errors import API_ERROR, NOT_FOUND, UNAUTHORIZED, UNREACHABLE, USAGE, CliError

ADMIN_PATH = "/admin/v1"
LOCAL_STATE = ".local/stack.json"  # where make serve writes its tokens
WEBHOOK_PATH = "/webhooks/"
_EXECUTE_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")
_AUTH_ERROR_CODES = frozenset(
    {"AccessDenied", "ExpiredToken", "InvalidClientTokenId", "UnrecognizedClientException"}
)


@dataclass(frozen=True)
class Endpoints:
    admin_url: str
    webhook_url: str
    auth: Auth


def resolve(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Endpoints:
    """The endpoints named by the global options, or by the environment."""
    role = args.role or environ.get("WEBHOOKS_ROLE")
    if args.stack_name:
        if args.url or role:
            raise CliError("--stack-name takes neither --url nor --role (IAM says who)", USAGE)
        return deployed(args.stack_name, args.region, args.profile, args.token)
    token = args.token or (role_token(role, environ) if role else None)
    return local(
        args.url or environ.get("WEBHOOKS_URL"), token or environ.get("WEBHOOKS_ADMIN_TOKEN")
    )


def role_token(role: str, environ: Mapping[str, str]) -> str:
    """The running local stack's token for `role`, from its state file (`WEBHOOKS_LOCAL_STATE`,
    else `.local/stack.json` here)."""
    path = Path(environ.get("WEBHOOKS_LOCAL_STATE") or LOCAL_STATE)
    try:
        tokens = json.loads(path.read_text(encoding="utf-8")).get("tokens", {})
    except (OSError, ValueError, AttributeError) as error:
        raise CliError(
            f"no local stack's tokens in {path}: make serve ({error})", UNAUTHORIZED
        ) from error
    if role not in tokens:
        raise CliError(f"{path} has no token for the role {role!r}", USAGE)
    return str(tokens[role])


def local(url: str | None, token: str | None) -> Endpoints:
    """A stack at a known URL, with the local bearer token when there is one."""
    if not url:
        raise CliError("no URL: pass --url, set WEBHOOKS_URL, or use --stack-name", UNREACHABLE)
    base = base_url(url)
    auth: Auth = BearerAuth(token) if token else NoAuth()
    return Endpoints(base + ADMIN_PATH, base + WEBHOOK_PATH, auth)


def base_url(url: str) -> str:
    """`http://host:3000`, also from a URL ending in `/admin/v1` or `/webhooks/`."""
    base = url.strip().rstrip("/")
    if urlsplit(base).scheme not in {"http", "https"}:
        raise CliError(f"not an http(s) URL: {url!r}", USAGE)
    for suffix in (ADMIN_PATH, WEBHOOK_PATH.rstrip("/")):
        base = base.removesuffix(suffix)
    return base


def deployed(
    stack_name: str, region: str | None, profile: str | None, token: str | None = None
) -> Endpoints:
    """A deployed stack: URLs from its CloudFormation outputs, requests signed with SigV4, or
    with `token` (a person's JWT) sent to the people's API."""
    session, region = aws_session(stack_name, region, profile)
    try:
        outputs = stack_outputs(session, stack_name, region)
        credentials = session.get_credentials()
    except (BotoCoreError, ClientError) as error:
        raise aws_error(error, stack_name, region) from error
    webhook_url = output(outputs, "WebhookUrl", stack_name).rstrip("/") + "/"
    if token:
        people_url = output(outputs, "PeopleAdminUrl", stack_name).rstrip("/")
        return Endpoints(people_url, webhook_url, BearerAuth(token))
    if credentials is None:
        raise CliError("no AWS credentials found (profile, environment or SSO)", UNAUTHORIZED)
    admin_url = output(outputs, "AdminUrl", stack_name).rstrip("/")
    signing_region = region_of(admin_url) or region
    return Endpoints(admin_url, webhook_url, SigV4Signer(credentials, signing_region))


def aws_session(stack_name: str, region: str | None, profile: str | None) -> tuple[Session, str]:
    """The caller's AWS session and the region the stack is looked for in: --region, else the
    profile's or environment's default (a stack lives in one region only)."""
    try:
        session = Session(profile=profile)
        region = region or session.get_config_variable("region")
    except BotoCoreError as error:
        raise aws_error(error, stack_name, region) from error
    if not region:
        raise CliError("no AWS region: pass --region or set AWS_REGION", USAGE)
    return session, region


def stack_outputs(session: Session, stack_name: str, region: str) -> dict[str, str]:
    """The outputs of a CloudFormation stack, by key."""
    cloudformation = session.create_client("cloudformation", region_name=region)
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def region_of(url: str) -> str | None:
    """The region in an `execute-api` host name, if the URL has one."""
    found = _EXECUTE_API_HOST.search(urlsplit(url).hostname or "")
    return found[1] if found else None


def output(outputs: Mapping[str, str], key: str, stack_name: str) -> str:
    if key not in outputs:
        raise CliError(f"stack {stack_name} has no output {key}", NOT_FOUND)
    return outputs[key]


def aws_error(error: BotoCoreError | ClientError, stack_name: str, region: str | None) -> CliError:
    """The CLI's error for a failed AWS call about the stack."""
    message = f"cannot read stack {stack_name} in {region or 'no region'}: {error}"
    if isinstance(error, NoCredentialsError):
        return CliError(message, UNAUTHORIZED)
    if isinstance(error, BotoCoreError):
        return CliError(message, UNREACHABLE)
    if "does not exist" in str(error):
        return CliError(f"{message} (a stack is in one region: pass --region)", NOT_FOUND)
    code = error.response.get("Error", {}).get("Code", "")
    return CliError(message, UNAUTHORIZED if code in _AUTH_ERROR_CODES else API_ERROR)
