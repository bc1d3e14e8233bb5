"""The provider catalog (`examples/providers/`) as the tests replay it: each sender's signing
scheme, done as the sender does it, and one entry per catalog file (its example payload, the
headers its sender sends, the URI of its sample function, the provider that must match).

Stripe's and Standard Webhooks' signatures are made by the senders' own libraries. Signers
take the exact body, the provider's property values, the time of sending and the
sender's other headers, and return the headers that authenticate the request."""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import standardwebhooks
import stripe

from webhook_engine.config.document import ConfigDocument

REPO = Path(__file__).parents[1]
CATALOG = REPO / "examples" / "providers"
EVENTS = Path(__file__).parent / "events"

# One secret for every provider: only the sender checks keep them from matching each other's
# messages (Bitbucket and Jira sign the same header the same way).
SECRET = "catalog-test-secret"
# Standard Webhooks secrets are base64 after `whsec_`: this one is the same key bytes.
STANDARD_SECRET = "whsec_" + base64.b64encode(SECRET.encode()).decode()

type Signer = Callable[[bytes, Mapping[str, str], datetime, Mapping[str, str]], dict[str, str]]


def _hmac(key: str | bytes, data: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key.encode() if isinstance(key, str) else key, data, algorithm).digest()


def sign_github(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """GitHub sends both digests of the body: SHA-256 and, for old receivers, SHA-1."""
    return {
        "X-Hub-Signature-256": "sha256=" + _hmac(props["SECRET"], body).hex(),
        "X-Hub-Signature": "sha1=" + _hmac(props["SECRET"], body, "sha1").hex(),
    }


def sign_gitlab(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """GitLab sends the secret token itself."""
    return {"X-Gitlab-Token": props["TOKEN"]}


def sign_hub(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """Bitbucket Cloud and Jira Cloud: `X-Hub-Signature: sha256=<hex>` of the body."""
    return {"X-Hub-Signature": "sha256=" + _hmac(props["SECRET"], body).hex()}


def sign_basic(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """Azure DevOps' web hooks: the subscription's user name and password, as basic auth."""
    credentials = base64.b64encode(f"{props['USER']}:{props['PASSWORD']}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def sign_slack(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """Slack: `v0=<hex>` of `v0:<timestamp>:<body>`."""
    timestamp = str(int(at.timestamp()))
    signed = b"v0:" + timestamp.encode() + b":" + body
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + _hmac(props["SIGNING_SECRET"], signed).hex(),
    }


def sign_stripe(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """Stripe: `t=<timestamp>,v1=<hex>` of `<timestamp>.<body>`, signed by Stripe's library."""
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode(), props["SECRET"], int(at.timestamp())
    )
    return {"Stripe-Signature": header}


def sign_standard(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """Standard Webhooks: `v1,<base64>` of `<webhook-id>.<timestamp>.<body>`, keyed with the
    base64-decoded secret, signed by the Standard Webhooks library."""
    moment = datetime.fromtimestamp(int(at.timestamp()), UTC)
    signer = standardwebhooks.Webhook(props["SECRET"])
    return {
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signer.sign(headers["webhook-id"], moment, body.decode()),
    }


def sign_shopify(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """Shopify: the base64 HMAC-SHA256 of the body."""
    return {"X-Shopify-Hmac-Sha256": base64.b64encode(_hmac(props["SECRET"], body)).decode()}


def sign_token(body: bytes, props: Mapping[str, str], at: datetime, headers: Mapping[str, str]):
    """A shared token in a header the sender is told to add."""
    return {"X-Webhook-Token": props["TOKEN"]}


@dataclass(frozen=True)
class Entry:
    """One catalog file and the request its sender would make."""

    file: str  # under examples/providers/
    provider: str  # the provider that must match
    payload: Path
    uri: str
    headers: dict[str, str]  # what the sender sends besides the signature
    sign: Signer
    props: dict[str, str] = field(default_factory=lambda: {"SECRET": SECRET})
    signs_body: bool = True  # False: a shared token or password, which the body cannot change

    @property
    def path(self) -> Path:
        return CATALOG / self.file

    @property
    def body(self) -> bytes:
        return self.payload.read_bytes()

    def signed_headers(self, at: datetime, body: bytes | None = None) -> dict[str, str]:
        """The sender's headers and its signature of `body` (default: the payload) at `at`."""
        signature = self.sign(self.body if body is None else body, self.props, at, self.headers)
        return self.headers | signature

    def forged(self, at: datetime) -> tuple[bytes, dict[str, str]]:
        """A copy that must match nothing: one body byte changed under the example's
        signature, or, where the sender signs nothing, its token or password one byte off."""
        if self.signs_body:
            return tampered(self.body), self.signed_headers(at)
        wrong = {name: value + "!" for name, value in self.props.items()}
        return self.body, self.headers | self.sign(self.body, wrong, at, self.headers)


JSON = "application/json"
ENTRIES = [
    Entry(
        "github.yaml",
        "GitHub",
        EVENTS / "github_push.json",
        "github/push",
        {
            "Content-Type": JSON,
            "User-Agent": "GitHub-Hookshot/8f2b3c1",
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": "7b3f6a80-ff7b-11ef-8d4e-2c1a3b5e9f10",
            "X-GitHub-Hook-ID": "512345678",
            "X-GitHub-Hook-Installation-Target-ID": "912345678",
            "X-GitHub-Hook-Installation-Target-Type": "repository",
        },
        sign_github,
    ),
    Entry(
        "gitlab.yaml",
        "GitLab",
        EVENTS / "providers" / "gitlab_push.json",
        "gitlab/push",
        {
            "Content-Type": JSON,
            "User-Agent": "GitLab/18.6.0",
            "X-Gitlab-Event": "Push Hook",
            "X-Gitlab-Instance": "https://gitlab.example.com",
            "X-Gitlab-Webhook-UUID": "02affd2d-2cba-4033-917d-ec22d5dc4b38",
            "X-Gitlab-Event-UUID": "13792a34-cac6-4fda-95a8-c58e00a3954e",
            "Idempotency-Key": "f5e5f430-f57b-4e6e-9fac-d9128cd7232f",
        },
        sign_gitlab,
        {"TOKEN": SECRET},
        signs_body=False,
    ),
    Entry(
        "bitbucket.yaml",
        "Bitbucket",
        EVENTS / "providers" / "bitbucket_push.json",
        "bitbucket/push",
        {
            "Content-Type": JSON,
            "User-Agent": "Bitbucket-Webhooks/2.0",
            "X-Event-Key": "repo:push",
            "X-Hook-UUID": "{5f1b8a3c-2e4d-4c6b-9a0e-7d3f1b5c9e2a}",
            "X-Request-UUID": "{b2a4d6f8-1c3e-4a5b-8d7f-9e0a2c4b6d8f}",
            "X-Attempt-Number": "1",
        },
        sign_hub,
    ),
    Entry(
        "azure_devops.yaml",
        "Azure DevOps",
        EVENTS / "providers" / "azure_devops_git_push.json",
        "azure-devops/git-push",
        {"Content-Type": "application/json; charset=utf-8"},
        sign_basic,
        {"USER": "azure-devops", "PASSWORD": SECRET},
        signs_body=False,
    ),
    Entry(
        "jira.yaml",
        "Jira",
        EVENTS / "providers" / "jira_issue_updated.json",
        "jira/issue",
        {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Flow": "Primary",
            "X-Atlassian-Webhook-Identifier": "b3f1a3c4-5d6e-4f70-8a91-b2c3d4e5f601",
            "X-Atlassian-Webhook-Retry": "0",
        },
        sign_hub,
    ),
    Entry(
        "slack.yaml",
        "Slack",
        EVENTS / "providers" / "slack_url_verification.json",
        "slack/events",
        {"Content-Type": JSON, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"},
        sign_slack,
        {"SIGNING_SECRET": SECRET},
    ),
    Entry(
        "stripe.yaml",
        "Stripe",
        EVENTS / "providers" / "stripe_payment_intent_succeeded.json",
        "stripe/events",
        {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        sign_stripe,
    ),
    Entry(
        "standard_webhooks.yaml",
        "Standard Webhooks",
        EVENTS / "providers" / "standard_contact_created.json",
        "standard/events",
        {"Content-Type": JSON, "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"},
        sign_standard,
        {"SECRET": STANDARD_SECRET},
    ),
    Entry(
        "shopify.yaml",
        "Shopify",
        EVENTS / "providers" / "shopify_orders_create.json",
        "shopify/orders",
        {
            "Content-Type": JSON,
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": "acme-store.myshopify.com",
            "X-Shopify-API-Version": "2025-10",
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
            "X-Shopify-Triggered-At": "2026-11-29T15:05:14.168138767Z",
        },
        sign_shopify,
    ),
    Entry(
        "generic.yaml",
        "Generic token",
        EVENTS / "providers" / "grafana_alert.json",
        "alerts",
        {"Content-Type": JSON, "User-Agent": "Grafana"},
        sign_token,
        {"TOKEN": SECRET},
        signs_body=False,
    ),
]


def tampered(body: bytes) -> bytes:
    """`body` with one byte changed (its first digit), still well-formed."""
    match = re.search(rb"\d", body)
    assert match is not None, "the payload has no digit to change"
    digit = b"2" if match.group() == b"1" else b"1"
    return body[: match.start()] + digit + body[match.end() :]


def catalog(entries: list[Entry] = ENTRIES) -> ConfigDocument:
    """Every catalog file in one configuration, in table order, with the test's secrets."""
    providers = []
    for entry in entries:
        (provider,) = ConfigDocument.from_file(entry.path).providers
        for name, value in entry.props.items():
            provider.properties[name].value = value
        providers.append(provider)
    return ConfigDocument(providers=providers)
