"""The picture loader on every input kind users upload, good and bad."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from spotdiff_core import ImageUnsuitableError, InvalidInputError, limits, load_image
from spotdiff_core.loading import working_size
from tests.conftest import photo
from tests.helpers import encode

# A picture with flat areas and edges: 400 x 300, four coloured quadrants and a white bar.
QUADRANTS = ((200, 30, 30), (30, 160, 60), (40, 60, 210), (230, 200, 40))


def quadrants(width: int = 400, height: int = 300) -> np.ndarray:
    image = np.empty((height, width, 3), np.uint8)
    h2, w2 = height // 2, width // 2
    image[:h2, :w2], image[:h2, w2:], image[h2:, :w2], image[h2:, w2:] = QUADRANTS
    image[h2 - 5 : h2 + 5, w2 // 2 : w2 + w2 // 2] = 255
    return image


def mean_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header(width: int, height: int, *, idat: bytes = b"") -> bytes:
    """A PNG that claims ``width`` x ``height`` RGB pixels; its pixel data is ``idat`` (none by default)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = _chunk(b"IDAT", idat) if idat else b""
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + body + _chunk(b"IEND", b"")


# --- every format ------------------------------------------------------------------------------------

LOSSLESS = [("PNG", {}), ("BMP", {}), ("TIFF", {}), ("TIFF", {"compression": "tiff_lzw"}), ("WEBP", {"lossless": True})]
LOSSY = [("JPEG", {"quality": 92}), ("WEBP", {"quality": 90}), ("GIF", {})]


@pytest.mark.parametrize(("fmt", "params"), LOSSLESS, ids=lambda v: v if isinstance(v, str) else "-".join(v) or "")
def test_lossless_formats_load_exactly(fmt, params):
    image = quadrants()
    loaded = load_image(encode(image, fmt, **params))
    assert loaded.dtype == np.uint8 and loaded.shape == (300, 400, 3)
    assert np.array_equal(loaded, image)


@pytest.mark.parametrize(("fmt", "params"), LOSSY, ids=lambda v: v if isinstance(v, str) else "")
def test_lossy_formats_load_close_to_the_original(fmt, params):
    image = quadrants()
    loaded = load_image(encode(image, fmt, **params))
    assert loaded.dtype == np.uint8 and loaded.shape == (300, 400, 3)
    assert mean_error(loaded, image) < 4.0
    assert loaded.flags.c_contiguous


def test_a_photo_survives_jpeg(any_photo):
    loaded = load_image(encode(any_photo, "JPEG", quality=95), max_side=640)
    assert loaded.shape == any_photo.shape
    assert mean_error(loaded, any_photo) < 4.0


def test_an_animated_gif_gives_its_first_frame():
    frames = [Image.fromarray(np.full((200, 240, 3), colour, np.uint8)) for colour in QUADRANTS]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(buf.getvalue())).n_frames == 4
    loaded = load_image(buf.getvalue())
    assert loaded.shape == (200, 240, 3)
    assert mean_error(loaded, np.full((200, 240, 3), QUADRANTS[0], np.uint8)) < 3.0


def test_an_mpo_or_other_jpeg_variant_is_read_as_jpeg():
    data = encode(quadrants(), "JPEG", quality=90, progressive=True)
    assert mean_error(load_image(data), quadrants()) < 4.0


def test_an_unsupported_format_is_named():
    with pytest.raises(InvalidInputError, match="PPM pictures are not supported; use JPEG, PNG"):
        load_image(encode(quadrants(), "PPM"))


# --- orientation, modes and transparency --------------------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [
        (1, lambda a: a),
        (3, lambda a: np.rot90(a, 2)),
        (6, lambda a: np.rot90(a, -1)),  # stored rotated: turn a quarter clockwise to show it
        (8, lambda a: np.rot90(a, 1)),
        (2, lambda a: a[:, ::-1]),
    ],
)
def test_exif_orientation_is_applied(orientation, expected):
    image = quadrants()
    exif = Image.Exif()
    exif[0x0112] = orientation
    loaded = load_image(encode(image, "JPEG", quality=95, exif=exif.tobytes()))
    want = expected(image)
    assert loaded.shape == want.shape
    assert mean_error(loaded, want) < 4.0


def test_orientation_6_turns_a_landscape_photo_to_portrait():
    exif = Image.Exif()
    exif[0x0112] = 6
    loaded = load_image(encode(quadrants(400, 300), "JPEG", exif=exif.tobytes()))
    assert loaded.shape == (400, 300, 3)
    # The stored top-left quadrant (red) is shown top-right.
    assert mean_error(loaded[:100, 200:], np.full((100, 100, 3), QUADRANTS[0], np.uint8)) < 6.0


