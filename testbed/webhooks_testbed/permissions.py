"""`python -m webhooks_testbed.permissions RUNS REASONS REPORT`: the report of the grants no
call used, over the runs the local stack wrote to RUNS (`WEBHOOKS_CALL_LOG`); written to
REPORT and printed; exit status 1 when a grant is unexplained, a call was refused, a reason is
stale, or there is no run (make permissions)."""

import sys
from pathlib import Path

from webhooks_testbed.grants import read_reasons, read_runs, report


def main(argv: list[str]) -> int:
    runs, reasons, output = Path(argv[0]), Path(argv[1]), Path(argv[2])
    found = report(read_runs(runs), read_reasons(reasons))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(found.text(), encoding="utf-8")
    print(found.text(), end="")
    if not found.runs:
        print(f"no run of the local stack in {runs}: was WEBHOOKS_CALL_LOG set?")
    return 1 if found.failed or not found.runs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
