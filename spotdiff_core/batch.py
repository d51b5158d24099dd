"""Many puzzles on every core: a process pool that makes puzzles from pictures, in order, byte for byte as serially.

Used by :func:`spotdiff_core.worksheet.build_pack` (a worksheet pack) and by the ``batch`` command (one saved
puzzle per picture and version, plus an optional pack PDF). Each job carries its own seed, so the result does
not depend on which process made it or when: a pool run and a serial run give the same bytes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InvalidInputError, SpotDiffError
from .puzzle import Puzzle

PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff")
VERSION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_VERSIONS = len(VERSION_LETTERS)


@dataclass(frozen=True, eq=False)
class PuzzleJob:
    """One puzzle to make: where the picture comes from, the seed and the generation settings.

    Attributes
    ----------
    name : str
        What to call it in messages (the file name).
    source : path, bytes or (H, W, 3) uint8 ndarray
        A picture file, its bytes, or the picture itself.
    seed : int or None
    settings : dict
        Keyword arguments of :meth:`Pipeline.generate` besides the image and seed (n_differences, difficulty,
        kinds, print_safe, max_side, fill_weak).
    """

    name: str
    source: Any = field(repr=False)
    seed: int | None
    settings: dict[str, Any]


def version_label(index: int) -> str:
    """ "A" for the first version, "B" for the second, ... (at most ``MAX_VERSIONS``)."""
    return VERSION_LETTERS[index]


def repeated_versions(puzzles: Sequence[Puzzle]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of versions of one picture that came out with the same differences.

    Different seeds choose different differences only when the picture holds more than asked for; a picture
    that holds exactly that many gives every version the same ones (same places, same kinds of change).
    """
    signatures = [tuple(sorted((d.bbox, d.kind) for d in p.differences)) for p in puzzles]
    return [(i, j) for i in range(len(puzzles)) for j in range(i + 1, len(puzzles)) if signatures[i] == signatures[j]]


def check_versions(versions: Any) -> int:
    """``versions`` as a whole number from 1 to ``MAX_VERSIONS``, or InvalidInputError naming the bad value."""
    if isinstance(versions, bool) or not isinstance(versions, (int, np.integer)) or not 1 <= versions <= MAX_VERSIONS:
        raise InvalidInputError(
            f"The number of versions must be a whole number from 1 to {MAX_VERSIONS}, not {versions!r}."
        )
    return int(versions)


def default_jobs() -> int:
    """Worker processes by default: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: Any) -> int:
    """``jobs`` (None: every core) as a whole number of worker processes, at least 1."""
    if jobs is None:
        return default_jobs()
    if isinstance(jobs, bool) or not isinstance(jobs, (int, np.integer)) or jobs < 1:
        raise InvalidInputError(f"The number of parallel jobs must be a whole number of at least 1, not {jobs!r}.")
    return int(jobs)


def pictures_in(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The picture files named, with each folder replaced by the pictures directly inside it (sorted by name).

    Raises InvalidInputError for a path that does not exist or a folder without pictures.
    """
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in PICTURE_SUFFIXES and not p.name.startswith(".")
            )
            if not inside:
                raise InvalidInputError(
                    f"The folder {str(path)!r} holds no pictures ({', '.join(s[1:] for s in PICTURE_SUFFIXES)})."
                )
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise InvalidInputError(f"There is no file or folder {str(path)!r}.")
    return found


# --- making one puzzle (in this process or a worker) --------------------------------------------------------
_PIPELINES: dict[tuple[str, str], Any] = {}


def _pipeline(segmenter: str, inpainter: str):
    from .generator import get_pipeline

    key = (segmenter, inpainter)
    if key not in _PIPELINES:
        _PIPELINES[key] = get_pipeline(segmenter, inpainter)
    return _PIPELINES[key]


def make_puzzle(job: PuzzleJob, pipeline, *, progress: Callable[[str, float], None] | None = None) -> Puzzle:
    """Make the puzzle of one job with ``pipeline``; ``progress(stage, fraction)`` as the pipeline goes."""
    from .loading import load_image

    source = job.source
    image = source if isinstance(source, np.ndarray) else load_image(source, max_side=job.settings["max_side"])
    return pipeline.generate(image, seed=job.seed, progress=progress, **job.settings)


def _portable(exc: BaseException) -> BaseException:
    """The error as it can cross a process boundary (a message-only copy when it would not unpickle)."""
    try:
        copy = pickle.loads(pickle.dumps(exc))
    except Exception:
        copy = None
    if isinstance(copy, BaseException) and str(copy) == str(exc):
        if hasattr(exc, "held"):
            copy.held = exc.held  # type: ignore[attr-defined]
        return copy
    return InvalidInputError(str(exc))


_STEPS = None  # in a worker: the queue its puzzles' progress goes to, when the parent asked for it


def _worker_make(job: PuzzleJob, index: int, segmenter: str, inpainter: str) -> Puzzle | BaseException:
    """Worker side: the puzzle, or the error it raised (returned, so the pool goes on)."""
    steps = _STEPS
    report = None if steps is None else (lambda stage, fraction: steps.put((index, float(fraction))))
    try:
        return make_puzzle(job, _pipeline(segmenter, inpainter), progress=report)
    except (SpotDiffError, OSError, ValueError) as exc:
        return _portable(exc)


