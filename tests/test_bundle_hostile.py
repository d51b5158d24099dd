"""Puzzle bundles are untrusted uploads: bombs, unsafe names, inconsistent files and hostile numbers are refused.

Every refusal is a PuzzleFormatError whose message says what was wrong; refusing a zip bomb costs little memory.
"""

from __future__ import annotations

import io
import json
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from spotdiff_core import limits
from spotdiff_core.bundle import FILE_NAMES, load_puzzle, puzzle_files
from spotdiff_core.errors import PuzzleFormatError
from spotdiff_core.generator import get_pipeline
from tests.conftest import photo

BOMB_BYTES = 256 * 2**20  # what the bomb member inflates to: four times MAX_BUNDLE_MEMBER_BYTES
DATE = (1980, 1, 1, 0, 0, 0)


# --- building bundles ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    """The four files of a real puzzle (3 differences, 256 x 171)."""
    # The coffee cup holds fewer than 3 natural differences (natural-only is the default): filled up.
    puzzle = get_pipeline().generate(photo("coffee", 256), n_differences=3, seed=11, max_side=256, fill_weak=True)
    return puzzle_files(puzzle)


def make_zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def bundle_with(files: dict[str, bytes], **replace: bytes) -> bytes:
    """The bundle with some files replaced (keyword names use _ for the dot: puzzle_json=...)."""
    changed = {name: replace.get(name.replace(".", "_"), data) for name, data in files.items()}
    return make_zip(list(changed.items()))


def zip_with_zeros(files: dict[str, bytes], name: str, size: int) -> bytes:
    """The bundle with ``name`` replaced by ``size`` zero bytes, deflated while streaming (a few hundred kB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for other, data in files.items():
            if other != name:
                zf.writestr(zipfile.ZipInfo(other, date_time=DATE), data, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(name, date_time=DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as out:
            block = bytes(2**20)
            for _ in range(size // len(block)):
                out.write(block)
    return buf.getvalue()


def _central_entries(data: bytes) -> dict[str, int]:
    """Offsets of the central-directory records, by member name."""
    entries, pos = {}, data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        entries[data[pos + 46 : pos + 46 + name_len].decode("utf-8")] = pos
        pos = data.find(b"PK\x01\x02", pos + 46 + name_len)
    return entries


def patch_member(
    data: bytes, name: str, *, size: int | None = None, method: int | None = None, flags: int = 0
) -> bytes:
    """Rewrite what the local and central headers of ``name`` say: its uncompressed size, method or flag bits."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        local = zf.getinfo(name).header_offset
    central = _central_entries(data)[name]
    for header, flag_at, method_at, size_at in ((local, 6, 8, 22), (central, 8, 10, 24)):
        if size is not None:
            struct.pack_into("<I", buf, header + size_at, size)
        if method is not None:
            struct.pack_into("<H", buf, header + method_at, method)
        struct.pack_into("<H", buf, header + flag_at, struct.unpack_from("<H", buf, header + flag_at)[0] | flags)
    return bytes(buf)


