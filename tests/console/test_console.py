"""The console end to end: sign-in, the messages and message pages, its security and weight."""

from __future__ import annotations

import gzip
import json
import subprocess
from typing import Any

import pytest

from tests.console.conftest import REPO, Session, Stack
from tests.e2e.conftest import TOKEN

AXE = REPO / "console" / "node_modules" / "axe-core" / "axe.min.js"
BUDGET = 150 * 1024  # the messages page's JavaScript and CSS, gzipped
# What a sender may put in a body, a header or a URI to turn a page against its reader.
HOSTILE = (
    '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    '<svg onload="window.pwned=3"><a href="javascript:window.pwned=4">x</a></svg>'
    "\u202eevil\u202c"
)


def webhook(stack: Stack, uri: str, body: str, content_type: str = "application/json") -> str:
    """Send a webhook that no provider matches; its message id."""
    headers = {"content-type": content_type, "x-note": HOSTILE.encode("ascii", "replace").decode()}
    answer = stack.api.request("POST", f"/webhooks/{uri}", body.encode(), headers)
    assert answer.status in (200, 202, 404), answer.body
    return str(answer.headers.get("x-message-id") or newest(stack, uri))


def newest(stack: Stack, uri: str) -> str:
    page = stack.api.admin("GET", f"/messages?uri={uri}&limit=1").json()
    return str(page["items"][0]["id"])


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations (evaluated over the DevTools protocol, which
    the page's CSP does not govern)."""
    if not AXE.exists():
        pytest.skip("axe-core is in console/node_modules: make console")
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run()).violations")
    return [
        {
            "id": v["id"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "why": v["nodes"][0]["failureSummary"],
        }
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_types_match_the_openapi_document():
    # Given the API types generated from docs/openapi.json
    npm = subprocess.run(["which", "npm"], capture_output=True, check=False)
    if npm.returncode or not AXE.parent.parent.exists():
        pytest.skip("npm or console/node_modules missing: make console")
    # When they are generated again and compared
    checked = subprocess.run(
        ["npm", "run", "--silent", "types:check"],
        cwd=REPO / "console",
        capture_output=True,
        check=False,
    )
    # Then they are the same (else: cd console && npm run types)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_files_carry_the_policy_and_cache_headers(stack: Stack):
    # Given the console's index and one hashed asset
    index = stack.api.request("GET", "/console")
    asset = next((REPO / "src/admin/console/assets").glob("index-*.js")).name
    # When they are fetched, accepting gzip
    script = stack.api.request(
        "GET", f"/console/assets/{asset}", headers={"accept-encoding": "gzip"}
    )
    # Then the index is revalidated, the asset immutable and precompressed, both under the CSP
    assert index.headers["cache-control"] == "no-cache"
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-encoding"] == "gzip"
    policy = index.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_a_filtered_view_is_a_link_that_opens_after_sign_in(session: Session):
    # Given a view filtered by status and URI
    path = "/console/messages?status=UNMATCHED&uri=console%2Flink"
    webhook(session.stack, "console/link", '{"a": 1}')
    # When it is opened in a new tab, signing in as the editor on the way
    page = session.sign_in("editor", path)
    # Then the filters are the link's, the message is listed with its full id, and nothing
    # left the console's origin or broke its policy
    assert page.get_by_label("Status").input_value() == "UNMATCHED"
    assert page.get_by_label("URI").input_value() == "console/link"
    page.locator("table.messages a.id").first.wait_for()
    assert (
        page.locator("table.messages a.id")
        .first.inner_text()
        .startswith(newest(session.stack, "console/link"))
    )
    assert session.foreign() == []
    assert session.violations == []


@pytest.mark.parametrize("width", ["wide", "narrow"])
def test_messages_page_is_accessible_and_light_at_both_widths(
    browser: Any, stack: Stack, width: str
):
    # Given a few messages, and a browser at each width
    for number in range(3):
        webhook(stack, f"console/list/{number}", json.dumps({"n": number}))
    session = Session(browser, stack, width)
    # When the messages page opens
    page = session.sign_in("editor")
    page.locator("table.messages a.id").first.wait_for()
    session.shoot("messages")
    # Then axe finds nothing serious, and the JS and CSS it loaded fit the budget, gzipped
    assert serious_violations(page) == []
    loaded = {
        url.rpartition("/console/")[2] for url in session.requests if url.endswith((".js", ".css"))
    }
    sizes = [
        len(gzip.compress((REPO / "src/admin/console" / name).read_bytes())) for name in loaded
    ]
    assert not any("configuration" in name for name in loaded)  # the editor stays unloaded
    assert 0 < sum(sizes) <= BUDGET
    session.context.close()


def test_hostile_content_is_shown_as_text(session: Session):
    # Given a message whose body and URI carry tags, scripts, SVG, javascript: links, bidi
    uri = "console/hostile/%3Cb%3Ebold%3C%2Fb%3E"
    message_id = webhook(session.stack, uri, json.dumps({"html": HOSTILE}))
    page = session.sign_in("editor", f"/console/messages/{message_id}")
    # When every tab of it is opened
    for tab in ("Details", "Payload", "Logs", "Flow"):
        page.get_by_role("tab", name=tab).click()
        page.get_by_role("tabpanel").wait_for()
        session.shoot(f"message-{tab.lower()}") if tab in ("Details", "Payload") else None
    page.get_by_role("tab", name="Payload").click()
    # Then nothing ran, no element came from the data, and the text is there, bidi shown
    assert page.evaluate("window.pwned") is None
    assert page.locator("main img, main script, main svg, main b").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert "<svg onload" in page.get_by_role("tabpanel").inner_text()
    assert "\\u202e" in page.get_by_role("tabpanel").inner_text()
    assert session.violations == []


def test_message_tabs_are_aria_tabs_and_resubmit_adds_a_submission(session: Session):
    # Given a message opened on its Details tab
    message_id = webhook(session.stack, "console/resubmit", '{"b": 2}')
    page = session.sign_in("editor", f"/console/messages/{message_id}")
    page.get_by_role("tab", name="Details").wait_for()  # once the message is loaded
    tabs = page.get_by_role("tab")
    assert [tabs.nth(i).inner_text() for i in range(tabs.count())] == [
        "Details",
        "Payload",
        "Logs",
        "Flow",
    ]
    # When the arrow key moves along the tabs, then Resubmit is pressed
    page.get_by_role("tab", name="Details").focus()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="Payload").get_attribute("aria-selected") == "true"
    page.get_by_role("tab", name="Details").click()
    page.get_by_role("button", name="Resubmit").click()
    # Then the second submission shows without a reload
    page.get_by_text("Submission 2 queued.").wait_for()
    page.locator(".timeline li", has_text="#2").wait_for()
    assert page.locator(".timeline li").count() == 2


def test_keyboard_selection_resubmits_the_selected_rows(session: Session):
    # Given three messages in one view
    for number in range(3):
        webhook(session.stack, "console/select", json.dumps({"n": number}))
    page = session.sign_in("editor", "/console/messages?uri=console%2Fselect")
    page.locator("table.messages a.id").nth(2).wait_for()
    # When x selects the first row and shift+j extends the selection over the next
    page.locator("h1").click()
    page.keyboard.press("x")
    page.keyboard.press("Shift+j")
    page.get_by_role("button", name="Resubmit selected (2)").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    # Then exactly those two are resubmitted, after one confirmation
    page.get_by_text("Resubmitted 2 message(s).").wait_for()


def test_all_failed_in_this_view_asks_once(session: Session):
    # Given a view with no FAILED message
    page = session.sign_in("editor", "/console/messages?uri=console%2Fnone-failed")
    # When "all FAILED in this view" is confirmed
    page.get_by_role("button", name="Resubmit all FAILED in this view").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    # Then the answer says how many went
    page.get_by_text("Resubmitted 0 message(s).").wait_for()


def test_the_viewer_sees_no_payload_and_no_action(session: Session):
    # Given the viewer's token, one of the stack's tokens per role
    message_id = webhook(session.stack, "console/viewer", json.dumps({"secret": "VIEWER-MARKER"}))
    # When the viewer opens the message and the list
    page = session.sign_in("viewer", f"/console/messages/{message_id}")
    page.get_by_role("tab", name="Details").wait_for()  # once the message is loaded
    tabs = page.get_by_role("tab")
    # Then only Details and Flow are offered, no Resubmit, and the body is nowhere
    assert [tabs.nth(i).inner_text() for i in range(tabs.count())] == ["Details", "Flow"]
    assert page.get_by_role("button", name="Resubmit").count() == 0
    assert "VIEWER-MARKER" not in page.content()
    page.get_by_role("tab", name="Flow").click()
    assert "VIEWER-MARKER" not in page.content()


def test_configuration_reorders_by_keyboard_and_marks_a_compile_error(session: Session):
    # Given the configuration page, with two providers in order
    created = session.stack.api.request(
        "POST",
        "/admin/v1/providers",
        json.dumps({"name": "Second", "match_script": "result = False"}).encode(),
        {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
    )
    assert created.status == 201, created.body
    page = session.sign_in("editor", "/console/configuration")
    handles = page.locator(".providers-list .handle")
    handles.first.wait_for()
    first = page.locator(".providers-list strong").first.inner_text()
    # When the first provider is moved down with Alt+ArrowDown
    handles.first.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.get_by_text("Order saved.").wait_for()
    # Then it is second
    assert page.locator(".providers-list strong").nth(1).inner_text() == first
    session.shoot("configuration")
    # When a function's script is saved with a syntax error on its second line
    page.locator(".fn-list a").first.click()
    editor = page.locator(".cm-content")
    editor.wait_for()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nx = = 1")
    page.get_by_role("button", name="Save").click()
    # Then it is refused and the error's line is marked in the editor
    page.get_by_text("Not saved: error at line").wait_for()
    assert page.locator(".cm-lintRange-error, .cm-lint-marker-error").count() >= 1
    session.shoot("editor")
    assert session.violations == []


def test_every_page_fits_a_phone(browser: Any, stack: Stack):
    # Given a browser 390 px wide, signed in as the editor
    message_id = webhook(stack, "console/narrow", json.dumps({"n": 1}))
    session = Session(browser, stack, "narrow")
    page = session.sign_in("editor")
    pages = {
        "message": f"/console/messages/{message_id}",
        "dead-letters": "/console/dead-letters",
        "audit": "/console/audit",
        "configuration": "/console/configuration",
    }
    for name, path in pages.items():
        # When each page opens
        page.goto(stack.origin + path)
        page.get_by_role("heading", level=1).first.wait_for()
        page.wait_for_load_state("networkidle")
        session.shoot(name)
        # Then nothing but its scrolling tables is wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    session.context.close()
