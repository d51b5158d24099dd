"""Fuzzing the picture loader: random and mutated picture files give a valid picture or our own error, nothing else.

CI runs a fixed number of examples per target (see ``CI_EXAMPLES``, derandomised so every run is the same);
``-m fuzz_long`` runs ``LONG_EXAMPLES`` random ones per target. Every example must end in an RGB uint8 (H, W, 3)
picture within the working size or in a ``SpotDiffError``; any other exception, a hang (a faulthandler
watchdog stops the process) or a jump in peak memory fails the test.
"""

from __future__ import annotations

import faulthandler
import io
import resource
import struct
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from spotdiff_core import limits
from spotdiff_core.errors import InvalidInputError, SpotDiffError
from spotdiff_core.loading import load_image
from tests.conftest import photo

CI_EXAMPLES = 300  # per target in the default run
LONG_EXAMPLES = 20_000  # per target with -m fuzz_long
EXAMPLE_DEADLINE_MS = 5_000  # one example; the biggest legal picture (64 MP) decodes in well under this
WATCHDOG_S = 600  # a whole fuzz test that runs this long is a hang: dump the stacks and stop
MEMORY_BUDGET_MIB = 1_500  # peak RSS may rise at most this much over the RSS at the start of a fuzz test
MAX_SIDE = 256

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large]
# --- guards ----------------------------------------------------------------------------------------


def _current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


@pytest.fixture
def fuzz_guard():
    """Fail on a hang (watchdog) or on peak memory rising more than MEMORY_BUDGET_MIB during the test.

    ru_maxrss only ever grows, so a rise during the test is this test's own peak; if the process's
    peak was already higher before the test, the test's peak is below that earlier peak.
    """
    start_rss, start_peak = _current_rss_mib(), _peak_rss_mib()
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
    end_peak = _peak_rss_mib()
    if end_peak > start_peak:
        assert end_peak - start_rss < MEMORY_BUDGET_MIB, (
            f"peak RSS rose to {end_peak:.0f} MiB from {start_rss:.0f} MiB while fuzzing"
        )


# --- seed files: real photos in every format we read ------------------------------------------------


def _save(image: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **params)
    return buf.getvalue()


