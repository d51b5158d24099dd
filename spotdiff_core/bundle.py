"""The saved puzzle format: a folder or .zip of original.png, modified.png, labels.png and puzzle.json."""

from __future__ import annotations

import io
import json
import lzma
import os
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image

from . import limits
from .errors import PuzzleFormatError
from .guided import check_guided, split_guided
from .inpainters import INPAINTERS
from .loading import pillow_open, quiet_pillow_warnings
from .naturalness import LIMITS as NATURALNESS_LIMITS
from .puzzle import Difference, Puzzle, bbox_of
from .segmenters import SEGMENTERS

FORMAT_NAME = "spotdiff-puzzle"
FORMAT_VERSION = 1
FILE_NAMES = ("original.png", "modified.png", "labels.png", "puzzle.json")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same puzzle gives the same bytes

PathOrBytes = str | os.PathLike | bytes | bytearray | memoryview


# --- writing -------------------------------------------------------------------


def _png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def puzzle_to_json(puzzle: Puzzle) -> dict[str, Any]:
    """The puzzle.json document for a puzzle."""
    settings, guided = split_guided(puzzle.settings)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "width": puzzle.width,
        "height": puzzle.height,
        "seed": puzzle.seed,
        "settings": settings,
        **({"guided": guided} if guided else {}),
        "backends": dict(puzzle.backends),
        "differences": [
            {
                "id": d.id,
                "kind": d.kind,
                "bbox": list(d.bbox),
                "center": list(d.center),
                **d.scores(),
                "naturalness": dict(d.naturalness),
                "natural": d.natural,
            }
            for d in puzzle.differences
        ],
    }


def puzzle_files(puzzle: Puzzle) -> dict[str, bytes]:
    """The four files of the saved format, name -> bytes."""
    doc = json.dumps(puzzle_to_json(puzzle), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {
        "original.png": _png_bytes(puzzle.original),
        "modified.png": _png_bytes(puzzle.modified),
        "labels.png": _png_bytes(np.asarray(puzzle.labels, dtype=np.uint8)),
        "puzzle.json": doc.encode("utf-8"),
    }


def puzzle_to_zip_bytes(puzzle: Puzzle) -> bytes:
    """The puzzle as the bytes of a .zip bundle (deterministic: same puzzle, same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in puzzle_files(puzzle).items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def save_puzzle(puzzle: Puzzle, path: str | os.PathLike) -> Path:
    """Save a puzzle to ``path``: a ``.zip`` file if the name ends so, else a folder (created if needed).

    Returns the path written.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(puzzle_to_zip_bytes(puzzle))
        os.replace(tmp, path)  # never leave a half-written bundle behind
        return path
    if path.exists() and not path.is_dir():
        raise PuzzleFormatError(f"Cannot save the puzzle into {str(path)!r}: it is a file, not a folder.")
    path.mkdir(parents=True, exist_ok=True)
    for name, data in puzzle_files(puzzle).items():
        (path / name).write_bytes(data)
    return path


# --- reading -------------------------------------------------------------------


_END_RECORD = struct.Struct("<4s4H2LH")  # end of central directory: 22 bytes, then a comment
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes, just before the end record
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")  # 56 bytes, just before the locator


def _check_directory_size(data: bytes) -> None:
    """Refuse a zip whose file list is far too long from its end records alone, before zipfile parses the list.

    zipfile reads and parses the whole central directory when it opens a file: a listing of a million
    members costs seconds and hundreds of MB before any check of ours could run. The end records are
    found where zipfile looks for them (the last 22 bytes, else the last signature in the last 64 KiB),
    and the zip64 record zipfile would use counts too.
    """
    end = len(data) - _END_RECORD.size
    if not (end >= 0 and data[end : end + 4] == b"PK\x05\x06" and data[-2:] == b"\0\0"):
        end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65535 - _END_RECORD.size))
    if end < 0 or end + _END_RECORD.size > len(data):
        return  # not a zip: zipfile says so
    _, _, _, on_disk, total, size, _, _ = _END_RECORD.unpack_from(data, end)
    counts, sizes = [on_disk, total], [size]
    locator = end - _ZIP64_LOCATOR.size
    record = locator - _ZIP64_END_RECORD.size
    if record >= 0 and data[locator : locator + 4] == b"PK\x06\x07" and data[record : record + 4] == b"PK\x06\x06":
        fields = _ZIP64_END_RECORD.unpack_from(data, record)
        counts += [fields[6], fields[7]]
        sizes.append(fields[8])
    if max(counts) > 3 * limits.MAX_BUNDLE_FILES:
        raise PuzzleFormatError(
            f"The puzzle bundle holds {max(counts)} files; at most {limits.MAX_BUNDLE_FILES} are allowed (MAX_BUNDLE_FILES)."
        )
    if max(sizes) > limits.MAX_BUNDLE_DIRECTORY_BYTES:
        raise PuzzleFormatError(
            f"The puzzle bundle's list of files is {max(sizes) / 1024:.0f} KiB; a puzzle's is at most "
            f"{limits.MAX_BUNDLE_DIRECTORY_BYTES // 1024} KiB (MAX_BUNDLE_DIRECTORY_BYTES)."
        )


