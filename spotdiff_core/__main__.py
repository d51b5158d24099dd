"""Entry point of `python -m spotdiff_core`."""

import logging
import os
import sys

from .cli import main

if __name__ == "__main__":  # not when a spawned worker process imports this module
    code = main()
    if "torch" in sys.modules:
        # Tearing down torch and ultralytics at interpreter exit takes about 0.5 s here (measured). Every output is
        # written and closed by now, so flush what is buffered and leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    sys.exit(code)
