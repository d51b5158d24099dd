"""Fuzzing the puzzle-bundle loader: random, mutated and hostile bundles give a Puzzle or a PuzzleFormatError.

Targets: random bytes; byte mutations of a real bundle .zip; bundles rebuilt from mutated members (PNG bytes,
puzzle.json text, member names, compression methods, dropped or repeated files), as a .zip and as a folder;
and puzzle.json value mutations (wrong types, huge and negative numbers, NaN, nested objects, huge strings).
CI runs ``CI_EXAMPLES`` derandomised examples per target; ``-m fuzz_long`` runs ``LONG_EXAMPLES`` random ones.
"""

from __future__ import annotations

import io
import json
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

from spotdiff_core import limits
from spotdiff_core.bundle import FILE_NAMES, load_puzzle, puzzle_files, puzzle_to_zip_bytes
from spotdiff_core.errors import PuzzleFormatError
from spotdiff_core.generator import get_pipeline
from spotdiff_core.puzzle import Puzzle
from tests.conftest import photo
from tests.test_fuzz_loading import (
    FuzzInput,
    fuzz_guard,  # noqa: F401  (the fixture, used by name)
    fuzz_tests,
    mutated_bytes,
)

CI_EXAMPLES = 250  # per target in the default run
LONG_EXAMPLES = 10_000  # per target with -m fuzz_long


# --- the seed: one real puzzle --------------------------------------------------------------------------------


def _seed_puzzle() -> Puzzle:
    # The astronaut at 256 px holds no natural difference (natural-only is the default): filled up.
    return get_pipeline().generate(photo("astronaut", 256), n_differences=2, seed=7, max_side=256, fill_weak=True)


PUZZLE = _seed_puzzle()
FILES = puzzle_files(PUZZLE)
DOC = json.loads(FILES["puzzle.json"])
BUNDLE = puzzle_to_zip_bytes(PUZZLE)
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def make_zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A .zip of (name, data) members, in order (names are not checked: they may be hostile)."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": a repeated member is what we want
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


SEED_BUNDLES = {
    "deflated": BUNDLE,
    "stored": make_zip(list(FILES.items()), zipfile.ZIP_STORED),
    "in_folder": make_zip([(f"my puzzle/{n}", d) for n, d in FILES.items()]),
}


# --- the property -----------------------------------------------------------------------------------------------


def check_puzzle(source: bytes | Path) -> Puzzle | None:
    """Load ``source``: a consistent Puzzle comes back, or a PuzzleFormatError with a clear one-line message."""
    try:
        puzzle = load_puzzle(source)
    except PuzzleFormatError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 400, f"unclear error message: {message!r}"
        assert not isinstance(exc.__cause__, Warning), f"a warning escaped the bundle loader: {exc.__cause__!r}"
        return None
    assert isinstance(puzzle, Puzzle)
    h, w = puzzle.shape
    assert min(h, w) >= limits.MIN_IMAGE_SIDE and max(h, w) <= limits.MAX_MAX_SIDE
    assert puzzle.original.dtype == puzzle.modified.dtype == np.uint8
    assert puzzle.original.shape == puzzle.modified.shape == (h, w, 3)
    assert limits.MIN_DIFFERENCES <= len(puzzle) <= limits.MAX_DIFFERENCES
    assert [d.id for d in puzzle.differences] == list(range(1, len(puzzle) + 1))
    coverage = np.zeros((h, w), np.int64)
    for d in puzzle.differences:
        assert d.kind in limits.KINDS and d.mask.any()
        coverage += d.mask
    assert coverage.max() == 1, "answer regions overlap"
    return puzzle


def _both(property_: Callable, strategy: st.SearchStrategy) -> tuple[Callable, Callable]:
    return fuzz_tests(property_, strategy, ci_examples=CI_EXAMPLES, long_examples=LONG_EXAMPLES)


def _load_bytes(data: bytes) -> None:
    check_puzzle(data)


# --- target: random bytes and mutated .zip bytes ------------------------------------------------------------------