def _read_zip(data: bytes) -> dict[str, bytes]:
    if len(data) > limits.MAX_BUNDLE_BYTES:
        raise PuzzleFormatError(
            f"The puzzle bundle is {len(data) / 2**20:.1f} MiB; the limit is {limits.MAX_BUNDLE_BYTES // 2**20} MiB (MAX_BUNDLE_BYTES)."
        )
    _check_directory_size(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    # NotImplementedError: a header asking for a zip version we do not read ("zip file version 8.4").
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise PuzzleFormatError("This file is not a puzzle bundle: it is not a readable .zip file.") from exc
    with zf:
        entries = [i for i in zf.infolist() if not i.filename.endswith("/")]  # is_dir() fails on an empty name
        # A folder zipped on a Mac also holds __MACOSX/._* and .DS_Store files: skipped unread, within a bound.
        infos = [i for i in entries if not _is_os_metadata(i.filename)]
        if len(infos) > limits.MAX_BUNDLE_FILES or len(entries) > 3 * limits.MAX_BUNDLE_FILES:
            raise PuzzleFormatError(
                f"The puzzle bundle holds {len(entries)} files; at most {limits.MAX_BUNDLE_FILES} are allowed (MAX_BUNDLE_FILES)."
            )
        # zipfile never returns more than a member's declared size, so the declared sizes bound what we read:
        # refuse a bomb before inflating anything.
        for info in infos:
            if info.file_size > limits.MAX_BUNDLE_MEMBER_BYTES:
                raise PuzzleFormatError(_member_too_big(PurePosixPath(info.filename.replace("\\", "/")).name))
        if sum(i.file_size for i in infos) > limits.MAX_BUNDLE_TOTAL_BYTES:
            raise PuzzleFormatError(_total_too_big())
        files: dict[str, bytes] = {}
        total = 0
        prefixes = set()
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or any(":" in p for p in parts) or len(parts) > 2:
                raise PuzzleFormatError(f"The puzzle bundle holds a file with an unsafe path: {info.filename!r}.")
            base = parts[-1] if parts else ""
            if base not in FILE_NAMES:
                raise PuzzleFormatError(
                    f"The puzzle bundle holds an unexpected file {info.filename!r}; only {', '.join(FILE_NAMES)} are allowed."
                )
            if base in files:
                raise PuzzleFormatError(f"The puzzle bundle holds {base} twice.")
            prefixes.add(parts[0] if len(parts) == 2 else "")
            if info.file_size > limits.MAX_BUNDLE_MEMBER_BYTES:
                raise PuzzleFormatError(_member_too_big(base))
            try:
                with zf.open(info) as member:
                    # Ask for no more than declared: zipfile inflates up to the amount asked for in one go.
                    content = member.read(min(info.file_size, limits.MAX_BUNDLE_MEMBER_BYTES) + 1)
            except (
                zipfile.BadZipFile,
                OSError,
                ValueError,
                EOFError,
                NotImplementedError,
                RuntimeError,
                zlib.error,  # a damaged deflate stream
                lzma.LZMAError,
            ) as exc:
                raise PuzzleFormatError(f"The puzzle bundle is damaged: {base} cannot be read.") from exc
            if len(content) > limits.MAX_BUNDLE_MEMBER_BYTES:
                raise PuzzleFormatError(_member_too_big(base))
            total += len(content)
            if total > limits.MAX_BUNDLE_TOTAL_BYTES:
                raise PuzzleFormatError(_total_too_big())
            files[base] = content
        if len(prefixes) > 1:
            raise PuzzleFormatError("The puzzle bundle's files must all be in one folder.")
    return files


def _total_too_big() -> str:
    return (
        f"The puzzle bundle unpacks to more than {limits.MAX_BUNDLE_TOTAL_BYTES // 2**20} MiB (MAX_BUNDLE_TOTAL_BYTES)."
    )


def _is_os_metadata(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1] == ".DS_Store")