def refused(data: bytes, match: str) -> tuple[str, int]:
    """Load ``data`` expecting a PuzzleFormatError matching ``match``; returns its message and the traced peak bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(PuzzleFormatError, match=match) as info:
            load_puzzle(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "\n" not in message and len(message) < 200, message
    return message, peak


# --- zip bombs -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb(files) -> bytes:
    """original.png inflating to BOMB_BYTES, with an honest header."""
    data = zip_with_zeros(files, "original.png", BOMB_BYTES)
    assert len(data) < BOMB_BYTES / 500, "a bomb: tiny on the wire"
    return data


def test_zip_bomb_is_refused_from_its_header_without_inflating(bomb):
    _, peak = refused(bomb, r"original\.png in the puzzle bundle is larger than 60 MiB \(MAX_BUNDLE_MEMBER_BYTES\)")
    assert peak < 2 * 2**20, f"refusing the bomb traced {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("declared", [1000, 5 * 2**20])
def test_zip_bomb_whose_header_lies_small_stops_at_the_declared_size(bomb, declared):
    # The headers say a small file; the stream inflates to 256 MiB. Reading stops at the declared size,
    # where the CRC no longer matches.
    lying = patch_member(bomb, "original.png", size=declared)
    _, peak = refused(lying, r"damaged: original\.png cannot be read")
    # At most the declared size inflated once and copied once.
    assert peak < 2 * declared + 4 * 2**20, f"traced {peak / 2**20:.1f} MiB for a {declared} byte claim"


def test_zip_bomb_whose_header_claims_just_under_the_limit_reads_at_most_the_limit(bomb):
    lying = patch_member(bomb, "original.png", size=limits.MAX_BUNDLE_MEMBER_BYTES - 1)
    _, peak = refused(lying, r"damaged: original\.png cannot be read")
    assert peak < BOMB_BYTES / 2, f"traced {peak / 2**20:.1f} MiB; the bomb is {BOMB_BYTES / 2**20:.0f} MiB"
    assert peak < 2.2 * limits.MAX_BUNDLE_MEMBER_BYTES


def test_header_claiming_more_than_the_member_limit_is_refused(files):
    data = patch_member(bundle_with(files), "labels.png", size=limits.MAX_BUNDLE_MEMBER_BYTES + 1)
    refused(data, r"labels\.png in the puzzle bundle is larger than 60 MiB \(MAX_BUNDLE_MEMBER_BYTES\)")


def test_members_that_together_inflate_past_the_total_limit_are_refused_before_reading(files):
    # Three members of 55 MiB each: each under MAX_BUNDLE_MEMBER_BYTES, together over MAX_BUNDLE_TOTAL_BYTES.
    each = 55 * 2**20
    data = zip_with_zeros(files, "original.png", each)
    for name in ("modified.png", "labels.png"):
        data = patch_member(data, name, size=each)
    _, peak = refused(data, r"unpacks to more than 150 MiB \(MAX_BUNDLE_TOTAL_BYTES\)")
    assert peak < 2 * 2**20, f"traced {peak / 2**20:.1f} MiB"


def test_picture_bomb_inside_a_bundle_is_refused_from_its_header(files):
    # A valid PNG header claiming 30000 x 30000 pixels (Pillow's own bomb error) and one claiming 5000 x 5000.
    for side, match in ((30_000, "original.png has far too many pixels"), (5000, "original.png is 5000 x 5000")):
        header = _png_header(side, side)
        _, peak = refused(bundle_with(files, original_png=header), match + r".*\(MAX_MAX_SIDE\)")
        assert peak < 2 * 2**20


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(bytes(64)))
        + _png_chunk(b"IEND", b"")
    )


# --- names ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../puzzle.json",
        "../../etc/puzzle.json",
        "a/../../puzzle.json",
        "/puzzle.json",
        "/tmp/puzzle.json",
        "..\\puzzle.json",
        "a\\..\\..\\puzzle.json",
        "C:puzzle.json",
        "C:\\puzzle.json",
        "c:/Users/puzzle.json",
        "\\\\server\\share\\puzzle.json",
        "a/b/puzzle.json",
    ],
)
def test_unsafe_member_paths_are_refused(files, name):
    members = [(name if n == "puzzle.json" else n, d) for n, d in files.items()]
    message, _ = refused(make_zip(members), "unsafe path")
    assert repr(name) in message


@pytest.mark.parametrize("name", ["notes.txt", "evil.exe", "Puzzle.json", "original.png.exe", "labels.PNG"])
def test_unexpected_member_names_are_refused(files, name):
    message, _ = refused(make_zip([*files.items(), (name, b"hello")]), "unexpected file")
    assert repr(name) in message and "only original.png, modified.png, labels.png, puzzle.json" in message


def test_a_repeated_member_is_refused(files):
    with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile warns while writing it
        data = make_zip([*files.items(), ("puzzle.json", files["puzzle.json"])])
    refused(data, "holds puzzle.json twice")


def test_members_in_two_folders_are_refused(files):
    members = [(f"{'a' if n.endswith('.png') else 'b'}/{n}", d) for n, d in files.items()]
    refused(make_zip(members), "must all be in one folder")


def test_members_in_one_folder_are_accepted(files):
    puzzle = load_puzzle(make_zip([(f"My puzzle/{n}", d) for n, d in files.items()]))
    assert len(puzzle) == 3


def test_too_many_files_are_refused(files):
    members = [*files.items(), *((f"extra{i}.txt", b"") for i in range(limits.MAX_BUNDLE_FILES - len(files) + 1))]
    assert len(members) == limits.MAX_BUNDLE_FILES + 1
    refused(make_zip(members), r"holds 9 files; at most 8 are allowed \(MAX_BUNDLE_FILES\)")


def test_missing_files_are_named(files):
    members = [(n, d) for n, d in files.items() if n != "labels.png"]
    refused(make_zip(members), "missing labels.png")


def test_unsupported_compression_and_encrypted_members_are_refused(files):
    refused(patch_member(bundle_with(files), "puzzle.json", method=99), r"damaged: puzzle\.json cannot be read")
    refused(patch_member(bundle_with(files), "puzzle.json", flags=0x1), r"damaged: puzzle\.json cannot be read")


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04" + bytes(100)])
def test_non_zip_bytes_are_refused(data):
    refused(data, "not a puzzle bundle: it is not a readable .zip file")


def test_an_empty_zip_is_refused():
    refused(b"PK\x05\x06" + bytes(18), "missing original.png, modified.png, labels.png, puzzle.json")


# --- pictures that do not agree --------------------------------------------------------------------------------------


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.array(im)


def test_label_map_with_ids_the_json_does_not_list_is_refused(files):
    labels = _decode(files["labels.png"])
    corner = labels[:3, :3]
    assert not corner.any(), "the corner must be free of answers for this test"
    labels[:3, :3] = 9
    refused(bundle_with(files, labels_png=_png(labels)), r"difference ids \[9\] that puzzle\.json does not list")


def test_listed_difference_without_label_pixels_is_refused(files):
    labels = _decode(files["labels.png"])
    labels[labels == 2] = 0
    refused(bundle_with(files, labels_png=_png(labels)), "labels.png has no pixels for difference 2")


def test_bbox_that_does_not_match_the_labels_is_refused(files):
    doc = json.loads(files["puzzle.json"])
    doc["differences"][0]["bbox"][2] += 1
    refused(bundle_with(files, puzzle_json=json.dumps(doc).encode()), "difference 1 bbox .* does not match labels.png")


@pytest.mark.parametrize("name", ["original.png", "modified.png", "labels.png"])
def test_pictures_of_another_size_than_the_json_says_are_refused(files, name):
    picture = _decode(files[name])[:-1, :-2]
    h, w = picture.shape[:2]
    data = bundle_with(files, **{name.replace(".", "_"): _png(picture)})
    refused(data, rf"{name} is {w} x {h} pixels but puzzle\.json says {w + 2} x {h + 1}")


def test_json_size_that_differs_from_the_pictures_is_refused(files):
    doc = json.loads(files["puzzle.json"])
    doc["width"] += 10
    refused(bundle_with(files, puzzle_json=json.dumps(doc).encode()), "original.png is 256 x 171 pixels but")


def test_pictures_of_the_wrong_kind_are_refused(files):
    gray = _png(_decode(files["original.png"])[..., 0])
    refused(bundle_with(files, original_png=gray), "original.png must be an 8-bit RGB PNG; it is mode L")
    jpeg = io.BytesIO()
    Image.fromarray(_decode(files["modified.png"])).save(jpeg, format="JPEG")
    refused(bundle_with(files, modified_png=jpeg.getvalue()), "modified.png must be a PNG picture, not JPEG")


# --- hostile numbers and values in puzzle.json -------------------------------------------------------------------------


def _edit(files: dict[str, bytes], path: tuple, raw: str) -> bytes:
    """The bundle with the value at ``path`` in puzzle.json written as the raw JSON text ``raw``."""
    doc = json.loads(files["puzzle.json"])
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = "\x00marker\x00"
    text = json.dumps(doc).replace(json.dumps("\x00marker\x00"), raw)
    return bundle_with(files, puzzle_json=text.encode())


NUMBER_CASES = [
    (("width",), "NaN", r"width must be a whole number from 160 to 2048, not nan"),
    (("width",), "-256", r"width must be a whole number from 160 to 2048, not -256"),
    (("width",), "1e400", r"width must be a whole number from 160 to 2048, not inf"),
    (("width",), "9" * 400, r"width must be a whole number from 160 to 2048, not 9999"),
    (("width",), "256.0", r"width must be a whole number .* not 256\.0"),
    (("width",), '"256"', r"width must be a whole number .* not '256'"),
    (("height",), "true", r"height must be a whole number .* not True"),
    (("height",), "-Infinity", r"height must be a whole number .* not -inf"),
    (("seed",), "-1", r"seed must be a whole number from 0 to .*, not -1"),
    (("seed",), "9" * 30, r"seed must be a whole number from 0 to .*, not 9999"),
    (("differences", 0, "contrast"), "NaN", r"difference 1 contrast must be a number from 0 to 500, not nan"),
    (("differences", 0, "contrast"), "1e400", r"difference 1 contrast must be a number .* not inf"),
    (
        ("differences", 0, "area_fraction"),
        "-0.5",
        r"difference 1 area_fraction must be a number from 0 to 1, not -0\.5",
    ),
    (("differences", 1, "saliency"), "1e300", r"difference 2 saliency must be a number from 0 to 1e\+06"),
    (("differences", 0, "center"), "[-1, 5]", r"difference 1 center must be a whole number from 0 to 256, not -1"),
    (("differences", 0, "center"), "[1e999, 5]", r"difference 1 center must be a whole number .* not inf"),
    (("differences", 0, "bbox"), "[0, 0, 1]", r"difference 1 bbox must be a list of 4 whole numbers"),
    (("differences", 0, "id"), "0", r"differences\[1\]\.id must be a whole number from 1 to 10, not 0"),
    (("differences", 0, "id"), "99999999999999999999", r"differences\[1\]\.id must be .* not 9999"),
    (("differences", 0), '{"id": {"id": {"id": 1}}}', r"differences\[1\]\.id must be a whole number .* not \{'id'"),
    (("differences", 0), "[1, 2]", r"difference 1 must be an object"),
    (("differences", 0, "kind"), '"explode"', r"difference 1 has unknown kind 'explode'; known: remove, recolor"),
    (("differences",), "{}", r"differences must be a list of 1 to 10 entries \(MAX_DIFFERENCES\)"),
    (("differences",), "[]", r"differences must be a list of 1 to 10 entries \(MAX_DIFFERENCES\)"),
    (("differences",), json.dumps([{}] * 11), r"differences must be a list of 1 to 10 entries \(MAX_DIFFERENCES\)"),
    (("settings",), "[1, 2]", r"settings must be an object"),
    (("settings", "difficulty"), '{"a": {"b": {"c": 1}}}', r"settings\.difficulty must be a plain value"),
    (("settings", "difficulty"), json.dumps("x" * 100_000), r"settings\.difficulty is too long"),
    (("settings", "kinds"), json.dumps(list(range(10_000))), r"settings\.kinds must be a short list of plain values"),
    (("backends",), json.dumps({"x" * 65: "a"}), r"backends has an invalid key"),
    (("version",), "2", r"puzzle\.json has version 2; this program reads version 1"),
    (("version",), "NaN", r"puzzle\.json has version nan"),
    (("format",), '"zip-bomb"', r'puzzle\.json is not a spotdiff puzzle \(its "format" must be "spotdiff-puzzle"\)'),
    (("width",), "9" * 5000, r"puzzle\.json is not valid JSON"),
    (("width",), "[" * 100_000 + "]" * 100_000, r"puzzle\.json is not valid JSON"),
]


@pytest.mark.parametrize(
    ("path", "raw", "match"), NUMBER_CASES, ids=[f"{'/'.join(map(str, c[0]))}={c[1][:12]}" for c in NUMBER_CASES]
)
def test_hostile_json_values_are_refused_with_a_clear_message(files, path, raw, match):
    refused(_edit(files, path, raw), match)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda doc: b"\xff\xfe" + doc, r"puzzle\.json is not valid JSON"),
        (lambda doc: doc[: len(doc) // 2], r"puzzle\.json is not valid JSON"),
        (lambda doc: b"[" + doc + b"]", r"puzzle\.json is not a spotdiff puzzle"),
        (lambda doc: b" " * (limits.MAX_JSON_BYTES + 1), r"puzzle\.json is larger than 1024 KiB \(MAX_JSON_BYTES\)"),
    ],
    ids=["not-utf8", "truncated", "a-list", "too-big"],
)
def test_damaged_json_is_refused(files, make: Callable[[bytes], bytes], match):
    refused(bundle_with(files, puzzle_json=make(files["puzzle.json"])), match)


def test_the_unmodified_bundle_loads(files):
    """The control: every refusal above comes from the one change each test makes."""
    puzzle = load_puzzle(bundle_with(files))
    assert len(puzzle) == 3 and puzzle.shape == (171, 256)
    assert set(FILE_NAMES) == set(files)


def test_a_puzzle_folder_zipped_on_a_mac_opens(tmp_path):
    """Finder adds __MACOSX/._* and .DS_Store entries; they are skipped unread, the puzzle loads."""
    import io
    import zipfile

    from spotdiff_core import generate_puzzle, load_puzzle
    from spotdiff_core.bundle import puzzle_files
    from spotdiff_core.samples import illustration

    puzzle = generate_puzzle(illustration(), n_differences=2, seed=1, max_side=384, inpainter="telea")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in puzzle_files(puzzle).items():
            zf.writestr(f"my puzzle/{name}", data)
            zf.writestr(f"__MACOSX/my puzzle/._{name}", b"\x00\x05\x16\x07 resource fork")
        zf.writestr("my puzzle/.DS_Store", b"Bud1 not a picture")
    loaded = load_puzzle(buf.getvalue())
    assert (loaded.modified == puzzle.modified).all() and len(loaded) == 2
