"""Every limit users can meet is enforced, and its message names the limit (as limits.py spells it) and its value.

In the library (the exception's message) and in the CLI (`python -m spotdiff_core generate`: one line on
stderr and a non-zero exit). A new number in limits.py fails `test_every_limit_is_classified` until it is
listed here as user-facing (with cases) or as an internal threshold.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spotdiff_core import cli, limits
from spotdiff_core.bundle import load_puzzle, puzzle_files
from spotdiff_core.errors import (
    GenerationTimeoutError,
    ImageUnsuitableError,
    InvalidInputError,
    PuzzleFormatError,
)
from spotdiff_core.generator import Pipeline, generate_puzzle, get_pipeline, make_settings
from spotdiff_core.loading import load_image
from spotdiff_core.samples import illustration
from tests.conftest import photo

ROOT = Path(__file__).resolve().parents[1]

# Limits a user can run into, and the words of their value in the message.
USER_LIMITS = {
    "MAX_UPLOAD_BYTES": f"{limits.MAX_UPLOAD_BYTES // 2**20} MiB",
    "MAX_SOURCE_PIXELS": f"{limits.MAX_SOURCE_PIXELS // 10**6} megapixels",
    "MAX_SOURCE_SIDE": f"{limits.MAX_SOURCE_SIDE} pixels a side",
    "MIN_IMAGE_SIDE": f"{limits.MIN_IMAGE_SIDE} pixels",
    "MIN_MAX_SIDE": f"{limits.MIN_MAX_SIDE} to {limits.MAX_MAX_SIDE}",
    "MAX_MAX_SIDE": f"{limits.MAX_MAX_SIDE}",
    "MAX_DIFFERENCES": f"{limits.MIN_DIFFERENCES} to {limits.MAX_DIFFERENCES}",
    "MAX_BUNDLE_BYTES": f"{limits.MAX_BUNDLE_BYTES // 2**20} MiB",
    "MAX_BUNDLE_MEMBER_BYTES": f"{limits.MAX_BUNDLE_MEMBER_BYTES // 2**20} MiB",
    "MAX_BUNDLE_TOTAL_BYTES": f"{limits.MAX_BUNDLE_TOTAL_BYTES // 2**20} MiB",
    "MAX_BUNDLE_FILES": f"at most {limits.MAX_BUNDLE_FILES}",
    "MAX_JSON_BYTES": f"{limits.MAX_JSON_BYTES // 1024} KiB",
    "MAX_BUNDLE_DIRECTORY_BYTES": f"{limits.MAX_BUNDLE_DIRECTORY_BYTES // 1024} KiB",
    # Uploads held per session: the app's message (tests/test_server_uploads.py).
    "MAX_SESSION_UPLOAD_FILES": f"{limits.MAX_SESSION_UPLOAD_FILES} files",
    "MAX_SESSION_UPLOAD_BYTES": f"{limits.MAX_SESSION_UPLOAD_BYTES // 2**20} MB",
    "GENERATION_TIME_LIMIT_S": "",  # the value is checked in its own test below
    "PACK_TIME_LIMIT_S": "",  # the Worksheet page's limit: tests/test_server_pack_limit.py
    "MAX_PACK_PUZZLES": f"at most {limits.MAX_PACK_PUZZLES}",  # worksheet packs: tested in test_worksheet*.py
}
# Numbers in limits.py that are not refusals a user meets: defaults and the puzzle guarantees' thresholds.
INTERNAL = {
    "DEFAULT_MAX_SIDE",
    "DEFAULT_DIFFERENCES",
    "MIN_DIFFERENCES",  # the lower end of the MAX_DIFFERENCES range; its message names MAX_DIFFERENCES
    "MIN_CONTRAST_DELTA_E",
    "MIN_PRINT_SAFE_DELTA_L",
    "CHANGED_PIXEL_DELTA_E",
    "MIN_CHANGED_FRACTION",
    "MIN_REGION_FRACTION",
    "MAX_REGION_FRACTION",
    "MIN_SPACING_FRACTION",
    "MIN_PRINT_DPI",  # worksheet layout, not a refusal (test_worksheet.py checks it)
    "PAGE_MARGIN_MM",
}
TESTED_ELSEWHERE = {"MAX_PACK_PUZZLES", "PACK_TIME_LIMIT_S", "MAX_SESSION_UPLOAD_FILES", "MAX_SESSION_UPLOAD_BYTES"}


def test_every_limit_is_classified():
    numbers = {
        name
        for name, value in vars(limits).items()
        if name.isupper() and isinstance(value, (int, float)) and not isinstance(value, bool)
    }
    assert numbers == set(USER_LIMITS) | INTERNAL, "classify new limits as user-facing (with tests) or internal"
    covered = {case.values[0] for case in LIBRARY_CASES} | TESTED_ELSEWHERE
    assert covered == set(USER_LIMITS), f"no library case for {set(USER_LIMITS) - covered}"


# --- inputs that break one limit each ------------------------------------------------------------------------------


def png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels (a few dozen bytes: the pixels are not there)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(64))) + chunk(b"IEND", b"")


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space."""
    with open(path, "wb") as f:
        f.truncate(size)
    return path