def _member_too_big(name: str) -> str:
    return f"{name} in the puzzle bundle is larger than {limits.MAX_BUNDLE_MEMBER_BYTES // 2**20} MiB (MAX_BUNDLE_MEMBER_BYTES)."


def _read_folder(path: Path) -> dict[str, bytes]:
    files = {}
    for name in FILE_NAMES:
        member = path / name
        if member.is_file():
            if member.stat().st_size > limits.MAX_BUNDLE_MEMBER_BYTES:
                raise PuzzleFormatError(_member_too_big(name))
            files[name] = member.read_bytes()
    return files


def _decode_png(data: bytes, name: str, mode: str) -> np.ndarray:
    try:
        with quiet_pillow_warnings():  # our own size limit below is far lower than Pillow's bomb limits
            im = pillow_open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise PuzzleFormatError(
            f"{name} has far too many pixels; saved puzzles are at most {limits.MAX_MAX_SIDE} pixels a side (MAX_MAX_SIDE)."
        ) from exc
    except Exception as exc:  # Pillow raises many kinds on a damaged PNG
        raise PuzzleFormatError(f"{name} in the puzzle is damaged and cannot be read.") from exc
    try:
        with im:
            if im.format != "PNG":
                raise PuzzleFormatError(f"{name} must be a PNG picture, not {im.format}.")
            w, h = im.size
            if w * h > limits.MAX_SOURCE_PIXELS or max(w, h) > limits.MAX_MAX_SIDE:
                raise PuzzleFormatError(
                    f"{name} is {w} x {h} pixels; saved puzzles are at most {limits.MAX_MAX_SIDE} pixels a side (MAX_MAX_SIDE)."
                )
            if im.mode != mode:
                raise PuzzleFormatError(f"{name} must be an 8-bit {mode} PNG; it is mode {im.mode}.")
            im.load()
            return np.asarray(im, dtype=np.uint8).copy()
    except PuzzleFormatError:
        raise
    except Exception as exc:  # Pillow raises many kinds on a damaged PNG
        raise PuzzleFormatError(f"{name} in the puzzle is damaged and cannot be read.") from exc


def _number(value: Any, what: str, lo: float, hi: float, *, integer: bool = False) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    # Comparisons alone refuse NaN and infinity; math.isfinite would overflow on a huge whole number.
    if isinstance(value, bool) or not ok or not lo <= value <= hi:
        kind = "a whole number" if integer else "a number"
        raise PuzzleFormatError(f"puzzle.json: {what} must be {kind} from {lo:g} to {hi:g}, not {_short(value)}.")
    return value