def test_grayscale_is_spread_to_three_equal_channels():
    gray = np.tile(np.arange(256, dtype=np.uint8), (200, 1))
    loaded = load_image(encode(Image.fromarray(gray, mode="L"), "PNG"))
    assert loaded.shape == (200, 256, 3)
    assert np.array_equal(loaded[..., 0], gray)
    assert np.array_equal(loaded[..., 0], loaded[..., 1]) and np.array_equal(loaded[..., 1], loaded[..., 2])


def test_one_bit_pictures_load():
    bits = Image.fromarray(quadrants()[..., 0] > 100).convert("1")
    loaded = load_image(encode(bits, "PNG"))
    assert set(np.unique(loaded).tolist()) <= {0, 255}
    assert loaded.shape == (300, 400, 3)


def test_16_bit_grayscale_png_is_scaled_to_8_bits():
    values = np.array([0, 257 * 64, 32768, 65535], dtype=np.uint16)
    wide = np.repeat(np.repeat(values[None, :], 200, axis=0), 50, axis=1)  # 200 x 200, four bands
    data = encode(Image.fromarray(wide), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    loaded = load_image(data)
    assert loaded.shape == (200, 200, 3)
    assert loaded[0, ::50, 0].tolist() == [0, 64, 128, 255]


def test_a_dark_16_bit_png_stays_dark():
    # Every sample at most 255 of 65535: a nearly black 16-bit picture, not a full-range 8-bit one.
    dark = np.tile(np.arange(0, 256, dtype=np.uint16), (200, 1))
    loaded = load_image(encode(Image.fromarray(dark), "PNG"))
    assert loaded.max() <= 1


@pytest.mark.parametrize("transparency", [False, True])
def test_palette_pictures_load(transparency):
    image = quadrants()
    pal = Image.fromarray(image).quantize(colors=8)
    params = {}
    if transparency:
        pal.info["transparency"] = 0  # index 0 is transparent -> white
        params["transparency"] = 0
    loaded = load_image(encode(pal, "PNG", **params))
    expected = np.asarray(pal.convert("RGB"))
    if transparency:
        clear = np.asarray(pal) == 0
        assert clear.any()
        assert (loaded[clear] == 255).all()
        assert np.array_equal(loaded[~clear], expected[~clear])
    else:
        assert np.array_equal(loaded, expected)


def test_cmyk_jpeg_loads_as_rgb():
    image = quadrants()
    cmyk = Image.fromarray(image).convert("CMYK")
    data = encode(cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    loaded = load_image(data)
    assert loaded.shape == (300, 400, 3)
    assert mean_error(loaded, np.asarray(cmyk.convert("RGB"))) < 4.0


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_transparency_is_composited_on_white(fmt):
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[..., :3] = (200, 30, 30)
    rgba[:, :100, 3] = 0  # left half fully transparent
    rgba[:, 100:150, 3] = 128  # half transparent
    rgba[:, 150:, 3] = 255
    params = {"lossless": True} if fmt == "WEBP" else {}
    loaded = load_image(encode(Image.fromarray(rgba, mode="RGBA"), fmt, **params))
    assert (loaded[:, :100] == 255).all()
    assert np.abs(loaded[:, 100:150].astype(int) - (227, 142, 142)).max() <= 2
    assert (loaded[:, 150:] == (200, 30, 30)).all()


def test_grayscale_with_alpha_is_composited_on_white():
    la = np.zeros((200, 200, 2), np.uint8)
    la[..., 0] = 50
    la[:100, :, 1] = 0
    la[100:, :, 1] = 255
    loaded = load_image(encode(Image.fromarray(la, mode="LA"), "PNG"))
    assert (loaded[:100] == 255).all() and (loaded[100:] == 50).all()


# --- where the bytes come from -------------------------------------------------------------------------


def test_path_bytes_and_file_object_give_the_same_picture(tmp_path):
    data = encode(quadrants(), "PNG")
    path = tmp_path / "picture.png"
    path.write_bytes(data)
    from_path = load_image(path)
    assert np.array_equal(load_image(str(path)), from_path)
    assert np.array_equal(load_image(data), from_path)
    assert np.array_equal(load_image(bytearray(data)), from_path)
    assert np.array_equal(load_image(memoryview(data)), from_path)
    with path.open("rb") as f:
        assert np.array_equal(load_image(f), from_path)
    assert np.array_equal(load_image(io.BytesIO(data)), from_path)
    assert np.array_equal(from_path, quadrants())


def test_a_file_name_without_a_picture_extension_still_loads(tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(encode(quadrants(), "JPEG"))
    assert load_image(path).shape == (300, 400, 3)


def test_a_source_of_the_wrong_type_is_refused():
    with pytest.raises(InvalidInputError, match="Cannot read a picture from a int"):
        load_image(42)


# --- working size ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory):
    """A 6000 x 4000 photo saved as a JPEG (a phone picture); the path."""
    base = photo("astronaut", 4000)  # 4000 x 4000
    path = tmp_path_factory.mktemp("big") / "big.jpg"
    Image.fromarray(np.concatenate([base, base[:, :2000]], axis=1)).save(path, quality=85)
    return path


def test_a_large_photo_is_reduced_to_max_side(big_jpeg):
    with Image.open(big_jpeg) as im:
        assert im.size == (6000, 4000)
    data = big_jpeg.read_bytes()
    assert load_image(data).shape == (683, 1024, 3)
    assert load_image(big_jpeg, max_side=512).shape == (341, 512, 3)
    assert load_image(data, max_side=limits.MAX_MAX_SIDE).shape == (1365, 2048, 3)


def _peak_memory_growth_mib(code: str, path) -> tuple[str, int]:
    """Run ``code`` (which may use ``path``) in a fresh interpreter; its output and how far its peak RSS rose.

    ``ru_maxrss`` is inherited from the forking parent, so the child resets its own high-water mark
    (Linux ``/proc/self/clear_refs``) after its imports and reads ``VmHWM``.
    """
    script = (
        "import re, sys\n"
        "from spotdiff_core import InvalidInputError, load_image\n"
        "def status(key):\n"
        "    return int(re.search(key + r':\\s+(\\d+) kB', open('/proc/self/status').read()).group(1)) // 1024\n"
        "path = sys.argv[1]\n"
        "with open('/proc/self/clear_refs', 'w') as f:\n"
        "    f.write('5')\n"
        "before = status('VmRSS')\n"
        f"{code}\n"
        "print(status('VmHWM') - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    *lines, grew = out.stdout.strip().splitlines()
    return "\n".join(lines), int(grew)


def test_a_large_photo_is_decoded_at_reduced_size(big_jpeg):
    # Decoded straight from the DCT at 1/8 scale: the full 72 MB bitmap never exists.
    shown, grew_mib = _peak_memory_growth_mib("print(load_image(path, max_side=512).shape)", big_jpeg)
    assert shown == "(341, 512, 3)"
    assert grew_mib < 40, f"peak memory grew {grew_mib} MiB while loading"


def test_a_small_picture_is_never_enlarged():
    assert load_image(encode(quadrants(400, 300), "PNG"), max_side=2048).shape == (300, 400, 3)


@pytest.mark.parametrize(
    ("w", "h", "max_side", "expected"),
    [
        (6000, 4000, 1024, (1024, 683)),
        (300, 300, 256, (256, 256)),
        (100, 5000, 1000, (20, 1000)),
        (10, 10, 1024, (10, 10)),
    ],
)
def test_working_size(w, h, max_side, expected):
    assert working_size(w, h, max_side) == expected


@pytest.mark.parametrize("max_side", [0, 10, limits.MIN_MAX_SIDE - 1, limits.MAX_MAX_SIDE + 1, 1.5, "512", True, None])
def test_a_bad_max_side_is_refused(max_side):
    with pytest.raises(InvalidInputError, match=r"max_side"):
        load_image(encode(quadrants(), "PNG"), max_side=max_side)


def test_max_side_limits_are_accepted():
    image = quadrants(600, 450)
    assert load_image(encode(image, "PNG"), max_side=limits.MIN_MAX_SIDE).shape == (192, 256, 3)
    assert load_image(encode(image, "PNG"), max_side=limits.MAX_MAX_SIDE).shape == (450, 600, 3)


# --- refusals ---------------------------------------------------------------------------------------------


def test_text_is_not_a_picture():
    with pytest.raises(InvalidInputError, match="not a picture we can read; use JPEG, PNG, WebP, GIF, BMP or TIFF"):
        load_image(b"Dear teacher,\nhere is the picture you asked for.\n" * 10)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="The picture file is empty"):
        load_image(path)
    with pytest.raises(InvalidInputError, match="empty"):
        load_image(b"")
    with pytest.raises(InvalidInputError, match="empty"):
        load_image(io.BytesIO())


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InvalidInputError, match=r"No picture file at .*missing\.jpg"):
        load_image(tmp_path / "missing.jpg")
    with pytest.raises(InvalidInputError, match="No picture file"):
        load_image(tmp_path)  # a folder


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_a_truncated_picture_is_refused(fmt):
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)  # incompressible: the cut lands in pixel data
    data = encode(noisy, fmt)
    with pytest.raises(InvalidInputError, match=r"truncated or damaged|damaged and cannot be read"):
        load_image(data[: len(data) // 2])


def test_a_cut_after_the_header_is_refused():
    data = encode(quadrants(), "PNG")
    with pytest.raises(InvalidInputError, match="truncated or damaged"):
        load_image(data[:60])


@pytest.mark.parametrize(
    ("w", "h", "says"),
    [
        (10_000, 8_000, "10000 x 8000 pixels"),
        (25_000, 100, "25000 x 100 pixels"),
        (100, 25_000, "100 x 25000 pixels"),
        (30_000, 30_000, "far too many pixels"),  # beyond even Pillow's own bomb limit
    ],
)
def test_a_picture_with_too_many_pixels_is_refused_by_its_size(w, h, says):
    with pytest.raises(InvalidInputError, match=rf"{says}; the limit is 64 megapixels and 20000 pixels a side"):
        load_image(png_header(w, h))


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path):
    # 10000 x 8000 black RGB: 240 MB of pixels squeezed into a few hundred KB.
    width, height = 10_000, 8_000
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(width, height, idat=idat))
    assert bomb.stat().st_size < 1_000_000
    code = "try:\n    load_image(path)\nexcept InvalidInputError as exc:\n    print(exc)"
    message, grew_mib = _peak_memory_growth_mib(code, bomb)
    assert "10000 x 8000 pixels; the limit is 64 megapixels" in message
    assert grew_mib < 30, f"peak memory grew {grew_mib} MiB: the pixels were decoded"


@pytest.mark.parametrize(("w", "h"), [(200, limits.MIN_IMAGE_SIDE - 1), (limits.MIN_IMAGE_SIDE - 1, 400), (40, 30)])
def test_a_picture_smaller_than_the_minimum_is_unsuitable(w, h):
    with pytest.raises(ImageUnsuitableError, match=rf"{w} x {h} pixels .* at least {limits.MIN_IMAGE_SIDE} pixels"):
        load_image(encode(quadrants(w, h), "PNG"))


def test_the_minimum_size_itself_is_accepted():
    side = limits.MIN_IMAGE_SIDE
    assert load_image(encode(quadrants(side, side), "PNG")).shape == (side, side, 3)


def test_a_panorama_too_thin_at_working_size_is_unsuitable():
    with pytest.raises(ImageUnsuitableError, match=r"1024 x 154 pixels at working size"):
        load_image(encode(quadrants(2000, 300), "PNG"), max_side=1024)


def test_a_file_over_the_upload_limit_is_refused(tmp_path, monkeypatch):
    data = encode(quadrants(), "PNG")
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", len(data) - 1)
    path = tmp_path / "big.png"
    path.write_bytes(data)
    for source in (path, data, io.BytesIO(data)):
        with pytest.raises(InvalidInputError, match=r"MiB \(MAX_UPLOAD_BYTES\)"):
            load_image(source)
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", len(data))
    assert load_image(path).shape == (300, 400, 3)


def test_the_upload_limit_message_states_both_sizes():
    data = b"\x89PNG" + b"\x00" * (limits.MAX_UPLOAD_BYTES + 10)
    with pytest.raises(InvalidInputError, match=r"is 30\.0 MiB; the limit is 30 MiB"):
        load_image(data)


def test_the_loaded_picture_is_a_fresh_writable_array():
    data = encode(quadrants(), "PNG")
    first = load_image(data)
    first[:] = 0
    assert np.array_equal(load_image(data), quadrants())


def test_not_a_picture_is_said_plainly_even_after_ultralytics_patched_pillow():
    # ultralytics replaces PIL.Image.open process-wide with one that pip-installs a HEIF plugin on unknown files.
    code = (
        "import ultralytics.utils.patches, spotdiff_core as sd\n"
        "try:\n    sd.load_image(b'hello, not a picture')\n"
        "except sd.InvalidInputError as exc:\n    print(exc)\n"
    )
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "false"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "not a picture we can read" in out.stdout, out.stderr[-2000:]