def _exif_orientation(value: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


def seed_pictures() -> dict[str, bytes]:
    """Small real pictures (about 220 x 170) in each format and flavour the loader handles."""
    rgb = Image.fromarray(photo("chelsea", 260)).crop((0, 0, 240, 172))
    rgba = rgb.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size))
    gray16 = Image.fromarray((np.asarray(rgb.convert("L"), dtype=np.uint16) * 257).astype(np.uint16))
    palette = rgb.quantize(32)
    palette_t = palette.copy()
    palette_t.info["transparency"] = 0
    frames = [rgb, rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    return {
        "png_rgb": _save(rgb, "PNG"),
        "png_rgba": _save(rgba, "PNG"),
        "png_gray16": _save(gray16, "PNG"),
        "png_palette_transparent": _save(palette_t, "PNG"),
        "jpeg": _save(rgb, "JPEG", quality=85),
        "jpeg_progressive_exif6": _save(rgb, "JPEG", quality=80, progressive=True, exif=_exif_orientation(6)),
        "jpeg_cmyk": _save(rgb.convert("CMYK"), "JPEG", quality=80),
        "jpeg_gray": _save(rgb.convert("L"), "JPEG", quality=80),
        "webp_lossy": _save(rgb, "WEBP", quality=70),
        "webp_lossless_alpha": _save(rgba, "WEBP", lossless=True),
        "gif_animated": _save(frames[0].quantize(64), "GIF", save_all=True, append_images=[frames[1].quantize(64)]),
        "bmp": _save(rgb, "BMP"),
        "bmp_palette": _save(palette, "BMP"),
        "tiff_raw": _save(rgb, "TIFF"),
        "tiff_lzw_exif3": _save(rgb, "TIFF", compression="tiff_lzw", exif=_exif_orientation(3)),
        "tiff_deflate_rgba": _save(rgba, "TIFF", compression="tiff_adobe_deflate"),
        "tiff_gray16": _save(gray16, "TIFF"),
        "tiff_float32": _save(Image.fromarray(np.asarray(gray16, dtype=np.float32) / 65535), "TIFF"),
    }


SEEDS = seed_pictures()

# Magic numbers, so random tails reach each format's parser rather than stopping at "unidentified".
MAGICS = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"\xff\xd8\xff\xe1",
    b"RIFF\x00\x01\x00\x00WEBPVP8 ",
    b"RIFF\x00\x01\x00\x00WEBPVP8L",
    b"GIF89a",
    b"GIF87a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)


# --- mutations -----------------------------------------------------------------------------------------

INTERESTING_INTS = (0, 1, 2, 7, 8, 15, 16, 127, 128, 255, 256, 4095, 32767, 32768, 65535, 65536, 2**31 - 1, 2**32 - 1)


def _fix_png_crcs(data: bytearray) -> bytearray:
    """Recompute every PNG chunk CRC, so a mutation reaches the chunk parsers instead of the CRC check."""
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        end = pos + 8 + length
        if end + 4 > len(data):
            break
        data[end : end + 4] = struct.pack(">I", zlib.crc32(data[pos + 4 : end]) & 0xFFFFFFFF)
        pos = end + 4
    return data


class FuzzInput(bytes):
    """Bytes whose repr is the recipe that made them (seed name and mutations), not 100 kB of data."""

    recipe: str

    def __new__(cls, data: bytes, recipe: str) -> FuzzInput:
        obj = super().__new__(cls, data)
        obj.recipe = recipe
        return obj

    def __repr__(self) -> str:
        return f"FuzzInput({len(self)} bytes: {self.recipe})"


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: dict[str, bytes], *, max_ops: int = 4, header: int = 512) -> FuzzInput:
    """One of ``seeds`` after 1 to ``max_ops`` bit flips, byte and integer overwrites, truncations,
    insertions, deletions, duplications or splices with another seed. Positions favour the first
    ``header`` bytes, where the parsers are."""
    names = sorted(seeds)
    name = draw(st.sampled_from(names))
    data = bytearray(seeds[name])
    recipe = [name]

    def position(extra: int = 0) -> int:
        # Mostly past the magic number (the random-bytes targets cover that), mostly in the header.
        top = len(data) - 1 + extra
        low = min(top, draw(st.sampled_from((8, 8, 8, 0))))
        if top <= low:
            return max(top, 0)
        return draw(st.one_of(st.integers(low, max(low, min(top, header))), st.integers(low, top)))

    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(
            st.sampled_from(("flip", "byte", "int", "truncate", "insert", "delete", "duplicate", "splice", "repeat"))
        )
        if op == "flip" and data:
            pos, bit = position(), draw(st.integers(0, 7))
            data[pos] ^= 1 << bit
            recipe.append(f"flip@{pos}.{bit}")
        elif op == "byte" and data:
            pos, value = position(), draw(st.sampled_from((0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)) | st.integers(0, 255))
            data[pos] = value
            recipe.append(f"byte@{pos}={value}")
        elif op == "int" and data:
            value = draw(st.sampled_from(INTERESTING_INTS))
            fmt = draw(st.sampled_from((">H", "<H", ">I", "<I")))
            pos = position()
            packed = struct.pack(fmt, value & (0xFFFF if fmt[1] == "H" else 0xFFFFFFFF))
            data[pos : pos + len(packed)] = packed
            recipe.append(f"int{fmt}@{pos}={value}")
        elif op == "truncate":
            pos = position(1)
            del data[pos:]
            recipe.append(f"truncate@{pos}")
        elif op == "insert":
            pos, chunk = position(1), draw(st.binary(min_size=1, max_size=64))
            data[pos:pos] = chunk
            recipe.append(f"insert@{pos}={chunk!r}")
        elif op == "delete" and data:
            pos, count = position(), draw(st.integers(1, 64))
            del data[pos : pos + count]
            recipe.append(f"delete@{pos}+{count}")
        elif op == "duplicate" and data:
            src, count, dst = position(), draw(st.integers(1, 256)), position(1)
            data[dst:dst] = data[src : src + count]
            recipe.append(f"duplicate@{src}+{count}->{dst}")
        elif op == "splice":
            other = draw(st.sampled_from(names))
            pos, cut = position(1), draw(st.integers(0, len(seeds[other])))
            data = data[:pos] + seeds[other][cut:]
            recipe.append(f"splice@{pos}<-{other}[{cut}:]")
        elif op == "repeat" and data:
            pos, count = position(), draw(st.integers(1, 4096))
            data[pos:pos] = data[pos : pos + 1] * count
            recipe.append(f"repeat@{pos}x{count}")
    if data.startswith(b"\x89PNG") and draw(st.booleans()):
        data = _fix_png_crcs(data)
        recipe.append("fix_png_crcs")
    return FuzzInput(bytes(data), ", ".join(recipe))


# --- the property ------------------------------------------------------------------------------------------


def check_load(source: bytes | io.BytesIO, *, max_side: int = MAX_SIDE) -> np.ndarray | None:
    """Load ``source``: either a valid working-size picture comes back or a SpotDiffError with a one-line message."""
    try:
        image = load_image(source, max_side=max_side)
    except SpotDiffError as exc:
        message = str(exc)
        assert message and "\n" not in message, f"unclear error message: {message!r}"
        # Warnings are errors under pytest; one turned into our error would be a stray warning in the app.
        assert not isinstance(exc.__cause__, Warning), f"a warning escaped the loader: {exc.__cause__!r}"
        return None
    assert isinstance(image, np.ndarray)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, (image.dtype, image.shape)
    assert min(image.shape[:2]) >= limits.MIN_IMAGE_SIDE and max(image.shape[:2]) <= max_side, image.shape
    return image