def _short(value: Any) -> str:
    """A repr short enough for a one-line message (a hostile value can be megabytes long)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _pair(value: Any, what: str, length: int, hi: int) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) != length:
        raise PuzzleFormatError(f"puzzle.json: {what} must be a list of {length} whole numbers.")
    return tuple(int(_number(v, what, 0, hi, integer=True)) for v in value)


def _plain_mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PuzzleFormatError(f"puzzle.json: {what} must be an object.")
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > 64 or not key.isprintable():  # keys are quoted in messages
            raise PuzzleFormatError(f"puzzle.json: {what} has an invalid key.")
        if isinstance(item, list):
            if len(item) > 16 or not all(isinstance(i, (str, int, float, bool)) for i in item):
                raise PuzzleFormatError(f"puzzle.json: {what}.{key} must be a short list of plain values.")
        elif item is not None and not isinstance(item, (str, int, float, bool)):
            raise PuzzleFormatError(f"puzzle.json: {what}.{key} must be a plain value.")
        if isinstance(item, str) and len(item) > 200:
            raise PuzzleFormatError(f"puzzle.json: {what}.{key} is too long.")
    return dict(value)


# Every field puzzle.json may hold; a shared file is untrusted, so anything else is refused.
DOCUMENT_FIELDS = ("format", "version", "width", "height", "seed", "settings", "guided", "backends", "differences")
DIFFERENCE_FIELDS = (
    "id",
    "kind",
    "bbox",
    "center",
    "area_fraction",
    "contrast",
    "lightness_contrast",
    "saliency",
    "conspicuity",
    "naturalness",
    "natural",
)
SETTINGS_FIELDS = ("n_differences", "difficulty", "kinds", "print_safe", "max_side", "fill_weak", "replaced")
BACKEND_FIELDS = ("segmenter", "inpainter")
MAX_REPLACED = 16  # the replace history puzzle.json keeps ("id:seed" entries)


def _unknown_field(fields: Any, known: tuple[str, ...], what: str) -> None:
    unknown = [k for k in fields if k not in known]
    if unknown:
        raise PuzzleFormatError(
            f"puzzle.json: {what} has an unknown field {_short(unknown[0])}; known: {', '.join(known)}."
        )


def _settings(value: Any) -> dict[str, Any]:
    """The generation settings of a puzzle.json, each checked against its allowed values."""
    settings = _plain_mapping(value, "settings")
    _unknown_field(settings, SETTINGS_FIELDS, "settings")

    def refuse(key: str, allowed: str) -> None:
        raise PuzzleFormatError(f"puzzle.json: settings.{key} must be {allowed}, not {_short(settings[key])}.")

    if "n_differences" in settings:
        _number(
            settings["n_differences"],
            "settings.n_differences",
            limits.MIN_DIFFERENCES,
            limits.MAX_DIFFERENCES,
            integer=True,
        )
    if "difficulty" in settings and settings["difficulty"] not in limits.DIFFICULTIES:
        refuse("difficulty", "one of " + ", ".join(limits.DIFFICULTIES))
    if "kinds" in settings:
        kinds = settings["kinds"]
        if not isinstance(kinds, list) or not kinds or any(k not in limits.KINDS for k in kinds):
            refuse("kinds", "a list of some of " + ", ".join(limits.KINDS))
    for key in ("print_safe", "fill_weak"):
        if key in settings and not isinstance(settings[key], bool):
            refuse(key, "true or false")
    if "max_side" in settings:
        _number(settings["max_side"], "settings.max_side", limits.MIN_MAX_SIDE, limits.MAX_MAX_SIDE, integer=True)
    if "replaced" in settings:
        replaced = settings["replaced"]
        if (
            not isinstance(replaced, list)
            or len(replaced) > MAX_REPLACED
            or not all(_is_replace_record(r) for r in replaced)
        ):
            refuse("replaced", f'a list of at most {MAX_REPLACED} "id:seed" entries')
    return settings


def _is_replace_record(item: Any) -> bool:
    """``"id:seed"``, as replace_difference records it."""
    if not isinstance(item, str) or item.count(":") != 1:
        return False
    did, seed = item.split(":")
    return did.isascii() and did.isdigit() and seed.isascii() and seed.isdigit() and len(did) <= 2 and len(seed) <= 19


def _backends(value: Any) -> dict[str, str]:
    """Which backends made the puzzle: names this program knows (they are shown to the player)."""
    backends = _plain_mapping(value, "backends")
    _unknown_field(backends, BACKEND_FIELDS, "backends")
    for key, registry in (("segmenter", SEGMENTERS), ("inpainter", INPAINTERS)):
        known = [name for name in registry.names() if name != "auto"]
        if key in backends and backends[key] not in known:
            raise PuzzleFormatError(
                f"puzzle.json: backends.{key} must be one of {', '.join(known)}, not {_short(backends[key])}."
            )
    return backends


def _naturalness(value: Any, did: int) -> dict[str, float]:
    """The naturalness scores of a difference: only the gate's own score names, each a number."""
    if not isinstance(value, dict):
        raise PuzzleFormatError(f"puzzle.json: difference {did} naturalness must be an object.")
    unknown = [k for k in value if k not in NATURALNESS_LIMITS]
    if unknown:
        raise PuzzleFormatError(
            f"puzzle.json: difference {did} naturalness has an unknown score; known: {', '.join(NATURALNESS_LIMITS)}."
        )
    return {k: _number(v, f"difference {did} naturalness {k}", 0, 1000) for k, v in value.items()}


