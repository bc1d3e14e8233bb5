"""`python -m webhooks_bench`."""

import sys

from webhooks_bench.main import main

if __name__ == "__main__":
    sys.exit(main())
