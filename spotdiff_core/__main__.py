"""Entry point of `python -m spotdiff_core`."""

import sys

from .cli import main

sys.exit(main())
