"""The console tier: the console in Debian's chromium (Playwright), through the local stack.

Skipped, saying so, where /usr/bin/chromium is missing or the console is not built (make
console needs npm); .ci/run installs both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import TOKEN, Client
from webhooks_local.child import StackStartError, serving

REPO = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
BUILT = REPO / "src" / "admin" / "console" / "index.html"
SHOTS = REPO / "build" / "screenshots"  # every page at both widths; the best are in docs/
WIDTHS = {"wide": (1280, 800), "narrow": (390, 844)}

pytestmark = pytest.mark.console


@dataclass(frozen=True)
class Stack:
    api: Client
    console_url: str
    state: dict[str, Any]

    @property
    def origin(self) -> str:
        parts = urlsplit(self.console_url)
        return f"{parts.scheme}://{parts.netloc}"

    def role_token(self, role: str) -> str | None:
        tokens = self.state.get("tokens")
        return tokens.get(role) if isinstance(tokens, dict) else None


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install chromium (CI's .ci/run does)")
    if not BUILT.exists():
        pytest.skip("the console is not built: make console (needs npm)")
    directory = tmp_path_factory.mktemp("console-stack")
    try:
        with serving(directory, TOKEN) as port:
            state = json.loads((directory / "stack.json").read_text())
            yield Stack(
                Client(f"http://127.0.0.1:{port}", directory / "stack.json"),
                state["console_url"],
                state,
            )
    except StackStartError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser(stack: Stack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  # only once chromium is there

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


class Session:
    """One browser context: every request it makes and every CSP violation it reports."""

    def __init__(self, browser: Any, stack: Stack, width: str = "wide") -> None:
        w, h = WIDTHS[width]
        self.context = browser.new_context(viewport={"width": w, "height": h})
        self.stack = stack
        self.width = width
        self.requests: list[str] = []
        self.violations: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def sign_in(self, role: str, path: str = "/console/messages") -> Any:
        """Open `path`, sign in on the local page as `role`, and land on `path` again."""
        self.page.goto(self.stack.origin + path)
        self.page.get_by_role("button", name=f"Sign in as {role}").click()
        self.page.wait_for_url(self.stack.origin + path)
        self.page.get_by_role("heading", level=1).first.wait_for()
        return self.page

    def shoot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SHOTS / f"{name}-{self.width}.png", full_page=True)

    def foreign(self) -> list[str]:
        """Requests to neither the console's origin nor the API's (the same, by design)."""
        allowed = (self.stack.origin + "/", "blob:", "data:")
        return [url for url in self.requests if not url.startswith(allowed)]


@pytest.fixture
def session(browser: Any, stack: Stack) -> Iterator[Session]:
    opened = Session(browser, stack)
    yield opened
    opened.context.close()