def fuzz_tests(
    property_: Callable,
    strategy: st.SearchStrategy,
    *,
    ci_examples: int = CI_EXAMPLES,
    long_examples: int = LONG_EXAMPLES,
) -> tuple[Callable, Callable]:
    """The same property as a CI test (fixed, derandomised examples) and a long fuzz_long test."""
    common = {"deadline": EXAMPLE_DEADLINE_MS, "suppress_health_check": SUPPRESSED}
    ci_settings = settings(max_examples=ci_examples, derandomize=True, database=None, **common)
    guarded = pytest.mark.usefixtures("fuzz_guard")
    ci = guarded(ci_settings(given(strategy)(property_)))
    long = guarded(pytest.mark.fuzz_long(settings(max_examples=long_examples, **common)(given(strategy)(property_))))
    return ci, long


def _load_bytes(data: bytes) -> None:
    check_load(data)


def _load_file_object(data: bytes) -> None:
    check_load(io.BytesIO(data))


random_bytes = st.one_of(
    st.binary(max_size=4096),
    st.builds(lambda magic, tail: magic + tail, st.sampled_from(MAGICS), st.binary(max_size=4096)),
)

test_fuzz_load_random_bytes, test_fuzz_load_random_bytes_long = fuzz_tests(_load_bytes, random_bytes)
test_fuzz_load_mutated_pictures, test_fuzz_load_mutated_pictures_long = fuzz_tests(_load_bytes, mutated_bytes(SEEDS))
test_fuzz_load_mutated_file_objects, test_fuzz_load_mutated_file_objects_long = fuzz_tests(
    _load_file_object, mutated_bytes(SEEDS, max_ops=2)
)


# --- the seeds themselves are good pictures (so mutations start from real, loadable files) -------------------


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_pictures_load(name):
    image = check_load(SEEDS[name])
    assert image is not None, f"seed {name} should load"
    assert image.std() > 10, "a real photo, not a flat colour"


# --- regressions: the exact inputs the fuzzer found -------------------------------------------------------


def _duplicate(seed: str, src: int, count: int, dst: int) -> bytes:
    data = bytearray(SEEDS[seed])
    data[dst:dst] = data[src : src + count]
    return bytes(data)


def _float_tiff(values: np.ndarray) -> bytes:
    return _save(Image.fromarray(values.astype(np.float32)), "TIFF")


@pytest.mark.parametrize(
    "data",
    [
        # FuzzInput(tiff_gray16, duplicate@0+5->90): Pillow warned "Corrupt EXIF data", then raised TypeError.
        pytest.param(_duplicate("tiff_gray16", 0, 5, 90), id="tiff-corrupt-exif-typeerror"),
        # FuzzInput(tiff_gray16, duplicate@0+4->78): "Tag data larger than file", then TypeError("Missing dimensions").
        pytest.param(_duplicate("tiff_gray16", 0, 4, 78), id="tiff-missing-dimensions-typeerror"),
    ],
)
def test_regression_damaged_tiff_directory_is_our_error(data):
    with pytest.raises(InvalidInputError, match="damaged") as info:
        load_image(data, max_side=MAX_SIDE)
    assert not isinstance(info.value.__cause__, Warning)


@pytest.mark.parametrize(
    ("data", "mean"),
    [
        # FuzzInput(tiff_float32, splice@41360<-bmp[0:]): BMP bytes read as float32 hold signalling NaNs,
        # and casting them warned "invalid value encountered in cast".
        pytest.param(SEEDS["tiff_float32"][:41360] + SEEDS["bmp"], None, id="float-tiff-signalling-nan"),
        pytest.param(_float_tiff(np.full((200, 200), np.nan)), 0.0, id="float-tiff-all-nan"),
        pytest.param(
            _float_tiff(np.where(np.indices((200, 200)).sum(0) % 2, np.inf, -np.inf)), 0.0, id="float-tiff-inf"
        ),
        pytest.param(
            _float_tiff(np.where(np.indices((200, 200))[1] < 100, np.nan, 7.0)), 0.0, id="float-tiff-nan-and-flat"
        ),
        pytest.param(
            _float_tiff(np.where(np.indices((200, 200))[1] < 100, np.nan, np.indices((200, 200))[0] / 199)),
            255 * 0.5 / 2,
            id="float-tiff-nan-and-ramp",
        ),
    ],
)
def test_regression_float_tiff_with_nan_and_infinity_loads_without_warnings(data, mean):
    image = check_load(data)  # warnings are errors under pytest: a numpy warning fails here
    assert image is not None
    if mean is not None:
        assert image.mean() == pytest.approx(mean, abs=1.0)
