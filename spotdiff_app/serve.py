"""Start the app: ``python -m spotdiff_app.serve [options of streamlit run]``, the server settings installed first.

Same as ``streamlit run streamlit_app.py [options]``, except that :func:`spotdiff_app.uploads.install_early`
runs before the web server answers its first request: the XSRF cookie of the very first response is then
already partitioned (an app in another site's iframe needs that; see uploads.py). The entry script installs
the same settings again on every run, so plain ``streamlit run`` is still safe, only late for that cookie.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    from spotdiff_app import uploads

    uploads.install_early()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
