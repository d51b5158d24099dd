"""Where model weights are found, and how torch and ultralytics are set up offline (imported lazily, never here)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

# --- Where weights live -------------------------------------------------------------------------
# Look-up order for each model: the constructor's ``weights=`` argument, then the model's own
# environment variable, then the models directory. The first one given is the only one used, so
# a wrong explicit path is reported instead of silently falling through to another file.
MODEL_DIR_ENV = "SPOTDIFF_MODEL_DIR"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"  # <repo>/models, ignored by git
FASTSAM_WEIGHTS_ENV = "SPOTDIFF_FASTSAM_WEIGHTS"
FASTSAM_FILENAMES = ("FastSAM-s.pt", "FastSAM-x.pt")  # the small one first: FastSAM-x needs 8x its FLOPs
LAMA_WEIGHTS_ENV = "SPOTDIFF_LAMA_WEIGHTS"
LAMA_FILENAMES = ("big-lama.pt",)

# --- How torch runs -------------------------------------------------------------------------------
TORCH_THREADS_ENV = "SPOTDIFF_TORCH_THREADS"
MAX_TORCH_THREADS = 8  # more intra-op threads than this adds little for one picture at a time
DEVICE_ENV = "SPOTDIFF_DEVICE"  # e.g. "cpu" to keep a GPU free; default: a GPU when there is one


def model_dir() -> Path:
    """The models directory: ``$SPOTDIFF_MODEL_DIR`` if set, else ``<repo>/models`` (absolute)."""
    configured = os.environ.get(MODEL_DIR_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_MODEL_DIR


@dataclass(frozen=True)
class WeightsLookup:
    """Where a weights file was looked for, and what was found.

    Attributes
    ----------
    path : Path or None
        The absolute path of a usable-looking file, or None.
    looked_at : tuple of Path
        Every absolute path that was checked, in order.
    source : str
        Where the path came from: ``"argument"``, the environment variable's name, or ``"models directory"``.
    problem : str
        Empty when ``path`` is set; otherwise one sentence saying what is wrong and what to do.
    """

    path: Path | None
    looked_at: tuple[Path, ...]
    source: str
    problem: str = ""


def find_weights(
    explicit: str | os.PathLike | None, *, env_var: str, filenames: tuple[str, ...], what: str
) -> WeightsLookup:
    """Find a weights file without loading it (cheap: a stat and a look at the zip directory).

    Parameters
    ----------
    explicit : path-like or None
        A path given by the caller; wins over everything else.
    env_var : str
        The environment variable that may name the file.
    filenames : tuple of str
        File names to look for in :func:`model_dir`, in order of preference.
    what : str
        The model's name for messages, e.g. ``"FastSAM"``.

    Returns
    -------
    WeightsLookup
        Paths are absolute, so a library never sees a bare name it could try to download.
    """
    from_env = os.environ.get(env_var, "").strip()
    if explicit is not None or from_env:
        source = "argument" if explicit is not None else env_var
        path = Path(explicit if explicit is not None else from_env).expanduser().resolve()
        problem = _file_problem(path, what)
        if problem:
            fix = "pass the path of a good file" if explicit is not None else f"fix or unset {env_var}"
            named_by = "the weights argument" if explicit is not None else env_var
            return WeightsLookup(None, (path,), source, f"{problem}, named by {named_by}; {fix}.")
        return WeightsLookup(path, (path,), source)
    folder = model_dir()
    looked_at = tuple(folder / name for name in filenames)
    for path in looked_at:
        if path.is_file():
            problem = _file_problem(path, what)
            if problem:
                return WeightsLookup(None, looked_at, "models directory", f"{problem}; download it again or delete it.")
            return WeightsLookup(path, looked_at, "models directory")
    return WeightsLookup(
        None,
        looked_at,
        "models directory",
        f"no {what} weights file: looked at {' and '.join(map(str, looked_at))} (the models directory, "
        f"set by {MODEL_DIR_ENV}); put the file there or set {env_var} to its path.",
    )


def _file_problem(path: Path, what: str) -> str:
    """Why ``path`` cannot be a weights file, or '' (torch checkpoints and TorchScript files are zip archives)."""
    if not path.is_file():
        return f"the {what} weights file {path} does not exist"
    if not zipfile.is_zipfile(path):  # reads only the end of the file: catches truncated downloads cheaply
        return f"the {what} weights file {path} is not a PyTorch archive: it is truncated or corrupt"
    return ""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, for one-sentence error messages."""
    text = str(exc).strip().splitlines()
    return text[0] if text else "no details"


def missing_packages(*modules: str) -> list[str]:
    """The top-level modules among ``modules`` that are not installed (found without importing them)."""
    return [name for name in modules if importlib.util.find_spec(name) is None]


# --- Offline-safe torch / ultralytics -----------------------------------------------------------
_setup_lock = threading.Lock()