random_bytes = st.one_of(
    st.binary(max_size=2048),
    st.builds(lambda tail: b"PK\x03\x04" + tail, st.binary(max_size=2048)),
    st.builds(lambda head: head + BUNDLE[-22:], st.binary(max_size=256)),  # a real end-of-central-directory
)
test_fuzz_bundle_random_bytes, test_fuzz_bundle_random_bytes_long = _both(_load_bytes, random_bytes)


# The central directory sits at the end: let mutations reach it as often as the local headers.
@st.composite
def mutated_central_directory(draw: st.DrawFn) -> FuzzInput:
    tail = draw(mutated_bytes({"bundle[-400:]": BUNDLE[-400:]}, header=400))
    return FuzzInput(BUNDLE[:-400] + tail, tail.recipe)


test_fuzz_bundle_mutated_zip, test_fuzz_bundle_mutated_zip_long = _both(
    _load_bytes, mutated_bytes(SEED_BUNDLES) | mutated_central_directory()
)


# --- target: bundles rebuilt from mutated members --------------------------------------------------------------

HOSTILE_NAMES = (
    "../puzzle.json",
    "/puzzle.json",
    "a/../puzzle.json",
    "..\\puzzle.json",
    "C:puzzle.json",
    "C:\\puzzle.json",
    "\\\\server\\share\\puzzle.json",
    "a/b/puzzle.json",
    "puzzle.json/",
    "notes.txt",
    "PUZZLE.JSON",
    "",
    ".",
    "puzzle.json\x00.png",
    "original.png ",
    "ünïcødé/puzzle.json",
)


class Rebuilt:
    """Members and compression of a rebuilt bundle; its repr is the recipe, not the bytes."""

    def __init__(self, members: list[tuple[str, bytes]], compression: int, recipe: str):
        self.members, self.compression, self.recipe = members, compression, recipe

    def __repr__(self) -> str:
        return f"Rebuilt(compression={self.compression}: {self.recipe})"


@st.composite
def rebuilt_bundles(draw: st.DrawFn) -> Rebuilt:
    """Members (name, data) of a bundle with a few of: one member's bytes mutated, a name replaced, a member
    dropped, repeated or added; and a compression method."""
    members = [[name, data] for name, data in FILES.items()]
    recipe = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(("mutate", "mutate", "rename", "drop", "repeat", "add", "swap")))
        i = draw(st.integers(0, len(members) - 1)) if members else None
        if op == "mutate" and members:
            mutated = draw(mutated_bytes({members[i][0]: members[i][1]}, max_ops=3))
            members[i][1] = bytes(mutated)
            recipe.append(f"mutate {mutated.recipe}")
        elif op == "rename" and members:
            name = draw(st.sampled_from(HOSTILE_NAMES) | st.text(max_size=20))
            recipe.append(f"rename {members[i][0]}->{name!r}")
            members[i][0] = name
        elif op == "drop" and members:
            recipe.append(f"drop {members.pop(i)[0]}")
        elif op == "repeat" and members:
            members.append(list(members[i]))
            recipe.append(f"repeat {members[i][0]}")
        elif op == "add":
            name = draw(st.sampled_from(FILE_NAMES + HOSTILE_NAMES))
            members.append([name, draw(st.binary(max_size=64))])
            recipe.append(f"add {name!r}")
        elif op == "swap" and len(members) > 1:
            j = draw(st.integers(0, len(members) - 1))
            members[i][1], members[j][1] = members[j][1], members[i][1]
            recipe.append(f"swap data {members[i][0]}<->{members[j][0]}")
    compression = draw(st.sampled_from(COMPRESSIONS))
    return Rebuilt([(n, d) for n, d in members], compression, "; ".join(recipe))


def _load_rebuilt(bundle: Rebuilt) -> None:
    members = bundle.members
    check_puzzle(make_zip(members, bundle.compression))
    # The same files as a folder (only plain names can be files in one folder).
    plain = {n: d for n, d in members if n in FILE_NAMES}
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in plain.items():
            (Path(tmp) / name).write_bytes(data)
        check_puzzle(Path(tmp))


test_fuzz_bundle_rebuilt, test_fuzz_bundle_rebuilt_long = _both(_load_rebuilt, rebuilt_bundles())


