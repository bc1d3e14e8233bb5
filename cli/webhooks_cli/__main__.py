"""`python -m webhooks_cli`: the same as the `webhooks` console script."""

import sys

from webhooks_cli.main import main

sys.exit(main())
