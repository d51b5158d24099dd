"""The analysis's helper threads: the same results as one thread, in the same order, errors passed on."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from spotdiff_core import parallel
from spotdiff_core.generator import Pipeline
from tests.conftest import photo


@pytest.fixture
def workers():
    """Set the helper count for one test and put the default back after it."""
    default = parallel._workers
    yield parallel.set_workers
    parallel.set_workers(default)


def test_map_keeps_the_order_and_uses_the_helpers(workers):
    workers(2)
    seen = set()

    def square(x: int) -> int:
        seen.add(threading.current_thread().name)
        return x * x

    assert parallel.map_ordered(square, range(101)) == [x * x for x in range(101)]
    assert any(name.startswith("spotdiff") for name in seen)  # a helper took a share
    assert threading.current_thread().name in seen  # and so did the caller


def test_without_helpers_everything_runs_in_the_caller(workers):
    workers(0)
    seen = set()

    def where(x: int) -> int:
        seen.add(threading.current_thread().name)
        return -x

    assert parallel.map_ordered(where, [3, 1, 2]) == [-3, -1, -2]
    assert parallel.submit(where, 5).result() == -5
    assert seen == {threading.current_thread().name}


@pytest.mark.parametrize("count", [0, 2])
def test_an_error_reaches_the_caller(workers, count):
    workers(count)

    def fail(x: int) -> int:
        if x == 7:
            raise ValueError("seven")
        return x

    with pytest.raises(ValueError, match="seven"):
        parallel.map_ordered(fail, range(10))
    with pytest.raises(ValueError, match="seven"):
        parallel.submit(fail, 7).result()


def _signature(analysis) -> list:
    return [
        (c.segment.bbox, c.segment.area, c.segment.local_mask.tobytes(), c.ring_contrast, c.prior, c.is_object)
        for c in analysis.candidates
    ]


def test_the_analysis_is_the_same_with_and_without_helpers(workers):
    image = photo("astronaut", 448)
    workers(0)
    alone = Pipeline.from_names().analyse(image)
    workers(3)
    shared = Pipeline.from_names().analyse(image)
    assert len(alone.candidates) > 10
    assert _signature(shared) == _signature(alone)
    assert alone.faces == shared.faces
    assert np.array_equal(alone.protected, shared.protected)


def test_a_queued_step_is_run_by_the_thread_that_waits_for_it(workers):
    workers(1)
    gate = threading.Event()
    blocker = parallel.submit(gate.wait, 30)  # the only helper is busy until the gate opens
    queued = parallel.submit(lambda: threading.current_thread().name)
    assert queued.result() == threading.current_thread().name  # not left waiting behind the blocker
    gate.set()
    assert blocker.result() is True