_FILES: dict[str, bytes] = {}


def files() -> dict[str, bytes]:
    """The four files of a real saved puzzle (made once)."""
    if not _FILES:
        # The coffee cup holds fewer than 2 natural differences (natural-only is the default): filled up.
        puzzle = get_pipeline().generate(photo("coffee", 256), n_differences=2, seed=3, max_side=256, fill_weak=True)
        _FILES.update(puzzle_files(puzzle))
    return _FILES


def bundle(members: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items() if isinstance(members, dict) else members:
            zf.writestr(name, data)
    return buf.getvalue()


def declare_sizes(data: bytes, sizes: dict[str, int]) -> bytes:
    """Make the central directory declare these uncompressed sizes (what a crafted bundle can claim)."""
    buf = bytearray(data)
    pos = buf.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", buf, pos + 28)[0]
        name = buf[pos + 46 : pos + 46 + name_len].decode()
        if name in sizes:
            struct.pack_into("<I", buf, pos + 24, sizes[name])
        pos = buf.find(b"PK\x01\x02", pos + 46 + name_len)
    return bytes(buf)


def with_json(change: Callable[[dict], None]) -> bytes:
    doc = json.loads(files()["puzzle.json"])
    change(doc)
    return bundle({**files(), "puzzle.json": json.dumps(doc).encode()})


def _folder_with_big_member(tmp_path: Path) -> Path:
    for name, data in files().items():
        (tmp_path / name).write_bytes(data)
    sparse_file(tmp_path / "original.png", limits.MAX_BUNDLE_MEMBER_BYTES + 1)
    return tmp_path


def long_file_list(records: int) -> bytes:
    """A zip of only a central directory of ``records`` entries whose end record claims 4 files."""
    name = b"original.png"
    record = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0)
    directory = (record + name) * records
    return directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 4, 4, len(directory), 0, 0)


def _timeout(tmp_path: Path) -> None:
    generate_puzzle(illustration(), n_differences=3, seed=1, max_side=320, time_limit=0.001)


SMALL = illustration(150, 120)  # shorter side below MIN_IMAGE_SIDE
MiB = 2**20