def puzzle_from_files(files: dict[str, bytes]) -> Puzzle:
    """Build and validate a puzzle from the four files of the saved format."""
    missing = [n for n in FILE_NAMES if n not in files]
    if missing:
        raise PuzzleFormatError(f"The saved puzzle is missing {', '.join(missing)}.")
    if len(files["puzzle.json"]) > limits.MAX_JSON_BYTES:
        raise PuzzleFormatError(f"puzzle.json is larger than {limits.MAX_JSON_BYTES // 1024} KiB (MAX_JSON_BYTES).")
    try:
        doc = json.loads(files["puzzle.json"].decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # ValueError: also numbers with more than 4300 digits
        raise PuzzleFormatError("puzzle.json is not valid JSON.") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise PuzzleFormatError(f'puzzle.json is not a spotdiff puzzle (its "format" must be "{FORMAT_NAME}").')
    if doc.get("version") != FORMAT_VERSION:
        raise PuzzleFormatError(
            f"puzzle.json has version {_short(doc.get('version'))}; this program reads version {FORMAT_VERSION}."
        )
    width = int(_number(doc.get("width"), "width", limits.MIN_IMAGE_SIDE, limits.MAX_MAX_SIDE, integer=True))
    height = int(_number(doc.get("height"), "height", limits.MIN_IMAGE_SIDE, limits.MAX_MAX_SIDE, integer=True))
    seed = int(_number(doc.get("seed"), "seed", 0, 2**63 - 1, integer=True))
    settings, _ = split_guided(_plain_mapping(doc.get("settings", {}), "settings"))  # only "guided" holds those
    settings = _settings(settings)
    settings.update(check_guided(doc.get("guided"), (height, width)))
    backends = _backends(doc.get("backends", {}))
    _unknown_field(doc, DOCUMENT_FIELDS, "the document")
    entries = doc.get("differences")
    if not isinstance(entries, list) or not limits.MIN_DIFFERENCES <= len(entries) <= limits.MAX_DIFFERENCES:
        raise PuzzleFormatError(
            f"puzzle.json: differences must be a list of {limits.MIN_DIFFERENCES} to {limits.MAX_DIFFERENCES} entries (MAX_DIFFERENCES)."
        )

    original = _decode_png(files["original.png"], "original.png", "RGB")
    modified = _decode_png(files["modified.png"], "modified.png", "RGB")
    labels = _decode_png(files["labels.png"], "labels.png", "L")
    for name, arr in (("original.png", original), ("modified.png", modified), ("labels.png", labels)):
        if arr.shape[:2] != (height, width):
            raise PuzzleFormatError(
                f"{name} is {arr.shape[1]} x {arr.shape[0]} pixels but puzzle.json says {width} x {height}."
            )

    differences = []
    seen: set[int] = set()
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise PuzzleFormatError(f"puzzle.json: difference {i} must be an object.")
        did = int(_number(entry.get("id"), f"differences[{i}].id", 1, limits.MAX_DIFFERENCES, integer=True))
        if did in seen:
            raise PuzzleFormatError(f"puzzle.json lists difference {did} twice.")
        seen.add(did)
        kind = entry.get("kind")
        if kind not in limits.KINDS:
            raise PuzzleFormatError(
                f"puzzle.json: difference {did} has unknown kind {_short(kind)}; known: {', '.join(limits.KINDS)}."
            )
        mask = labels == did
        if not mask.any():
            raise PuzzleFormatError(f"labels.png has no pixels for difference {did}.")
        bbox = _pair(entry.get("bbox"), f"difference {did} bbox", 4, max(width, height))
        if bbox != bbox_of(mask):
            raise PuzzleFormatError(f"puzzle.json: difference {did} bbox {list(bbox)} does not match labels.png.")
        center = _pair(entry.get("center"), f"difference {did} center", 2, max(width, height))
        if not (center[0] < width and center[1] < height):
            raise PuzzleFormatError(f"puzzle.json: difference {did} center {list(center)} is outside the picture.")
        scores = {
            "area_fraction": _number(entry.get("area_fraction"), f"difference {did} area_fraction", 0, 1),
            "contrast": _number(entry.get("contrast"), f"difference {did} contrast", 0, 500),
            "lightness_contrast": _number(
                entry.get("lightness_contrast"), f"difference {did} lightness_contrast", 0, 100
            ),
            "saliency": _number(entry.get("saliency"), f"difference {did} saliency", 0, 1e6),
            "conspicuity": _number(entry.get("conspicuity"), f"difference {did} conspicuity", 0, 1),
        }
        naturalness = _naturalness(entry.get("naturalness", {}), did)
        natural = entry.get("natural", True)
        if not isinstance(natural, bool):
            raise PuzzleFormatError(f"puzzle.json: difference {did} natural must be true or false.")
        _unknown_field(entry, DIFFERENCE_FIELDS, f"difference {did}")
        differences.append(
            Difference(
                id=did,
                kind=kind,
                mask=mask,
                bbox=bbox,
                center=(center[0], center[1]),
                **scores,
                naturalness=naturalness,
                natural=natural,
            )
        )
    if seen != set(range(1, len(entries) + 1)):
        raise PuzzleFormatError(f"puzzle.json: difference ids must be 1 to {len(entries)}, got {sorted(seen)}.")
    extra = set(np.unique(labels).tolist()) - seen - {0}
    if extra:
        raise PuzzleFormatError(
            f"labels.png has pixels for difference ids {sorted(extra)} that puzzle.json does not list."
        )
    return Puzzle(
        original=original,
        modified=modified,
        differences=tuple(differences),
        seed=seed,
        settings=settings,
        backends=backends,
    )


def load_puzzle(source: PathOrBytes) -> Puzzle:
    """Load and validate a saved puzzle: a folder, a ``.zip`` path, or the bytes of a ``.zip``.

    Raises
    ------
    PuzzleFormatError
        Anything malformed, unsafe, oversized or inconsistent, with a message that says what.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return puzzle_from_files(_read_zip(bytes(source)))
    path = Path(source)
    if path.is_dir():
        return puzzle_from_files(_read_folder(path))
    if path.is_file():
        if path.stat().st_size > limits.MAX_BUNDLE_BYTES:
            raise PuzzleFormatError(
                f"The puzzle bundle is larger than {limits.MAX_BUNDLE_BYTES // 2**20} MiB (MAX_BUNDLE_BYTES)."
            )
        return puzzle_from_files(_read_zip(path.read_bytes()))
    raise PuzzleFormatError(f"No saved puzzle at {str(path)!r}: give a puzzle folder or a .zip bundle.")
