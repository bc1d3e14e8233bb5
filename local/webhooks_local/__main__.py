"""`python -m webhooks_local`."""

import sys

from webhooks_local.main import main

if __name__ == "__main__":
    sys.exit(main())
