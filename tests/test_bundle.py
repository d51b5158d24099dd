"""The saved puzzle format: lossless round trips, and clear refusals of anything malformed or unsafe."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest

from spotdiff_core import PuzzleFormatError, generate_puzzle, limits, load_puzzle, puzzle_to_zip_bytes, save_puzzle
from spotdiff_core.bundle import FILE_NAMES, puzzle_files
from tests.helpers import encode
from tests.test_guarantees import picture


@pytest.fixture(scope="module")
def puzzle():
    return generate_puzzle(picture("drawing"), n_differences=4, seed=17, print_safe=True, max_side=512)


@pytest.fixture(scope="module")
def files(puzzle) -> dict[str, bytes]:
    return puzzle_files(puzzle)


def zipped(files: dict[str, bytes], *, names: dict[str, str] | None = None) -> bytes:
    """A .zip of ``files``; ``names`` renames members (old -> new) to build hostile archives."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr((names or {}).get(name, name), data)
    return buf.getvalue()


def with_json(files: dict[str, bytes], change) -> dict[str, bytes]:
    """A copy of ``files`` whose puzzle.json went through ``change(doc)`` (which edits it in place)."""
    doc = json.loads(files["puzzle.json"])
    change(doc)
    return {**files, "puzzle.json": json.dumps(doc).encode()}


def assert_same_puzzle(a, b) -> None:
    assert np.array_equal(a.original, b.original) and a.original.dtype == b.original.dtype == np.uint8
    assert np.array_equal(a.modified, b.modified)
    assert np.array_equal(a.labels, b.labels)
    assert (a.seed, a.settings, a.backends) == (b.seed, b.settings, b.backends)
    assert len(a) == len(b)
    for x, y in zip(a.differences, b.differences, strict=True):
        assert (x.id, x.kind, x.bbox, x.center) == (y.id, y.kind, y.bbox, y.center)
        assert x.scores() == y.scores()
        assert np.array_equal(x.mask, y.mask)


# --- round trips ----------------------------------------------------------------------------------------


def test_round_trip_through_a_folder(puzzle, tmp_path):
    written = save_puzzle(puzzle, tmp_path / "my puzzle")
    assert written.is_dir()
    assert sorted(p.name for p in written.iterdir()) == sorted(FILE_NAMES)
    assert_same_puzzle(load_puzzle(written), puzzle)
    assert_same_puzzle(load_puzzle(str(written)), puzzle)


def test_round_trip_through_a_zip(puzzle, tmp_path):
    written = save_puzzle(puzzle, tmp_path / "sub" / "puzzle.ZIP")
    assert written.is_file() and zipfile.is_zipfile(written)
    assert not list(written.parent.glob("*.part"))
    assert_same_puzzle(load_puzzle(written), puzzle)
    assert_same_puzzle(load_puzzle(written.read_bytes()), puzzle)
    assert_same_puzzle(load_puzzle(bytearray(written.read_bytes())), puzzle)


def test_round_trip_is_exact_after_a_second_save(puzzle, tmp_path):
    again = load_puzzle(puzzle_to_zip_bytes(puzzle))
    assert puzzle_to_zip_bytes(again) == puzzle_to_zip_bytes(puzzle)
    save_puzzle(again, tmp_path / "a.zip")
    assert (tmp_path / "a.zip").read_bytes() == puzzle_to_zip_bytes(puzzle)


def test_a_loaded_puzzle_still_answers_clicks(puzzle):
    loaded = load_puzzle(puzzle_to_zip_bytes(puzzle))
    for d in loaded.differences:
        assert loaded.hit_test(*d.center).id == d.id


def test_the_saved_json_is_readable(files, puzzle):
    doc = json.loads(files["puzzle.json"])
    assert doc["format"] == "spotdiff-puzzle" and doc["version"] == 1
    assert (doc["width"], doc["height"]) == (puzzle.width, puzzle.height)
    assert [d["id"] for d in doc["differences"]] == [1, 2, 3, 4]
    assert doc["settings"]["print_safe"] is True
    with zipfile.ZipFile(io.BytesIO(puzzle_to_zip_bytes(puzzle))) as zf:
        assert sorted(zf.namelist()) == sorted(FILE_NAMES)


def test_a_zip_with_the_files_in_one_folder_loads(files, puzzle):
    inside = zipped(files, names={n: f"my puzzle/{n}" for n in files})
    assert_same_puzzle(load_puzzle(inside), puzzle)


