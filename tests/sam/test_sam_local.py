"""`sam local invoke` of every function with the events/ files, and `sam local start-api`, in
the Lambda emulation image against a local stack: what only SAM's build and a Lambda-like
image show (a handler path that does not resolve in the built artefact, the layer under /opt,
a variable the template forgets, the code's permissions for Lambda's user, a child interpreter
that cannot start on Lambda's layout)."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from webhooks_testbed.template import functions

REPO = Path(__file__).parents[2]
EVENTS = REPO / "events"
# Each event file and the function it is for; admin_messages.json lists what the others stored.
FUNCTIONS = {
    "webhook_github_push.json": "IngestFunction",
    "webhook_github_push_sync.json": "IngestFunction",
    "webhook_form.json": "IngestFunction",
    "sqs_process.json": "ProcessFunction",
    "schedule_sweeper.json": "SweeperFunction",
    "admin_health.json": "AdminFunction",
    "admin_messages.json": "AdminFunction",
}
LISTING = "admin_messages.json"
PUSH_FUNCTIONS = {"GitHub - git/push - log", "GitHub - git/push - build"}
PUSH = json.dumps(json.loads((REPO / "tests" / "events" / "github_push.json").read_text())).encode()
INVOCATIONS_AT_ONCE = 4  # SAM builds the image they share once; the others wait for it


def body(answer: dict[str, Any]) -> Any:
    assert "errorType" not in answer, answer
    return json.loads(answer["body"])


@pytest.fixture(scope="module")
def answers(sam_stack) -> dict[str, Any]:
    """Each event file's answer through `sam local invoke`, the listing last."""
    first = [name for name in FUNCTIONS if name != LISTING]
    with ThreadPoolExecutor(INVOCATIONS_AT_ONCE) as pool:
        runs = pool.map(lambda name: sam_stack.invoke(FUNCTIONS[name], _event(name)), first)
        found = {name: answer for name, (answer, _) in zip(first, runs, strict=True)}
    found[LISTING], _ = sam_stack.invoke(FUNCTIONS[LISTING], _event(LISTING))
    return found


@pytest.fixture(scope="module")
def api_answers(sam_stack) -> dict[str, tuple[int, Any]]:
    """`sam local start-api`: a signed GitHub push, and an admin call (status, JSON body)."""
    signature = hmac.new(b"change-me", PUSH, hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-hub-signature-256": f"sha256={signature}",
    }
    with sam_stack.start_api() as url:
        return {
            "push": _request(f"{url}/webhooks/git/push?projectId=123", PUSH, headers),
            "admin": _request(f"{url}/admin/v1/messages"),
        }


@pytest.fixture(scope="module")
def drained(sam_stack, answers, api_answers) -> int:
    """The functions' queue, drained through `sam local invoke ProcessFunction`."""
    return int(sam_stack.drain())


def test_every_event_file_is_invoked_and_every_function_has_one():
    # Given the events/ folder and the template's functions
    files = {path.name for path in EVENTS.glob("*.json")}
    # Then each file is invoked, and each function gets at least one
    assert set(FUNCTIONS) == files
    assert set(FUNCTIONS.values()) == set(functions())


def test_the_asynchronous_events_are_stored_and_listed(answers, webhooks):
    # Given the asynchronous webhooks invoked through SAM
    queued = [answers[name] for name in ("webhook_github_push.json", "webhook_form.json")]
    # When the messages are listed with the CLI
    listed = {item["id"] for item in webhooks("messages", "list")["items"]}
    # Then each was accepted and is listed
    assert [answer["statusCode"] for answer in queued] == [202, 202]
    assert {body(answer)["message_id"] for answer in queued} <= listed


def test_the_synchronous_push_answers_200_with_its_executions(answers, webhooks):
    # Given the synchronous GitHub push invoked through SAM
    answer = answers["webhook_github_push_sync.json"]
    # When its message is read with the CLI
    message = webhooks("messages", "show", body(answer)["message_id"])
    # Then both functions ran, in script processes started on Lambda's interpreter layout
    assert (answer["statusCode"], body(answer)["status"]) == (200, "SUCCESS")
    executions = message["executions"]
    assert {execution["function"] for execution in executions} == PUSH_FUNCTIONS
    assert {execution["status"] for execution in executions} == {"SUCCESS"}


def test_the_admin_events_list_messages_and_health(answers):
    # Given the admin events invoked through SAM after the webhooks
    listing, health = answers[LISTING], answers["admin_health.json"]
    # Then the listing holds the webhooks stored, and script processes have every protection
    stored = {
        body(answers[name])["message_id"]
        for name in ("webhook_github_push.json", "webhook_github_push_sync.json")
    }
    assert listing["statusCode"] == 200
    assert stored <= {item["id"] for item in body(listing)["items"]}
    assert health["statusCode"] == 200
    assert body(health)["sandbox"]["missing"] == []
    assert body(health)["sandbox"]["error"] is None


