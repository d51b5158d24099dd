"""Entry point of the Streamlit app: page config, language, and navigation over the pages in pages/."""

from __future__ import annotations

import streamlit as st

from spotdiff_app import uploads
from spotdiff_app.i18n import DEFAULT_LANGUAGE, LANGUAGE_KEY, LANGUAGES, t
from spotdiff_app.navigation import app_pages
from spotdiff_core import limits

LANGUAGE_WIDGET_KEY = "language_choice"

uploads.install()  # uploads stay in memory and are bounded per session (process settings of the server)

st.set_page_config(page_title="Spot the difference studio", page_icon=":material/search:", layout="wide")

if LANGUAGE_KEY not in st.session_state:
    # First run of the session: ?lang=ja opens the app in Japanese; the session remembers the choice after that.
    requested = st.query_params.get(LANGUAGE_KEY)
    st.session_state[LANGUAGE_KEY] = requested if requested in LANGUAGES else DEFAULT_LANGUAGE


def remember_language() -> None:
    st.session_state[LANGUAGE_KEY] = st.session_state[LANGUAGE_WIDGET_KEY]


# The choice lives under a plain key, which Streamlit never clears; the widget only shows and edits it.
st.session_state[LANGUAGE_WIDGET_KEY] = st.session_state[LANGUAGE_KEY]
with st.sidebar:
    language = st.selectbox(
        "Language / 言語",
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=LANGUAGE_WIDGET_KEY,
        on_change=remember_language,
    )
if st.query_params.get(LANGUAGE_KEY, DEFAULT_LANGUAGE) != language:
    st.query_params[LANGUAGE_KEY] = language  # keeps the URL shareable in the chosen language

page = st.navigation(app_pages(), position="top")
st.set_page_config(page_title=f"{page.title} · {t('app_title')}")

with st.sidebar:
    st.caption(t("app_tagline"))
    st.caption(":material/lock: " + t("sidebar_privacy"))

refused = uploads.refused_uploads()
if refused:
    st.error(
        t(
            "uploads_refused",
            n=refused,
            files=limits.MAX_SESSION_UPLOAD_FILES,
            mb=limits.MAX_SESSION_UPLOAD_BYTES // 2**20,
        ),
        icon=":material/block:",
    )

page.run()