def test_saving_into_a_file_that_is_not_a_folder_is_refused(puzzle, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with pytest.raises(PuzzleFormatError, match="it is a file, not a folder"):
        save_puzzle(puzzle, target)
    assert target.read_text() == "keep me"


# --- malformed bundles: one clear error each --------------------------------------------------------------


def test_not_a_zip():
    with pytest.raises(PuzzleFormatError, match=r"not a puzzle bundle: it is not a readable \.zip file"):
        load_puzzle(b"this is a text file, not a zip")


def test_not_a_zip_on_disk(tmp_path):
    path = tmp_path / "puzzle.zip"
    path.write_bytes(encode(picture("drawing"), "PNG"))
    with pytest.raises(PuzzleFormatError, match=r"not a readable \.zip file"):
        load_puzzle(path)


def test_nothing_there(tmp_path):
    with pytest.raises(PuzzleFormatError, match=r"No saved puzzle at .*nowhere"):
        load_puzzle(tmp_path / "nowhere")


@pytest.mark.parametrize("missing", FILE_NAMES)
def test_a_missing_file(files, missing):
    rest = {n: d for n, d in files.items() if n != missing}
    with pytest.raises(PuzzleFormatError, match=rf"missing {missing}"):
        load_puzzle(zipped(rest))


def test_a_missing_file_in_a_folder(puzzle, tmp_path):
    folder = save_puzzle(puzzle, tmp_path / "p")
    (folder / "labels.png").unlink()
    with pytest.raises(PuzzleFormatError, match=r"missing labels\.png"):
        load_puzzle(folder)


def test_an_empty_folder(tmp_path):
    with pytest.raises(PuzzleFormatError, match=r"missing original\.png, modified\.png, labels\.png, puzzle\.json"):
        load_puzzle(tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="another-puzzle"), r'its "format" must be "spotdiff-puzzle"'),
        (lambda d: d.pop("format"), r'its "format" must be "spotdiff-puzzle"'),
        (lambda d: d.update(version=2), r"has version 2; this program reads version 1"),
        (lambda d: d.update(version="1"), r"has version '1'"),
        (
            lambda d: d.update(width=d["width"] + 1),
            r"original\.png is 512 x 384 pixels but puzzle\.json says 513 x 384",
        ),
        (lambda d: d.update(height="384"), r"height must be a whole number"),
        (lambda d: d.update(seed=-1), r"seed must be a whole number from 0"),
        (lambda d: d.update(seed=10**400), r"seed must be a whole number from 0"),
        (lambda d: d.update(seed=float("nan")), r"seed must be a whole number"),
        (lambda d: d.update(differences=[]), r"differences must be a list of 1 to 10 entries"),
        (lambda d: d.update(differences="many"), r"differences must be a list"),
        (
            lambda d: d["differences"][0]["bbox"].__setitem__(0, d["differences"][0]["bbox"][0] + 1),
            r"difference 1 bbox \[.*\] does not match labels\.png",
        ),
        (lambda d: d["differences"][1].update(bbox=[1, 2, 3]), r"difference 2 bbox must be a list of 4 whole numbers"),
        (lambda d: d["differences"][0].update(center=[600, 10]), r"difference 1 center must be a whole number"),
        (lambda d: d["differences"][0].update(center=[511, 383.5]), r"difference 1 center must be a whole number"),
        (
            lambda d: d["differences"][0].update(kind="explode"),
            r"difference 1 has unknown kind 'explode'; known: remove, recolor",
        ),
        (lambda d: d["differences"][0].update(contrast=float("inf")), r"difference 1 contrast must be a number"),
        (
            lambda d: d["differences"][0].update(conspicuity=1.5),
            r"difference 1 conspicuity must be a number from 0 to 1",
        ),
        (lambda d: d["differences"][0].update(area_fraction=None), r"difference 1 area_fraction must be a number"),
        (lambda d: d["differences"][2].update(id=2), r"lists difference 2 twice"),
        (lambda d: d["differences"][3].update(id=11), r"differences\[4\]\.id must be a whole number from 1 to 10"),
        (
            lambda d: d["differences"].pop(),
            r"labels\.png has pixels for difference ids \[4\] that puzzle\.json does not list",
        ),
        (lambda d: d["differences"][0].__setitem__("bbox", True), r"bbox must be a list"),
        (lambda d: d.update(settings=[1, 2]), r"settings must be an object"),
        (
            lambda d: d.update(settings={"kinds": [{"evil": 1}]}),
            r"settings\.kinds must be a short list of plain values",
        ),
        (lambda d: d.update(backends={"segmenter": "x" * 500}), r"backends\.segmenter is too long"),
        (lambda d: d["differences"].__setitem__(0, "first"), r"difference 1 must be an object"),
    ],
)
def test_a_malformed_puzzle_json(files, change, message):
    with pytest.raises(PuzzleFormatError, match=message):
        load_puzzle(zipped(with_json(files, change)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "puzzle.json is not valid JSON"),
        (b"\xff\xfe{}", "puzzle.json is not valid JSON"),
        (b"[1, 2, 3]", "is not a spotdiff puzzle"),
        (b"[" * 100_000 + b"]" * 100_000, "puzzle.json is not valid JSON"),
        (b'{"format": "spotdiff-puzzle", "version": 1, "seed": 1' + b"0" * 5000 + b"}", "not valid JSON|seed must be"),
    ],
)
def test_puzzle_json_that_is_not_json(files, content, message):
    with pytest.raises(PuzzleFormatError, match=message):
        load_puzzle(zipped({**files, "puzzle.json": content}))