def test_the_sweeper_and_process_events_answer_by_their_contracts(answers):
    # Given the scheduled sweep and the queue record of an unknown message
    sweep, batch = answers["schedule_sweeper.json"], answers["sqs_process.json"]
    record = json.loads((EVENTS / "sqs_process.json").read_text())["Records"][0]
    # Then nothing was left unfinished to sweep, and the record is handed back for a retry
    assert sweep == {"requeued": 0, "lost": 0}
    assert batch == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}


def test_start_api_takes_a_signed_push(api_answers, webhooks):
    # Given a signed GitHub push through `sam local start-api`
    status, answer = api_answers["push"]
    # Then it was accepted and its message is listed
    assert status == 202
    listed = webhooks("messages", "list")["items"]
    assert answer["message_id"] in {item["id"] for item in listed}


def test_start_api_plays_no_iam_authorizer(api_answers):
    # Given an unsigned admin call through `sam local start-api`
    status, answer = api_answers["admin"]
    # Then SAM let it through (no IAM authorizer locally) and the function refused it
    assert (status, answer["error"]["code"]) == (401, "unauthorized")


def test_queued_messages_are_processed_by_the_process_function(
    drained, answers, api_answers, webhooks
):
    # Given the pushes queued by SAM's ingest, processed by SAM's ProcessFunction
    pushes = [body(answers["webhook_github_push.json"])["message_id"]]
    pushes.append(api_answers["push"][1]["message_id"])
    form = body(answers["webhook_form.json"])["message_id"]
    # When they are read with the CLI
    messages = [webhooks("messages", "show", id_) for id_ in [*pushes, form]]
    # Then each push succeeded with both functions, and the form ended too
    assert drained == 3
    for message in messages[:2]:
        assert message["status"] == "SUCCESS"
        assert {execution["function"] for execution in message["executions"]} == PUSH_FUNCTIONS
    assert messages[2]["status"] not in ("RECEIVED", "PROCESSING")


PROBE = """
import os, subprocess, sys

def handler(event, context):
    bare = subprocess.run([sys.executable, "-c", "pass"], env={}, capture_output=True, text=True)
    library = {"LD_LIBRARY_PATH": os.environ["LD_LIBRARY_PATH"]}
    pathed = subprocess.run([sys.executable, "-c", "pass"], env=library)
    return {"uid": os.getuid(), "executable": sys.executable, "path": sys.path[:3],
            "bare": [bare.returncode, bare.stderr], "pathed": pathed.returncode}
"""


def test_the_image_runs_functions_as_lambda_does(lambda_image, tmp_path):
    # Given a handler that reports its user, interpreter and module path, mounted as the
    # function's code, behind the image's own entry point (the emulator, as Lambda's images)
    (tmp_path / "probe.py").write_text(PROBE)
    tmp_path.chmod(0o755)
    (tmp_path / "probe.py").chmod(0o644)
    # When it is invoked
    found = _invoke_in_image(lambda_image, tmp_path, "probe.handler")
    # Then it ran as Lambda's user, on Lambda's interpreter and path, where a child without
    # the runtime's LD_LIBRARY_PATH cannot start and one with it can
    assert found["uid"] == 993
    assert found["executable"] == "/var/lang/bin/python3.13"
    assert found["path"] == ["/var/task", "/opt/python/lib/python3.13/site-packages", "/opt/python"]
    assert found["bare"][0] != 0
    assert "libpython3.13.so.1.0" in found["bare"][1]
    assert found["pathed"] == 0


def _event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _invoke_in_image(image: str, code: Path, handler: str) -> Any:
    """Run `image` with `code` as /var/task and invoke `handler` once through its emulator."""
    container = subprocess.run(
        ["docker", "run", "--detach", "--publish", "127.0.0.1::8080",
         "--volume", f"{code}:/var/task:ro", image, handler],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    try:
        port = subprocess.run(
            ["docker", "port", container, "8080/tcp"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout.split(":")[-1].strip()  # fmt: skip
        url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
        return _post_until_up(url)
    finally:
        subprocess.run(["docker", "rm", "--force", container], capture_output=True, check=False)


def _post_until_up(url: str, attempts: int = 100) -> Any:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=b"{}"), timeout=60) as r:
                return json.loads(r.read())
        except (ConnectionError, urllib.error.URLError):
            time.sleep(0.2)
    raise AssertionError(f"the emulator at {url} never answered")