def ultralytics_config_dir() -> Path:
    """A writable, per-user temp folder for ultralytics' settings file (it would otherwise write under ~)."""
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"spotdiff-ultralytics-{uid}"


def import_ultralytics() -> ModuleType:
    """Import ultralytics with network access and run-time pip installs switched off.

    ultralytics reads ``YOLO_OFFLINE``, ``YOLO_AUTOINSTALL`` and ``YOLO_CONFIG_DIR`` once, at import,
    so they are set first; if something imported it earlier, the same switches are set on its modules.

    Returns
    -------
    module
        The ``ultralytics`` package.
    """
    os.environ["YOLO_OFFLINE"] = "1"  # no DNS probe, no analytics, no downloads
    os.environ["YOLO_AUTOINSTALL"] = "false"  # never pip-install at run time
    os.environ.setdefault("YOLO_VERBOSE", "false")
    # ultralytics sets OMP_NUM_THREADS=1 for the whole process (child processes too) unless it is set.
    os.environ.setdefault("OMP_NUM_THREADS", str(default_torch_threads()))
    if "YOLO_CONFIG_DIR" not in os.environ:
        config = ultralytics_config_dir()
        config.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["YOLO_CONFIG_DIR"] = str(config)
    imported_before = "ultralytics" in sys.modules
    ultralytics = importlib.import_module("ultralytics")
    _undo_pillow_patch()
    if imported_before:
        # Imported before our switches were set: turn its cached flags off where they are read.
        for name in ("ultralytics.utils", "ultralytics.utils.checks", "ultralytics.utils.downloads"):
            module = sys.modules.get(name)
            if module is not None:
                for flag in ("ONLINE", "AUTOINSTALL"):
                    if hasattr(module, flag):
                        setattr(module, flag, False)
    return ultralytics


def _undo_pillow_patch() -> None:
    """Give ``PIL.Image.open`` back to Pillow after ultralytics replaced it process-wide.

    ultralytics' replacement pip-installs a HEIF plugin whenever Pillow cannot identify a file; offline
    that turns the app's "not a picture" message into a ModuleNotFoundError. We only pass it arrays.
    """
    patches = sys.modules.get("ultralytics.utils.patches")
    original = getattr(patches, "_image_open", None)
    if original is not None:
        from PIL import Image

        Image.open = original


def default_torch_threads() -> int:
    """Intra-op threads for torch: one core fewer than this process may use (at least 1, at most 8).

    The spare core keeps the app responsive and serves the pipeline's numpy/OpenCV work and other
    sessions. On the 2-core target box this is 1 thread, on purpose: measured there with other work
    running, a FastSAM-s pass took 2 to 5 s on 1 thread but 5 to 26 s on 2, because OpenMP threads
    spin-wait for a core that is busy. ``$SPOTDIFF_TORCH_THREADS`` overrides this.
    """
    configured = os.environ.get(TORCH_THREADS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_TORCH_THREADS, cores - 1))


def import_torch() -> ModuleType:
    """Import torch with its intra-op thread count set (see :func:`default_torch_threads`)."""
    torch = importlib.import_module("torch")
    apply_torch_threads(torch)
    return torch


def apply_torch_threads(torch: ModuleType) -> None:
    """Set torch's thread count to :func:`default_torch_threads` if something changed it.

    ultralytics sets its own count (cores - 1, ignoring ``$SPOTDIFF_TORCH_THREADS`` and CPU affinity)
    whenever it builds a predictor; the backends call this after ultralytics ran, so ours holds.
    """
    wanted = default_torch_threads()
    with _setup_lock:
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)


def pick_device(requested: str | None = None) -> str:
    """The torch device to run on: ``requested``, else ``$SPOTDIFF_DEVICE``, else ``cuda:0`` when present, else cpu."""
    chosen = requested or os.environ.get(DEVICE_ENV, "").strip()
    if chosen:
        return chosen
    torch = import_torch()
    return "cuda:0" if torch.cuda.is_available() else "cpu"


@dataclass
class LoadedModel:
    """A model loaded once per process, with the lock that serialises calls into it."""

    model: Any
    lock: threading.Lock


class ModelCache:
    """One loaded model per weights file (path, mtime, size) and device per process, shared by all sessions."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int, int, str], LoadedModel] = {}
        self._lock = threading.Lock()

    def get(
        self, path: Path, device: str, load: Callable[[], Any], check: Callable[[LoadedModel], None]
    ) -> LoadedModel:
        """The model for ``path`` on ``device``: ``load()`` builds it and ``check`` tries it on first use.

        A file replaced on disk (new mtime or size) is loaded again. Loading holds the cache's lock, so two
        sessions asking at once load it once.
        """
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, device)
        with self._lock:
            loaded = self._models.get(key)
            if loaded is None:
                loaded = LoadedModel(load(), threading.Lock())
                check(loaded)
                self._models[key] = loaded
            return loaded