def test_label_ids_that_the_json_does_not_list(files, puzzle):
    labels = np.array(puzzle.labels)
    labels[0:3, 0:3] = 7
    with pytest.raises(
        PuzzleFormatError, match=r"labels\.png has pixels for difference ids \[7\] that puzzle\.json does not list"
    ):
        load_puzzle(zipped({**files, "labels.png": encode(labels, "PNG")}))


def test_a_listed_difference_without_pixels(files, puzzle):
    labels = np.array(puzzle.labels)
    labels[labels == 3] = 0
    with pytest.raises(PuzzleFormatError, match=r"labels\.png has no pixels for difference 3"):
        load_puzzle(zipped({**files, "labels.png": encode(labels, "PNG")}))


@pytest.mark.parametrize("name", ["original.png", "modified.png", "labels.png"])
def test_mismatched_picture_sizes(files, puzzle, name):
    smaller = {"labels.png": np.array(puzzle.labels)}.get(name, puzzle.original)[:-10, :-20]
    with pytest.raises(PuzzleFormatError, match=rf"{name} is 492 x 374 pixels but puzzle\.json says 512 x 384"):
        load_puzzle(zipped({**files, name: encode(np.ascontiguousarray(smaller), "PNG")}))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("original.png", b"not a png at all", r"original\.png in the puzzle is damaged"),
        ("modified.png", None, r"modified\.png must be a PNG picture, not JPEG"),
        ("labels.png", "rgb", r"labels\.png must be an 8-bit L PNG; it is mode RGB"),
        ("original.png", "gray", r"original\.png must be an 8-bit RGB PNG; it is mode L"),
        ("original.png", "huge", r"original\.png is 3000 x 200 pixels; saved puzzles are at most 2048 pixels a side"),
    ],
)
def test_damaged_or_wrong_pictures(files, puzzle, name, data, message):
    if data is None:
        data = encode(puzzle.modified, "JPEG")
    elif data == "rgb":
        data = encode(np.repeat(np.array(puzzle.labels)[..., None], 3, axis=2), "PNG")
    elif data == "gray":
        data = encode(np.ascontiguousarray(puzzle.original[..., 0]), "PNG")
    elif data == "huge":
        data = encode(np.zeros((200, 3000, 3), np.uint8), "PNG")
    with pytest.raises(PuzzleFormatError, match=message):
        load_puzzle(zipped({**files, name: data}))


@pytest.mark.parametrize(
    "bad",
    ["../puzzle.json", "/puzzle.json", "a/../puzzle.json", "C:/puzzle.json", "a/b/puzzle.json", "..\\puzzle.json"],
)
def test_an_unsafe_member_path(files, bad):
    with pytest.raises(PuzzleFormatError, match="a file with an unsafe path"):
        load_puzzle(zipped(files, names={"puzzle.json": bad}))


def test_a_traversal_name_next_to_a_good_bundle(files):
    with pytest.raises(PuzzleFormatError, match=r"unsafe path: '\.\./x'"):
        load_puzzle(zipped({**files, "../x": b"x"}))