def _worker_init(steps=None) -> None:
    global _STEPS
    _STEPS = steps
    # Ctrl-C is the parent's to handle (it stops the pool); a worker would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    try:  # one worker per core: OpenCV's own threads, or the analysis's, would only fight over the same cores
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    from . import parallel

    parallel.set_workers(0)


def _pool_context():
    # forkserver: workers start from a clean process, never from a copy of a threaded server (Streamlit). The
    # server imports the puzzle engine once, so each worker forked from it starts in milliseconds.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["spotdiff_core.batch", "spotdiff_core.generator", "spotdiff_core.loading"])
        return context
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _without_main_script():
    """While worker processes start: hide the program's main script from them.

    multiprocessing re-runs the parent's ``__main__`` file in each new process to find pickled functions there;
    under Streamlit that file is the app's page script, which must not run in a worker. Every function a
    worker needs lives in this module, so a worker needs nothing from ``__main__``.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def iter_puzzles(
    jobs: Sequence[PuzzleJob],
    *,
    workers: int | None = None,
    segmenter: str = "auto",
    inpainter: str = "auto",
    pipeline=None,
    on_step: Callable[[int, float], None] | None = None,
) -> Iterator[tuple[int, Puzzle | BaseException]]:
    """Make every job's puzzle, yielding ``(job index, puzzle or error)`` as each one finishes.

    Parameters
    ----------
    jobs : sequence of PuzzleJob
    workers : int, optional
        Worker processes (default: every core). With 1, or a single job, the puzzles are made in this
        process, with ``pipeline`` when one is given.
    segmenter, inpainter : str
        Backend names the workers build their pipelines from (each worker builds one, once).
    pipeline : Pipeline, optional
        A ready pipeline for work done in this process; its backends' names are used by the workers.
    on_step : callable(job index, fraction), optional
        Called in this process as a puzzle under way gets further (fraction 0 to 1 of that puzzle), from the
        workers too, so a progress bar moves while a puzzle is being made.

    Errors of a job (a picture that cannot be read, or cannot hold the puzzle) are yielded, not raised, so a
    caller can go on past them. Stopping the iteration early cancels the jobs not started yet.
    """
    workers = check_jobs(workers)
    if pipeline is not None:
        segmenter, inpainter = pipeline.segmenter.name, pipeline.inpainter.name
    if workers == 1 or len(jobs) <= 1:
        for index, job in enumerate(jobs):
            report = None if on_step is None else (lambda stage, fraction, index=index: on_step(index, fraction))
            try:
                made = pipeline if pipeline is not None else _pipeline(segmenter, inpainter)
                yield index, make_puzzle(job, made, progress=report)
            except (SpotDiffError, OSError, ValueError) as exc:
                yield index, exc
        return
    context = _pool_context()
    steps = context.Queue() if on_step is not None else None
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=context, initializer=_worker_init, initargs=(steps,)
    )
    finished = False
    try:
        with _without_main_script():  # workers start during submit
            pending: dict[Future, int] = {
                pool.submit(_worker_make, job, i, segmenter, inpainter): i for i, job in enumerate(jobs)
            }
        while pending:
            # With steps to pass on, look at the queue a few times a second while the puzzles are made.
            done, _ = wait(pending, timeout=0.25 if steps is not None else None, return_when=FIRST_COMPLETED)
            while steps is not None:
                try:
                    index, fraction = steps.get_nowait()
                except queue.Empty:
                    break
                on_step(index, fraction)  # type: ignore[misc]
            for future in sorted(done, key=pending.__getitem__):
                index = pending.pop(future)
                yield index, future.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            # Stopped early (an error, a time limit, Ctrl-C): drop the queued jobs and stop the running ones at
            # once rather than let them burn the cores for a result nobody will read.
            workers_now = list(getattr(pool, "_processes", None) or {})  # the executor keeps them privately
            processes = [pool._processes[pid] for pid in workers_now]  # type: ignore[attr-defined]
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        if steps is not None:
            steps.cancel_join_thread()
            steps.close()


def make_puzzles(
    jobs: Sequence[PuzzleJob],
    *,
    workers: int | None = None,
    segmenter: str = "auto",
    inpainter: str = "auto",
    pipeline=None,
    on_done: Callable[[int, Puzzle | BaseException, int], None] | None = None,
) -> list[Puzzle | BaseException]:
    """Every job's puzzle (or its error), in job order; ``on_done(index, result, finished)`` after each one."""
    results: list[Puzzle | BaseException | None] = [None] * len(jobs)
    made = iter_puzzles(jobs, workers=workers, segmenter=segmenter, inpainter=inpainter, pipeline=pipeline)
    for finished, (index, result) in enumerate(made, start=1):
        results[index] = result
        if on_done is not None:
            on_done(index, result, finished)
    return results  # type: ignore[return-value]
