"""Load: several browser sessions make puzzles at once; the app keeps answering and completes every one."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.load_app import run_load

from .app_server import running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSIONS = 6


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (make system-deps)")
def test_concurrent_sessions_all_complete_and_health_keeps_answering(tmp_path):
    with running_app(tmp_path) as app:
        report = run_load(app.url, sessions=SESSIONS, rounds=1)
        left_behind = list(app.tmpdir.rglob("*"))
    print(report.summary())
    assert report.failures == []
    assert len(report.generation_s) == SESSIONS
    assert report.health_failures == 0
    assert len(report.health_s) >= 4, "the health endpoint was hardly polled"
    assert left_behind == []