def test_an_unexpected_file(files):
    with pytest.raises(PuzzleFormatError, match=r"unexpected file 'notes\.txt'; only original\.png, modified\.png"):
        load_puzzle(zipped({**files, "notes.txt": b"hello"}))


def test_a_file_twice(files):
    with pytest.raises(PuzzleFormatError, match=r"holds puzzle\.json twice"):
        load_puzzle(zipped({**files, "copy/puzzle.json": files["puzzle.json"]}))


def test_files_in_two_folders(files):
    names = {"original.png": "a/original.png", "modified.png": "b/modified.png"}
    with pytest.raises(PuzzleFormatError, match="must all be in one folder"):
        load_puzzle(zipped(files, names=names))


def test_too_many_files(files):
    extra = {f"extra{i}.txt": b"" for i in range(limits.MAX_BUNDLE_FILES - len(files) + 1)}
    with pytest.raises(PuzzleFormatError, match=rf"holds 9 files; at most {limits.MAX_BUNDLE_FILES} are allowed"):
        load_puzzle(zipped({**files, **extra}))


def test_an_oversize_member(files, monkeypatch):
    monkeypatch.setattr(limits, "MAX_BUNDLE_MEMBER_BYTES", len(files["original.png"]) - 1)
    with pytest.raises(
        PuzzleFormatError, match=r"original\.png in the puzzle bundle is larger than .*MAX_BUNDLE_MEMBER_BYTES"
    ):
        load_puzzle(zipped(files))


def _member_data_offset(data: bytes, name: str) -> tuple[int, zipfile.ZipInfo]:
    """Where member ``name``'s compressed bytes start in the archive ``data``, and its ZipInfo."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len, info


def test_a_member_that_lies_about_its_size(files):
    # Both headers claim 100 bytes for a much bigger member: only 100 are read, and the checksum gives the lie away.
    data = bytearray(zipped(files))
    _, info = _member_data_offset(bytes(data), "modified.png")
    struct.pack_into("<I", data, info.header_offset + 22, 100)  # local header: uncompressed size
    central = bytes(data).index(b"PK\x01\x02")
    while True:  # this member's central directory record
        (name_len,) = struct.unpack_from("<H", data, central + 28)
        if bytes(data[central + 46 : central + 46 + name_len]) == b"modified.png":
            break
        central = bytes(data).index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 100)  # central directory: uncompressed size
    with pytest.raises(PuzzleFormatError, match=r"damaged: modified\.png cannot be read"):
        load_puzzle(bytes(data))


def test_an_oversize_member_in_a_folder(puzzle, tmp_path, monkeypatch):
    folder = save_puzzle(puzzle, tmp_path / "p")
    monkeypatch.setattr(limits, "MAX_BUNDLE_MEMBER_BYTES", 100)
    with pytest.raises(PuzzleFormatError, match=r"larger than .*MAX_BUNDLE_MEMBER_BYTES"):
        load_puzzle(folder)


def test_too_much_unpacked_in_total(files, monkeypatch):
    monkeypatch.setattr(limits, "MAX_BUNDLE_TOTAL_BYTES", sum(len(d) for d in files.values()) - 1)
    with pytest.raises(PuzzleFormatError, match=r"unpacks to more than .*MAX_BUNDLE_TOTAL_BYTES"):
        load_puzzle(zipped(files))


def test_an_oversize_bundle(files, tmp_path, monkeypatch):
    data = zipped(files)
    path = tmp_path / "big.zip"
    path.write_bytes(data)
    monkeypatch.setattr(limits, "MAX_BUNDLE_BYTES", len(data) - 1)
    for source in (data, path):
        with pytest.raises(PuzzleFormatError, match=r"MAX_BUNDLE_BYTES"):
            load_puzzle(source)


def test_an_oversize_json(files, monkeypatch):
    monkeypatch.setattr(limits, "MAX_JSON_BYTES", 100)
    with pytest.raises(PuzzleFormatError, match=r"puzzle\.json is larger than .*MAX_JSON_BYTES"):
        load_puzzle(zipped(files))


def test_a_damaged_member_stream(files):
    data = bytearray(zipped(files))
    offset, info = _member_data_offset(bytes(data), "original.png")
    middle = offset + info.compress_size // 2
    data[middle : middle + 64] = bytes(64)
    with pytest.raises(PuzzleFormatError, match=r"damaged: original\.png cannot be read"):
        load_puzzle(bytes(data))
