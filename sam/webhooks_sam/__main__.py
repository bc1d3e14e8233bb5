"""`python -m webhooks_sam`."""

import sys

from webhooks_sam.main import main

if __name__ == "__main__":
    sys.exit(main())
