"""Importing spotdiff_core and the weights-free path never import torch; the model backends stay offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.model_stubs import build_random_fastsam

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "torchvision", "ultralytics")


def _run(code: str, *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment without any weights configured, with PYTHONPATH at the project."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPOTDIFF_", "YOLO_"))}
    env["PYTHONPATH"] = str(ROOT)
    # An empty models directory: even if <repo>/models holds weights, the weights-free path is tested.
    env["SPOTDIFF_MODEL_DIR"] = str(tmp_path / "no-models")
    env.update(extra)
    return env


def test_import_and_the_weights_free_path_never_import_torch(tmp_path):
    code = """
        import json, sys
        import numpy as np
        import spotdiff_core
        from spotdiff_core import INPAINTERS, SEGMENTERS, generate_puzzle
        from spotdiff_core.samples import illustration

        after_import = [m for m in HEAVY if m in sys.modules]
        listed = {name: a.available for r in (SEGMENTERS, INPAINTERS) for name, a, _ in r.describe()}
        puzzle = generate_puzzle(illustration(), n_differences=3, seed=1)
        print(json.dumps({
            "after_import": after_import,
            "listed": listed,
            "backends": puzzle.backends,
            "after_generate": [m for m in HEAVY if m in sys.modules],
        }))
    """.replace("HEAVY", repr(HEAVY))
    done = _run(code, env=_clean_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["after_import"] == []
    assert report["listed"]["fastsam"] is False and report["listed"]["lama"] is False
    assert report["backends"] == {"segmenter": "felzenszwalb", "inpainter": "patchmatch"}
    assert report["after_generate"] == []


def test_the_backends_command_lists_every_backend_with_its_reason_without_torch(tmp_path):
    code = """
        import sys
        from spotdiff_core.cli import main
        status = main(["backends"])
        print("loaded:", [m for m in HEAVY if m in sys.modules])
        sys.exit(status)
    """.replace("HEAVY", repr(HEAVY))
    done = _run(code, env=_clean_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "loaded: []"
    fastsam = next(line for line in lines if line.strip().startswith("fastsam"))
    lama = next(line for line in lines if line.strip().startswith("lama"))
    no_models = tmp_path / "no-models"
    assert (
        "available: no" in fastsam
        and str(no_models / "FastSAM-s.pt") in fastsam
        and "SPOTDIFF_FASTSAM_WEIGHTS" in fastsam
    )
    assert "available: no" in lama and str(no_models / "big-lama.pt") in lama and "SPOTDIFF_LAMA_WEIGHTS" in lama
    for name in ("felzenszwalb", "patchmatch", "telea"):
        assert any(line.strip().startswith(name) and "available: yes" in line for line in lines)
    assert sum("<- auto" in line for line in lines) == 2


def test_fastsam_loads_and_runs_without_network_installs_or_stray_files(tmp_path):
    weights = build_random_fastsam(tmp_path / "FastSAM-s.pt")
    work, home, temp = tmp_path / "cwd", tmp_path / "home", tmp_path / "temp"
    for folder in (work, home, temp):
        folder.mkdir()
    code = """
        import json, socket, subprocess, sys
        attempts = []

        def refuse(*args, **kwargs):
            attempts.append(repr(args)[:120])
            raise OSError("network disabled in this test")

        socket.getaddrinfo = refuse
        socket.create_connection = refuse
        socket.socket.connect = lambda self, *a: refuse(*a)
        real_popen = subprocess.Popen.__init__

        def popen(self, args, *rest, **kwargs):
            if any(word in repr(args) for word in ("pip", "install", "uv")):  # run-time installs, not ldconfig
                attempts.append("subprocess: " + repr(args)[:120])
            return real_popen(self, args, *rest, **kwargs)

        subprocess.Popen.__init__ = popen

        import numpy as np
        from spotdiff_core.segmenters import SEGMENTERS
        from spotdiff_core.samples import illustration

        from PIL import Image
        pillow_open = Image.open
        segmenter = SEGMENTERS.create("auto")[0]
        segments = segmenter.segment(illustration())
        import os
        print(json.dumps({"attempts": attempts, "name": segmenter.name, "segments": len(segments),
                          "pillow_untouched": Image.open is pillow_open,
                          "config": os.environ.get("YOLO_CONFIG_DIR"), "offline": os.environ.get("YOLO_OFFLINE"),
                          "autoinstall": os.environ.get("YOLO_AUTOINSTALL")}))
    """
    env = _clean_env(tmp_path, SPOTDIFF_FASTSAM_WEIGHTS=str(weights), HOME=str(home), TMPDIR=str(temp))
    env.pop("XDG_CONFIG_HOME", None)
    done = _run(code, env=env, cwd=work)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["name"] == "fastsam" and report["segments"] > 0
    assert report["attempts"] == []
    assert report["pillow_untouched"]  # ultralytics' process-wide Image.open patch is undone
    assert report["offline"] == "1" and report["autoinstall"] == "false"
    assert Path(report["config"]).parent == temp  # ultralytics' settings file lives in a temp folder
    assert list(work.iterdir()) == []  # nothing written where it ran (no runs/, no downloaded weights)
    assert not (home / ".config" / "Ultralytics").exists()


@pytest.mark.parametrize("module", ["spotdiff_core.segmenters.fastsam", "spotdiff_core.inpainters.lama"])
def test_the_backend_modules_themselves_import_without_torch(tmp_path, module):
    code = f"""
        import sys
        import {module}
        from {module} import *
        print([m for m in {HEAVY!r} if m in sys.modules])
    """
    done = _run(code, env=_clean_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
