"""Uploads on the server: kept in memory only, bounded per session as they arrive, and released once read.

Streamlit's web server (Starlette) parses an upload with python-multipart into a SpooledTemporaryFile that
rolls over to an unnamed file in TMPDIR beyond 1 MiB: a user's photo would touch the disk. Its upload route
keeps every file of a session in memory until the session ends, with no bound per session. Both are process
settings of the server, so :func:`install` (called by the entry script on every run, idempotent) sets them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from spotdiff_core import limits

_LOG = logging.getLogger("spotdiff_app")
_LOCK = threading.Lock()
# session id -> files refused since the page last said so (bounded: a session that never reruns is forgotten)
_REFUSED: OrderedDict[str, int] = OrderedDict()
_MAX_REMEMBERED_SESSIONS = 1000
MULTIPART_OVERHEAD_BYTES = 1024 * 1024  # headers and boundaries around one file in an upload request


def spool_limit_bytes() -> int:
    """Bytes an upload request may hold in memory before the server would spool it: above the largest upload."""
    from streamlit import config

    largest = max(int(config.get_option("server.maxUploadSize")) * 2**20, limits.MAX_BUNDLE_BYTES)
    return largest + MULTIPART_OVERHEAD_BYTES


def keep_uploads_in_memory() -> None:
    """Make the server's multipart parser keep every accepted upload in memory (never a temporary file)."""
    try:
        from starlette.formparsers import MultiPartParser
    except ImportError:  # a Streamlit without Starlette parses uploads its own way
        return
    limit = spool_limit_bytes()
    if MultiPartParser.spool_max_size < limit:
        MultiPartParser.spool_max_size = limit


def bound_uploads_per_session() -> None:
    """Refuse an upload (HTTP 413) that would take a session past MAX_SESSION_UPLOAD_FILES or _BYTES.

    Checked as each file arrives, before it is kept; the session's files are what its uploaders hold now
    (a file the user removed, or that the app released, no longer counts).
    """
    from streamlit.runtime import Runtime

    if Runtime.exists():
        bound(Runtime.instance().uploaded_file_mgr)


def bound(manager) -> None:
    """Wrap a MemoryUploadedFileManager's add_file with the per-session limits (once)."""
    if getattr(manager, "_spotdiff_bounded", False) or not hasattr(manager, "file_storage"):
        return
    add = manager.add_file

    def add_file(session_id, file) -> None:
        from starlette.exceptions import HTTPException

        with _LOCK:
            held = [rec for fid, rec in manager.file_storage.get(session_id, {}).items() if fid != file.file_id]
            held_bytes = sum(len(rec.data) for rec in held)
            if (
                len(held) + 1 > limits.MAX_SESSION_UPLOAD_FILES
                or held_bytes + len(file.data) > limits.MAX_SESSION_UPLOAD_BYTES
            ):
                _REFUSED[session_id] = _REFUSED.pop(session_id, 0) + 1
                while len(_REFUSED) > _MAX_REMEMBERED_SESSIONS:
                    _REFUSED.popitem(last=False)
                # No name, no content: only how much the session holds.
                _LOG.warning("upload refused: the session holds %d files, %.1f MiB", len(held), held_bytes / 2**20)
                raise HTTPException(status_code=413, detail="This session holds too many uploaded files.")
            add(session_id=session_id, file=file)

    manager.add_file = add_file
    manager._spotdiff_bounded = True


def partition_cross_site_xsrf_cookie() -> None:
    """Send the XSRF cookie ``Partitioned`` (CHIPS) when it is SameSite=None, i.e. for an app shown in an iframe.

    Inside the Hugging Face page's iframe the cookie is a third-party cookie. Browsers that block those
    (Chromium 156 here, Safari by default) drop a plain SameSite=None cookie, and every upload fails with 403.
    A partitioned cookie is kept for the app inside that one top-level site only, which is all XSRF needs.
    """
    try:
        from streamlit.web.server.starlette import starlette_routes

        original = starlette_routes._set_unquoted_cookie
    except (ImportError, AttributeError):  # another Streamlit: its cookie stays as it is
        return
    if getattr(original, "_spotdiff_partitioned", False):
        return

    def set_cookie(response, cookie_name, cookie_value, *, same_site="Lax", secure):
        original(response, cookie_name, cookie_value, same_site=same_site, secure=secure)
        if same_site != "None" or not secure:
            return
        prefix = f"{cookie_name}=".encode("latin-1")
        response.raw_headers = [
            (name, value + b"; Partitioned" if name.lower() == b"set-cookie" and value.startswith(prefix) else value)
            for name, value in response.raw_headers
        ]

    set_cookie._spotdiff_partitioned = True
    starlette_routes._set_unquoted_cookie = set_cookie


CLOSED_SESSION_CHECK_S = 30.0  # how often closed sessions past Streamlit's reconnect window are let go
_REAPER_STARTED = False


def release_closed_sessions() -> None:
    """Shut down closed sessions once Streamlit's reconnect window (2 minutes) is over, without waiting.

    Streamlit keeps a closed tab's session for reconnection in a TTL cache that is only swept when another
    session connects, and a session swept so is dropped without being shut down: its uploads stayed in the
    upload manager. Here every session leaving that cache is shut down (uploads, media and state released),
    and the cache is swept every CLOSED_SESSION_CHECK_S seconds, on the server's event loop.
    """
    global _REAPER_STARTED
    from streamlit.runtime import Runtime

    with _LOCK:
        if _REAPER_STARTED or not Runtime.exists():
            return
        _REAPER_STARTED = True
    runtime = Runtime.instance()
    storage = getattr(getattr(runtime, "_session_mgr", None), "_session_storage", None)
    cache = getattr(storage, "_cache", None)
    if cache is None or not hasattr(cache, "expire"):
        return  # another Streamlit: leave it as it is
    loop = runtime._get_async_objs().eventloop
    sweep = cache.expire

    def expire(at_time=None):
        removed = sweep(at_time)
        for _, info in removed:
            loop.call_soon_threadsafe(info.session.shutdown)  # not inside the cache's caller's locks
        if removed:
            _LOG.info("released %d closed session(s)", len(removed))
        return removed

    cache.expire = expire

    def reap_forever() -> None:
        from streamlit.runtime import RuntimeState

        while True:
            time.sleep(CLOSED_SESSION_CHECK_S)
            if runtime.state in (RuntimeState.STOPPING, RuntimeState.STOPPED):
                return
            loop.call_soon_threadsafe(cache.expire)

    threading.Thread(target=reap_forever, name="spotdiff-closed-sessions", daemon=True).start()


def install_early() -> None:
    """What can be set before the server starts (``python -m spotdiff_app.serve`` does)."""
    keep_uploads_in_memory()
    partition_cross_site_xsrf_cookie()


def install() -> None:
    """The server settings above; cheap, and safe to call on every script run."""
    install_early()
    bound_uploads_per_session()
    release_closed_sessions()


def refused_uploads() -> int:
    """How many of this session's uploads the server refused since the last call (0 outside a session)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return 0
    with _LOCK:
        return _REFUSED.pop(ctx.session_id, 0)


def release(uploaded) -> None:
    """Drop the server's copy of an UploadedFile: the page keeps what it needs (a decoded picture, a puzzle).

    The uploader then reads as empty on the next run, though the browser still shows the file's name.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or uploaded is None:
        return
    ctx.uploaded_file_mgr.remove_file(ctx.session_id, uploaded.file_id)
