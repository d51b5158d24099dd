"""A zip whose file list is huge is refused from its end records, before Python's zipfile parses the list.

The review's case: a listing of about 1.65 million members (74 MiB) made zipfile take 12.8 s and +720 MB
before the "at most 8 files" check; four at once peaked at 3.3 GB. Only the central directory and the end
records matter to that cost, so the test builds just those (no member data), in a second.
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile

import pytest

from spotdiff_core import limits
from spotdiff_core.bundle import load_puzzle
from spotdiff_core.errors import PuzzleFormatError

MEMBERS = 1_650_000
NAME = b"a"  # 46 + 1 bytes a record: 1.65 M records are 74 MiB, under the 80 MiB upload limit
MAX_SECONDS = 1.0
MAX_EXTRA_BYTES = 50 * 2**20


def central_record(name: bytes) -> bytes:
    """One central-directory record of an empty stored member (what zipfile parses per member)."""
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0) + name


def huge_listing(*, zip64: bool, claimed: int | None = None) -> bytes:
    """A zip of only a central directory of MEMBERS records and its end records.

    ``zip64``: the true count in a zip64 end record (the classic one says 0xFFFF, as writers do);
    otherwise a classic end record whose count says ``claimed`` (a lie: the list is still MEMBERS long).
    """
    directory = central_record(NAME) * MEMBERS
    size, offset = len(directory), 0
    tail = b""
    if zip64:
        tail += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, MEMBERS, MEMBERS, size, offset)
        tail += struct.pack("<4sLQL", b"PK\x06\x07", 0, size, 1)
        count = 0xFFFF
    else:
        count = claimed
    tail += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)
    return directory + tail


@pytest.mark.parametrize(
    ("zip64", "claimed"),
    [(True, None), (False, 4), (False, 0xFFFF)],
    ids=["zip64-true-count", "classic-claims-4", "classic-claims-65535"],
)
def test_a_zip_listing_1_65_million_members_is_refused_fast_and_small(zip64, claimed):
    data = huge_listing(zip64=zip64, claimed=claimed)
    assert len(data) < limits.MAX_BUNDLE_BYTES  # so the plain size limit is not what refuses it
    # It is a zip zipfile would read in full (the finding), at the cost of parsing every record.
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with pytest.raises(PuzzleFormatError, match=r"The puzzle bundle( holds \d+ files|'s list of files is)") as info:
            load_puzzle(data)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(
        f"\n{len(data) / 2**20:.1f} MiB listing of {MEMBERS} members ({'zip64' if zip64 else f'claims {claimed}'}): "
        f"refused in {seconds * 1000:.2f} ms, peak +{peak / 2**20:.3f} MiB: {info.value}"
    )
    assert seconds < MAX_SECONDS
    assert peak < MAX_EXTRA_BYTES
    assert "\n" not in str(info.value)


def test_zipfile_itself_would_parse_the_whole_listing():
    # The cost the check avoids, at a tenth of the size: zipfile builds a ZipInfo for every record.
    directory = central_record(NAME) * (MEMBERS // 10)
    data = directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 4, 4, len(directory), 0, 0)
    started = time.perf_counter()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        listed = len(zf.infolist())
    print(f"\nzipfile parsed {listed} records in {time.perf_counter() - started:.2f} s")
    assert listed == MEMBERS // 10
    with pytest.raises(PuzzleFormatError, match=r"list of files is \d+ KiB; a puzzle's is at most 64 KiB"):
        load_puzzle(data)


def test_a_comment_after_the_end_record_does_not_hide_it():
    # zipfile finds the end record behind an archive comment; so must the check.
    directory = central_record(NAME) * 5000
    data = directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 5000, 5000, len(directory), 0, 7) + b"comment"
    with pytest.raises(PuzzleFormatError, match=r"holds 5000 files; at most 8"):
        load_puzzle(data)


def test_an_ordinary_bundle_is_under_the_directory_limit():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("original.png", "modified.png", "labels.png", "puzzle.json"):
            for prefix in ("", "__MACOSX/._"):
                zf.writestr(prefix + "some-long-folder-name-a-teacher-chose/" * 3 + name, b"x")
    data = buf.getvalue()
    size = struct.unpack_from("<L", data, len(data) - 10)[0]
    assert size * 20 < limits.MAX_BUNDLE_DIRECTORY_BYTES
