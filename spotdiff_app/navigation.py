"""The app's pages for st.navigation (titles in the session's language)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from .i18n import t

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
WORKSHEET_PAGE = PAGES_DIR / "worksheet.py"


def has_worksheet_page() -> bool:
    """The Worksheet page comes from another issue; the app runs without it."""
    return WORKSHEET_PAGE.is_file()


def app_pages() -> list[st.Page]:
    pages = [
        st.Page(
            PAGES_DIR / "create.py", title=t("nav_create"), icon=":material/palette:", url_path="create", default=True
        ),
        st.Page(PAGES_DIR / "play.py", title=t("nav_play"), icon=":material/sports_esports:", url_path="play"),
    ]
    if has_worksheet_page():
        pages.append(st.Page(WORKSHEET_PAGE, title=t("nav_worksheet"), icon=":material/print:", url_path="worksheet"))
    return pages


def run_through_entry_script() -> None:
    """Rerun through streamlit_app.py when Streamlit ran this page on its own; call first thing in a page.

    On the first request after the server starts, a page URL (/play) makes Streamlit run the page straight
    from the pages/ folder (its old multipage mode, chosen because that folder exists), skipping the entry
    script: no language, no navigation. Streamlit leaves that mode for good once st.navigation has run,
    so one rerun puts the page back behind the entry script.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
