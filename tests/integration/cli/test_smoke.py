"""`webhooks smoke` stops at the first step that fails, saying which and why."""

from __future__ import annotations

from webhooks_cli.main import main


def test_smoke_stops_at_the_first_failing_step(capsys):
    # Given nothing listening where the stack should be (port 9: discard, closed here)
    url = "http://127.0.0.1:9"

    # When
    code = main(["--url", url, "smoke"])

    # Then
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("FAIL health")
    assert "async webhook" not in out