# --- target: puzzle.json values ------------------------------------------------------------------------------------


class Raw(str):
    """A JSON token written as-is (a number json.dumps would refuse or spell differently)."""


RAW_TOKENS = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e308",
    "-0.0",
    "-1",
    "0",
    "0.5",
    "1E-400",
    "9" * 30,
    "-" + "9" * 30,
    "9" * 400,
    "9" * 5000,  # more digits than Python converts by default
    "1" + "0" * 4400 + ".5",
    "[" * 3000 + "]" * 3000,
    "[" * 200_000 + "]" * 200_000,
    '{"a":' * 5000 + "1" + "}" * 5000,
    '"' + "x" * 300_000 + '"',
    '"\\ud800"',  # a lone surrogate
)

STRINGS = ("x" * 201, "x" * 70_000, *limits.KINDS, "easy", "felzenszwalb")


# Big values are picked by index: a strategy's repr shows its values, and Hypothesis keeps messages holding
# that repr (a sampled_from of these tokens leaked about 0.8 MB per example in the long run).
def _string(i: int) -> str:
    return STRINGS[i]


def _raw_token(i: int) -> Raw:
    return Raw(RAW_TOKENS[i])


plain_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**1000), max_value=2**1000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(range(len(STRINGS))).map(_string),
    st.sampled_from(range(len(RAW_TOKENS))).map(_raw_token),
)
json_values = st.recursive(
    plain_values,
    lambda inner: st.lists(inner, max_size=20) | st.dictionaries(st.text(max_size=70), inner, max_size=8),
    max_leaves=40,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (a tuple of keys and indices) to a value inside a JSON document, the root included."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


DOC_PATHS = _paths(DOC)


def _dump_with_raw(doc: Any) -> bytes:
    """json.dumps that writes Raw values verbatim (and NaN/Infinity the way Python does)."""
    raws: list[str] = []

    def swap(node: Any) -> Any:
        if isinstance(node, Raw):
            raws.append(str(node))
            return f"\x00raw{len(raws) - 1}\x00"
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    text = json.dumps(swap(doc), allow_nan=True)
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{i}\x00"), raw, 1)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_docs(draw: st.DrawFn) -> FuzzInput:
    """puzzle.json text after 1 to 3 edits: a value replaced, a key deleted or an unknown key added."""
    doc = json.loads(json.dumps(DOC))
    recipe = []
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(DOC_PATHS))
        op = draw(st.sampled_from(("replace", "replace", "replace", "delete", "add")))
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if op == "replace" and not path:
                doc = draw(json_values)
            elif op == "replace":
                parent[path[-1]] = draw(json_values)
            elif op == "delete" and path:
                del parent[path[-1]]
            elif op == "add" and isinstance(parent, dict):
                parent[draw(st.text(max_size=70))] = draw(json_values)
        except (KeyError, IndexError, TypeError):  # an earlier edit removed or replaced this path
            continue
        recipe.append(f"{op} {'/'.join(map(str, path)) or '<root>'}")
    return FuzzInput(_dump_with_raw(doc), "; ".join(recipe))


def _load_json_text(text: bytes) -> None:
    check_puzzle(make_zip([*((n, d) for n, d in FILES.items() if n != "puzzle.json"), ("puzzle.json", text)]))


test_fuzz_bundle_json_values, test_fuzz_bundle_json_values_long = _both(_load_json_text, mutated_docs())
test_fuzz_bundle_json_text, test_fuzz_bundle_json_text_long = _both(
    _load_json_text, mutated_bytes({"puzzle.json": FILES["puzzle.json"]}, header=len(FILES["puzzle.json"]))
)


# --- the seeds themselves are good bundles ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEED_BUNDLES))
def test_seed_bundles_load(name):
    puzzle = check_puzzle(SEED_BUNDLES[name])
    assert puzzle is not None
    assert puzzle_to_zip_bytes(puzzle) == BUNDLE


def test_json_value_writer_writes_raw_tokens():
    text = _dump_with_raw({"a": Raw("9" * 5000), "b": [Raw("NaN"), 1]})
    assert text == b'{"a": ' + b"9" * 5000 + b', "b": [NaN, 1]}'