# (limit name, action(tmp_path) that must raise, exception class)
LIBRARY_CASES = [
    pytest.param("MAX_UPLOAD_BYTES", lambda p: load_image(bytes(limits.MAX_UPLOAD_BYTES + 1)), InvalidInputError, id="upload-bytes"),
    pytest.param("MAX_UPLOAD_BYTES", lambda p: load_image(sparse_file(p / "big.jpg", limits.MAX_UPLOAD_BYTES + 1)), InvalidInputError, id="upload-path"),
    pytest.param("MAX_UPLOAD_BYTES", lambda p: load_image(io.BytesIO(bytes(limits.MAX_UPLOAD_BYTES + MiB))), InvalidInputError, id="upload-file"),
    pytest.param("MAX_SOURCE_PIXELS", lambda p: load_image(png_header(9000, 8000)), InvalidInputError, id="pixels"),
    pytest.param("MAX_SOURCE_PIXELS", lambda p: load_image(png_header(19_000, 19_000)), InvalidInputError, id="pixels-pillow-bomb"),
    pytest.param("MAX_SOURCE_SIDE", lambda p: load_image(png_header(limits.MAX_SOURCE_SIDE + 1, 200)), InvalidInputError, id="side"),
    pytest.param("MIN_IMAGE_SIDE", lambda p: load_image(png_bytes(SMALL)), ImageUnsuitableError, id="small-load"),
    pytest.param("MIN_IMAGE_SIDE", lambda p: load_image(png_bytes(illustration(1200, 150)), max_side=1024), ImageUnsuitableError, id="small-after-resize"),
    pytest.param("MIN_IMAGE_SIDE", lambda p: generate_puzzle(SMALL, seed=1), ImageUnsuitableError, id="small-generate"),
    pytest.param("MAX_MAX_SIDE", lambda p: load_image(png_bytes(SMALL), max_side=limits.MAX_MAX_SIDE + 1), InvalidInputError, id="max-side-load"),
    pytest.param("MAX_MAX_SIDE", lambda p: generate_puzzle(illustration(), seed=1, max_side=4096), InvalidInputError, id="max-side-generate"),
    pytest.param("MAX_MAX_SIDE", lambda p: load_puzzle(bundle({**files(), "original.png": png_header(3000, 2000)})), PuzzleFormatError, id="max-side-bundle"),
    pytest.param("MIN_MAX_SIDE", lambda p: make_settings(max_side=limits.MIN_MAX_SIDE - 1), InvalidInputError, id="min-max-side"),
    pytest.param("MAX_DIFFERENCES", lambda p: generate_puzzle(illustration(), n_differences=limits.MAX_DIFFERENCES + 1), InvalidInputError, id="differences-generate"),
    pytest.param("MAX_DIFFERENCES", lambda p: make_settings(n_differences=0), InvalidInputError, id="differences-zero"),
    pytest.param("MAX_DIFFERENCES", lambda p: load_puzzle(with_json(lambda d: d.update(differences=d["differences"] * 6))), PuzzleFormatError, id="differences-bundle"),
    pytest.param("MAX_BUNDLE_BYTES", lambda p: load_puzzle(bytes(limits.MAX_BUNDLE_BYTES + 1)), PuzzleFormatError, id="bundle-bytes"),
    pytest.param("MAX_BUNDLE_BYTES", lambda p: load_puzzle(sparse_file(p / "big.zip", limits.MAX_BUNDLE_BYTES + 1)), PuzzleFormatError, id="bundle-path"),
    pytest.param("MAX_BUNDLE_MEMBER_BYTES", lambda p: load_puzzle(declare_sizes(bundle(files()), {"labels.png": limits.MAX_BUNDLE_MEMBER_BYTES + 1})), PuzzleFormatError, id="member-zip"),
    pytest.param("MAX_BUNDLE_MEMBER_BYTES", lambda p: load_puzzle(_folder_with_big_member(p)), PuzzleFormatError, id="member-folder"),
    pytest.param("MAX_BUNDLE_TOTAL_BYTES", lambda p: load_puzzle(declare_sizes(bundle(files()), dict.fromkeys(("original.png", "modified.png", "labels.png"), 55 * MiB))), PuzzleFormatError, id="total"),
    pytest.param("MAX_BUNDLE_FILES", lambda p: load_puzzle(bundle([*files().items(), *((f"x{i}.txt", b"") for i in range(5))])), PuzzleFormatError, id="files"),
    pytest.param("MAX_JSON_BYTES", lambda p: load_puzzle(bundle({**files(), "puzzle.json": b" " * (limits.MAX_JSON_BYTES + 1)})), PuzzleFormatError, id="json"),
    pytest.param("MAX_BUNDLE_DIRECTORY_BYTES", lambda p: load_puzzle(long_file_list(4000)), PuzzleFormatError, id="directory"),
    pytest.param("GENERATION_TIME_LIMIT_S", _timeout, GenerationTimeoutError, id="time"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "action", "error"), LIBRARY_CASES)
