"""The state file that lets `invoke` join a running local stack."""

import os

from webhooks_local.state import (
    remove_state,
    running_state,
    write_state,
)


def test_state_of_a_live_process_is_running_and_private(tmp_path):
    # Given
    path = tmp_path / ".local" / "stack.json"

    # When
    write_state(path, {"pid": os.getpid(), "port": 3000})

    # Then
    assert running_state(path) == {"pid": os.getpid(), "port": 3000}
    assert path.stat().st_mode & 0o777 == 0o600


def test_only_the_owner_removes_the_state(tmp_path):
    # Given
    path = tmp_path / "stack.json"
    write_state(path, {"pid": os.getpid()})

    # When
    remove_state(path, os.getpid() + 1)
    kept = path.exists()
    remove_state(path, os.getpid())

    # Then
    assert kept
    assert not path.exists()
