"""Scripts compiled ahead in the zygote: a process forked after the engine first ran a script
finds it compiled (compiling is most of a fresh process's work), and nothing the zygote is sent
to compile can stop it or change what a run does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.sandbox.injected import zygote_with
from tests.unit.sandbox.push import push_fields
from webhook_engine.sandbox.supervisor import Sandbox, ScriptRun, script_request
from webhook_engine.sandbox.zygote import MAX_DATAGRAM

# Each run's summary: how many scripts it found compiled in its process's cache, and how many
# it compiled itself.
COUNTED = """
from webhook_engine.sandbox import compiler as _compiler

def run(self, frame):
    before = _compiler._compile.cache_info()
    result = _real_run(self, frame)
    after = _compiler._compile.cache_info()
    result["summary"] = f"found {after.hits - before.hits}, compiled {after.misses - before.misses}"
    return result

replace_run(run)
"""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    running = Sandbox(command=zygote_with(COUNTED), spares=0)  # each process forked on demand
    yield running
    running.close()


def match(source: str) -> ScriptRun:
    return ScriptRun(source, "provider:Test", "match", {}, 1.0)


def run_in_fresh_process(sandbox: Sandbox, run: ScriptRun) -> tuple[str | None, str | None]:
    with sandbox.process() as process:
        outcome = process.run(script_request(**push_fields()), run)
    return outcome.summary, outcome.error


def test_a_process_forked_after_the_engine_sent_a_script_finds_it_compiled(sandbox: Sandbox):
    # Given a script the engine has not run before
    script = match("return headers.get('x-github-event') == 'push'")
    # When it runs, in a process forked on demand
    summary, error = run_in_fresh_process(sandbox, script)
    # Then the zygote had compiled it before the fork, and the process only ran it
    assert (summary, error) == ("found 1, compiled 0", None)


def test_a_spare_forked_before_a_script_was_sent_compiles_it_and_the_next_does_not():
    # Given a sandbox with a spare forked ahead, before any script was sent
    sandbox = Sandbox(command=zygote_with(COUNTED), spares=1)
    script = match("return 1")
    try:
        # When a script runs in that spare, and then again in the spare forked since
        first = run_in_fresh_process(sandbox, script)
        second = run_in_fresh_process(sandbox, script)
    finally:
        sandbox.close()
    # Then the first compiled it itself, the second found it compiled
    assert first == ("found 0, compiled 1", None)
    assert second == ("found 1, compiled 0", None)


def test_a_script_too_large_for_a_datagram_is_compiled_by_its_processes(sandbox: Sandbox):
    # Given a script larger than the zygote's control channel carries, run once
    script = match("x = 1\n" * (MAX_DATAGRAM // 6 + 1) + "return x")
    run_in_fresh_process(sandbox, script)
    # When it runs again
    summary, error = run_in_fresh_process(sandbox, script)
    # Then its process compiled it, and the zygote, never sent it, went on
    assert (summary, error) == ("found 0, compiled 1", None)
    assert run_in_fresh_process(sandbox, match("return 2"))[1] is None


@pytest.mark.parametrize(
    "source",
    [
        "return (",  # a syntax error
        "import os",  # refused by the restricted compile
        "x = " + "(" * 5_000 + ")" * 5_000,  # nested past the parser
        "return " + "-" * 100_000 + "1",  # nested past the compiler, over a datagram too
    ],
    ids=["syntax", "refused", "nested-parens", "nested-unary"],
)
def test_a_script_that_does_not_compile_fails_in_its_process_and_the_zygote_goes_on(
    sandbox: Sandbox, source: str
):
    # Given a script that does not compile, sent to the zygote when it first runs
    first = run_in_fresh_process(sandbox, match(source))
    # When it runs again, and then another script
    again = run_in_fresh_process(sandbox, match(source))
    other = run_in_fresh_process(sandbox, match("return 3"))
    # Then each of its runs failed with the same error, in its process, and the zygote still
    # forks processes that run scripts
    assert first[1] is not None
    assert again[1] == first[1]
    assert other == ("found 1, compiled 0", None)
    assert sandbox.zygotes_started == 1