def test_library_enforces_the_limit_and_names_it(tmp_path, name, action, error):
    with pytest.raises(error) as info:
        action(tmp_path)
    message = str(info.value)
    assert re.search(rf"\b{name}\b", message), f"{name} is not named in: {message}"
    assert USER_LIMITS[name] in message, f"{name}'s value {USER_LIMITS[name]!r} is not in: {message}"
    assert "\n" not in message


# --- the time limit ---------------------------------------------------------------------------------------------------


class _SlowInpainter:
    """Wraps the default inpainter and sleeps first: a generation that runs long."""

    def __init__(self, inner, delay: float):
        self.inner, self.delay = inner, delay
        self.name, self.needs_weights = inner.name, inner.needs_weights

    def inpaint(self, *args, **kwargs):
        time.sleep(self.delay)
        return self.inner.inpaint(*args, **kwargs)


def test_a_generation_that_runs_too_long_is_stopped_soon_after_its_time_limit(monkeypatch):
    from spotdiff_core import edits

    shared = get_pipeline()
    slow = Pipeline(shared.segmenter, _SlowInpainter(shared.inpainter, delay=0.5))
    # A drawing's flat paint is painted over without the inpainter: that fill is made as slow.
    painted = edits.membrane_fill
    monkeypatch.setattr(edits, "membrane_fill", lambda *a, **k: (time.sleep(0.5), painted(*a, **k))[1])
    image = illustration()
    slow.analyse(image)  # segmenting happens before the clock matters; keep it out of the measurement
    started = time.monotonic()
    with pytest.raises(GenerationTimeoutError, match="GENERATION_TIME_LIMIT_S") as info:
        # Only "remove" needs the inpainter, so every candidate costs the delay.
        slow.generate(image, n_differences=limits.MAX_DIFFERENCES, kinds="remove", seed=1, time_limit=1.0)
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 1.0 + 5.0, f"stopped {elapsed:.1f} s after starting a 1 s generation"
    assert "was stopped" in str(info.value)


def test_the_time_limit_message_states_the_limit_in_seconds():
    with pytest.raises(GenerationTimeoutError) as info:
        _timeout(Path("."))
    # It quotes the limit that applied (here the caller's 0.001 s) and names the default limit.
    assert re.search(r"took longer than 0\.001 s \(GENERATION_TIME_LIMIT_S is 120 s\) and was stopped", str(info.value))


def test_a_generation_within_the_time_limit_is_not_stopped():
    puzzle = generate_puzzle(illustration(), n_differences=3, seed=1, max_side=320, time_limit=60.0)
    assert len(puzzle) == 3


# --- the CLI: one line on stderr, non-zero exit, the limit named ---------------------------------------------------


