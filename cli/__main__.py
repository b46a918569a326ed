"""`python -m cli` is `gan-zoo`."""

import sys

from cli import main

sys.exit(main())