# --- regressions: the exact inputs the fuzzer found -------------------------------------------------------------


def _set_member_byte(compression: int, name: str, offset: int, value: int) -> bytes:
    """The seed bundle written with ``compression``, with one byte of ``name``'s compressed data replaced."""
    data = bytearray(make_zip(list(FILES.items()), compression))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + offset] = value
    return bytes(data)


def _central_version(data: bytes, version: int) -> bytes:
    """``data`` with the first central-directory record's "version needed to extract" set to ``version``."""
    at = data.index(b"PK\x01\x02") + 6
    return data[:at] + bytes([version]) + data[at + 1 :]


def _with_json(old: str, new: str) -> bytes:
    text = FILES["puzzle.json"].decode()
    assert old in text
    return make_zip(
        [*((n, d) for n, d in FILES.items() if n != "puzzle.json"), ("puzzle.json", text.replace(old, new))]
    )


@pytest.mark.parametrize(
    ("data", "match"),
    [
        # FuzzInput(bundle[-400:], flip@0.0): zlib.error escaped while inflating puzzle.json.
        pytest.param(BUNDLE[:-400] + bytes([BUNDLE[-400] ^ 1]) + BUNDLE[-399:], "damaged: puzzle.json", id="zlib"),
        pytest.param(_set_member_byte(zipfile.ZIP_DEFLATED, "puzzle.json", 0, 0xFF), "damaged", id="deflate-ff"),
        # The same through the LZMA decompressor: lzma.LZMAError("Corrupt input data").
        pytest.param(_set_member_byte(zipfile.ZIP_LZMA, "puzzle.json", 9, 0xFF), "damaged", id="lzma"),
        # Rebuilt(add ''): ZipInfo.is_dir() raised IndexError on the empty member name.
        pytest.param(make_zip([("", b"x"), *FILES.items()]), "unexpected file ''", id="empty-name"),
        # From the long run: FuzzInput(bundle[-400:], flip@213.6) turned a central directory's "version needed
        # to extract" 20 (0x14) into 84 (0x54); ZipFile() raised NotImplementedError("zip file version 8.4").
        pytest.param(_central_version(BUNDLE, 84), "not a readable .zip file", id="zip-version"),
        # json.loads raised ValueError: more than 4300 digits in one number.
        pytest.param(_with_json('"width": 256', '"width": ' + "9" * 5000), "not valid JSON", id="5000-digits"),
        # math.isfinite raised OverflowError on a whole number too big for a float.
        pytest.param(_with_json('"width": 256', '"width": ' + "9" * 400), "width must be", id="400-digit-width"),
        pytest.param(_with_json('"seed": 7', '"seed": -' + "9" * 400), "seed must be", id="400-digit-seed"),
        pytest.param(
            _with_json('"contrast": ', '"contrast": 1' + "0" * 400 + ', "x": '), "contrast must be", id="contrast"
        ),
    ],
)
def test_regression_damaged_bundles_are_refused_clearly(data, match):
    with pytest.raises(PuzzleFormatError, match=match) as info:
        load_puzzle(data)
    assert len(str(info.value)) < 200


def _set_in_doc(path: tuple, value: Any) -> bytes:
    doc = json.loads(FILES["puzzle.json"])
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return _with_json(FILES["puzzle.json"].decode(), json.dumps(doc))


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        # The message quoted the whole value: 70 kB on one line.
        (("version",), "x" * 70_000, "has version 'xxxx"),
        (("differences", 0, "kind"), list(range(20_000)), r"unknown kind \[0, 1, 2"),
        (("differences", 0, "bbox"), ["y" * 10_000, 0, 0, 0], "bbox must be a whole number .* not 'yyy"),
        # From the long run (add backends/...): a key with a line break was quoted as is, over two lines.
        (("backends", "\n"), {}, "backends has an invalid key"),
    ],
    ids=["version", "kind", "bbox", "newline-key"],
)
def test_regression_messages_quote_hostile_values_briefly(path, value, match):
    with pytest.raises(PuzzleFormatError, match=match) as info:
        load_puzzle(_set_in_doc(path, value))
    assert len(str(info.value)) < 200
