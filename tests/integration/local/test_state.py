"""The state file that lets `invoke` join a running local stack: a stack provisioned in moto,
and a process that has ended."""

import subprocess

from webhooks_local.state import (
    provisioned,
    running_state,
    stack_state,
    write_state,
)


def test_provisioned_stack_round_trips_through_the_state(stack):
    # When
    restored = provisioned(stack_state(stack))

    # Then
    assert restored == stack


def test_state_of_a_dead_process_is_not_running(tmp_path):
    # Given
    finished = subprocess.Popen(["true"])
    finished.wait()
    write_state(tmp_path / "stack.json", {"pid": finished.pid})

    # When / Then
    assert running_state(tmp_path / "stack.json") is None
    assert running_state(tmp_path / "missing.json") is None
