"""Uploads on the server: kept in memory only, bounded per session as they arrive, and released once read.

Streamlit's web server (Starlette) parses an upload with python-multipart into a SpooledTemporaryFile that
rolls over to an unnamed file in TMPDIR beyond 1 MiB: a user's photo would touch the disk. Its upload route
keeps every file of a session in memory until the session ends, with no bound per session. Both are process
settings of the server, so :func:`install` (called by the entry script on every run, idempotent) sets them.
"""

from __future__ import annotations

import logging
import threading
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
    from starlette.formparsers import MultiPartParser

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


def install() -> None:
    """Both server settings above; cheap, and safe to call on every script run."""
    keep_uploads_in_memory()
    bound_uploads_per_session()


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