def _picture(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


CLI_CASES = [
    pytest.param("MAX_UPLOAD_BYTES", lambda p: [sparse_file(p / "big.jpg", limits.MAX_UPLOAD_BYTES + 1)], 1, id="upload"),
    pytest.param("MAX_SOURCE_PIXELS", lambda p: [_picture(p, "huge.png", png_header(9000, 8000))], 1, id="pixels"),
    pytest.param("MAX_SOURCE_SIDE", lambda p: [_picture(p, "long.png", png_header(limits.MAX_SOURCE_SIDE + 1, 300))], 1, id="side"),
    pytest.param("MIN_IMAGE_SIDE", lambda p: [_picture(p, "small.png", png_bytes(SMALL))], 1, id="small"),
    pytest.param("MAX_MAX_SIDE", lambda p: [_picture(p, "ok.png", png_bytes(illustration())), "--max-side", "4096"], 2, id="max-side"),
    pytest.param("MIN_MAX_SIDE", lambda p: [_picture(p, "ok.png", png_bytes(illustration())), "--max-side", "100"], 2, id="max-side-low"),
    pytest.param("MAX_DIFFERENCES", lambda p: [_picture(p, "ok.png", png_bytes(illustration())), "-n", "11"], 2, id="differences"),
    pytest.param("MIN_DIFFERENCES", lambda p: [_picture(p, "ok.png", png_bytes(illustration())), "-n", "0"], 2, id="differences-zero"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "code"), CLI_CASES)
def test_cli_generate_refuses_with_one_line_naming_the_limit(tmp_path, capsys, name, args, code):
    out = tmp_path / "out.zip"
    assert cli.main(["generate", *map(str, args(tmp_path)), "--out", str(out)]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    line = captured.err.rstrip("\n")
    assert "\n" not in line and line.startswith("python -m spotdiff_core: error: "), captured.err
    assert re.search(rf"\b{name}\b", line), line
    assert not out.exists()


def test_cli_generate_stopped_by_the_time_limit_says_so(tmp_path, capsys, monkeypatch):
    # The CLI has no time option: make the default limit tiny, as if the generation had run for two minutes.
    monkeypatch.setitem(Pipeline.generate.__kwdefaults__, "time_limit", 0.001)
    picture = _picture(tmp_path, "ok.png", png_bytes(illustration()))
    out = tmp_path / "out.zip"
    assert cli.main(["generate", str(picture), "-n", "3", "--seed", "1", "--max-side", "320", "--out", str(out)]) == 1
    line = capsys.readouterr().err.rstrip("\n")
    assert "\n" not in line and "GENERATION_TIME_LIMIT_S" in line and "was stopped" in line, line
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("MAX_UPLOAD_BYTES", lambda p: [sparse_file(p / "big.jpg", limits.MAX_UPLOAD_BYTES + 1)]),
        ("MAX_DIFFERENCES", lambda p: [_picture(p, "ok.png", png_bytes(illustration())), "-n", "11"]),
    ],
    ids=["upload", "differences"],
)
def test_python_dash_m_generate_prints_one_line_and_fails(tmp_path, name, args):
    """The real entry point in its own process, as a user runs it."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spotdiff_core",
            "generate",
            *map(str, args(tmp_path)),
            "--out",
            str(tmp_path / "o.zip"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], done.stderr


# --- memory of one load -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_big_pictures_are_shrunk_before_any_full_size_array_copy(fmt):
    # Regression: a 64 MP PNG made two full-size copies (192 MB each) on top of Pillow's own; 798 MB peak RSS
    # in benchmarks/bench_memory.py. tracemalloc sees numpy's and Python's allocations (not Pillow's own).
    from PIL import Image as PILImage

    big = PILImage.fromarray(photo("chelsea", 451)).resize((4000, 3000), PILImage.Resampling.BILINEAR)
    buf = io.BytesIO()
    big.save(buf, format=fmt, **({"compress_level": 1} if fmt == "PNG" else {"compression": "tiff_adobe_deflate"}))
    full_size = 4000 * 3000 * 3
    tracemalloc.start()
    try:
        image = load_image(buf.getvalue(), max_side=1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert image.shape == (768, 1024, 3)
    # Less than one full-size copy (what remains is mostly the file being read); before the fix, two copies.
    assert peak < 0.6 * full_size, f"traced {peak / 2**20:.0f} MiB while loading a {full_size / 2**20:.0f} MiB picture"
