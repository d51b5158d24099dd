"""Uploads on the server: kept in memory only, bounded per session as they arrive, and released once read.

Streamlit's web server (Starlette) parses an upload with python-multipart into a SpooledTemporaryFile that
rolls over to an unnamed file in TMPDIR beyond 1 MiB: a user's photo would touch the disk. Its upload route
keeps every file of a session in memory until the session ends, with no bound per session. Both are process
settings of the server, so :func:`install` (called by the entry script on every run, idempotent) sets them.
"""

from __future__ import annotations

import functools
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


def share_uploaded_file_copies() -> None:
    """Make the copy of an upload that an uploader widget returns share the upload's bytes instead of copying them.

    Streamlit returns a deep copy of a widget's value on every run, and a deep copy of an UploadedFile (a
    BytesIO) copies its whole buffer: every run held a second copy of all of a session's uploads, kept for as
    long as the page's variables were (a page's namespace is a reference cycle, freed only by the cyclic
    garbage collector, which an idle server does not run). A BytesIO made from a bytes object shares it until
    written to (copy on write), so a copy made that way is as safe from the page's changes and costs nothing.
    """
    try:
        from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec
    except ImportError:  # another Streamlit: its copies stay as they are
        return
    if getattr(UploadedFile.__dict__.get("__deepcopy__"), "_spotdiff_shared", False):
        return

    def deepcopy_sharing(self, memo):
        import copy

        record = UploadedFileRec(file_id=self.file_id, name=self.name, type=self.type, data=self.getvalue())
        duplicate = memo[id(self)] = UploadedFile(record, self._file_urls)
        duplicate.__dict__.update(copy.deepcopy(self.__dict__, memo))
        duplicate.seek(self.tell())
        return duplicate

    deepcopy_sharing._spotdiff_shared = True
    UploadedFile.__deepcopy__ = deepcopy_sharing


CLOSED_SESSION_CHECK_S = 5.0  # how often closed sessions past Streamlit's reconnect window are let go
_REAPER_STARTED = False


def release_memory() -> None:
    """Free what released sessions left in reference cycles now, and give the freed memory back to the system.

    What a shut-down session's script runs left (the pages' namespaces, which held the uploads' bytes, and
    interrupted runs' frames) is a web of reference cycles: only the cyclic garbage collector frees it, and that
    runs only as new objects are made, i.e. when another visitor comes. glibc's malloc also keeps freed memory
    unless trimmed.
    """
    import gc

    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None elsewhere (musl, macOS); looked up once."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None).malloc_trim
    except (OSError, AttributeError):
        return None


def shut_down(session) -> None:
    """Shut a Streamlit session down (its uploads, media and script released) and empty what it still holds.

    Streamlit's own shutdown keeps the session's state and unsent messages, and its runtime loop keeps the last
    session it sent messages to (a loop variable) until another session connects. The state holds the uploader's
    files and the page's pictures and puzzles, and through the widgets' callbacks the page's namespace (with
    its copies of the files' bytes); unsent messages may hold a picture or a PDF made after the tab closed.
    Emptied, the session is a small shell, whoever still refers to it.
    """
    session.shutdown()
    state = getattr(session, "_session_state", None)
    if hasattr(state, "clear"):
        state.clear()
        # Widget metadata (serializers, format_func callbacks closing over a page's namespace) outlives clear().
        metadata = getattr(getattr(state, "_new_widget_state", None), "widget_metadata", None)
        if isinstance(metadata, dict):
            metadata.clear()
    queue = getattr(session, "_browser_queue", None)
    if hasattr(queue, "clear"):
        queue.clear()


def release_closed_sessions() -> None:
    """Shut down closed sessions once Streamlit's reconnect window (2 minutes) is over, and free their memory.

    Streamlit keeps a closed tab's session for reconnection in a TTL cache that is only swept when another
    session connects, and a session swept (or evicted beyond 128 closed sessions) is dropped without being shut
    down: its uploads stayed in the upload manager. Here every session leaving that cache is shut down
    (:func:`shut_down`: uploads, media and state released) and its memory freed (:func:`release_memory`), and the
    cache is swept every CLOSED_SESSION_CHECK_S seconds, on the server's event loop.
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

    def let_go(infos) -> None:
        if not infos:
            return
        for info in infos:
            loop.call_soon_threadsafe(shut_down, info.session)  # not inside the cache's caller's locks
        loop.call_soon_threadsafe(release_memory)  # after the shutdowns (the loop runs callbacks in order)
        # Once more when a script that was running has stopped and dropped what it held.
        loop.call_soon_threadsafe(loop.call_later, CLOSED_SESSION_CHECK_S, release_memory)
        _LOG.info("released %d closed session(s)", len(infos))

    sweep = cache.expire

    def expire(at_time=None):
        removed = sweep(at_time)
        let_go([info for _, info in removed])
        return removed

    cache.expire = expire
    evict = getattr(cache, "_evict_lru", None)
    if evict is not None:

        def evict_lru(*args, **kwargs):
            info = evict(*args, **kwargs)
            let_go([info])
            return info

        cache._evict_lru = evict_lru

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
    share_uploaded_file_copies()


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
