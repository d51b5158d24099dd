"""Guided creation: point at a thing to change it, point at (or paint) what must stay, and keep both in bundles."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from spotdiff_core import get_pipeline, limits, load_puzzle, puzzle_to_zip_bytes
from spotdiff_core.errors import ImageUnsuitableError, InvalidInputError, PuzzleFormatError
from spotdiff_core.guided import decode_mask, encode_mask, stored_protection
from tests.conftest import photo
from tests.helpers import guarantee_violations

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
BACKGROUND = (236, 229, 212)
# A children's-book scene: flat things with dark outlines on a plain, slightly grainy paper.
THINGS = {
    "red disk": ((90, 90), (205, 40, 40)),
    "blue disk": ((300, 80), (40, 70, 200)),
    "yellow disk": ((110, 240), (235, 190, 30)),
    "green disk": ((330, 235), (40, 150, 70)),
}
RADIUS = 34


def scene() -> np.ndarray:
    rng = np.random.default_rng(0)
    image = np.empty((320, 448, 3), np.float32)
    image[:] = BACKGROUND
    image += rng.normal(0, 1.5, image.shape)
    image = np.clip(image, 0, 255).astype(np.uint8)
    for (x, y), colour in THINGS.values():
        cv2.circle(image, (x, y), RADIUS, colour, -1, cv2.LINE_AA)
        cv2.circle(image, (x, y), RADIUS, (30, 30, 30), 3, cv2.LINE_AA)
    return image


@pytest.fixture(scope="module")
def pipeline():
    return get_pipeline("felzenszwalb", "patchmatch")


@pytest.fixture(scope="module")
def base(pipeline):
    """A one-difference puzzle of the scene, made at the red disk."""
    return pipeline.generate(scene(), n_differences=1, at=[THINGS["red disk"][0]], seed=3, max_side=448)


def _changed(puzzle) -> np.ndarray:
    return (puzzle.original.astype(int) - puzzle.modified.astype(int)).any(axis=2)


# --- point to change ----------------------------------------------------------------------------------


def test_a_point_on_a_clear_thing_changes_that_thing_naturally(base):
    (x, y), _ = THINGS["red disk"]
    assert guarantee_violations(base, n_differences=1) == []
    d = base.difference(1)
    assert d.natural, d.naturalness
    if d.kind != "duplicate":  # a duplicate's answer is where the copy went; the others change the thing itself
        assert d.mask[y, x]
        disk = np.zeros(base.shape, np.uint8)
        cv2.circle(disk, (x, y), RADIUS - 4, 1, -1)
        assert _changed(base)[disk.astype(bool)].mean() > 0.5, "the pointed thing itself changed"
    assert base.settings["pointed"] == [{"id": 1, "at": [x, y], "kind": None}]


@pytest.mark.parametrize("kind", ["recolor", "remove"])
def test_add_difference_adds_the_kind_asked_for_and_keeps_the_others(pipeline, base, kind):
    (x, y), colour = THINGS["blue disk"]
    added = pipeline.add_difference(base, (x, y), kind=kind)
    assert len(added) == 2 and guarantee_violations(added, n_differences=2) == []
    new = added.difference(2)
    assert new.kind == kind and new.natural and new.mask[y, x]
    old = base.difference(1)
    assert np.array_equal(added.difference(1).mask, old.mask)
    assert np.array_equal(added.modified[old.mask], base.modified[old.mask]), "the first difference is untouched"
    after = added.modified[y, x].astype(int)
    assert np.abs(after - np.array(colour)).sum() > 60, "the disk's colour is gone or changed"
    if kind == "remove":
        assert np.abs(after - np.array(BACKGROUND)).sum() < 30, "the paper was continued over the hole"
    assert added.settings["pointed"][-1] == {"id": 2, "at": [x, y], "kind": kind}
    assert added.settings["n_differences"] == 2


def test_a_point_just_off_a_thing_means_that_thing(pipeline, base):
    # The click tolerance of the Play page (1 % of the diagonal: 5 px here) forgives a point just outside.
    x, y = THINGS["blue disk"][0]
    added = pipeline.add_difference(base, (x + RADIUS + 4, y), kind="recolor")
    assert added.difference(2).mask[y, x], "the blue disk changed"
    with pytest.raises(ImageUnsuitableError, match="There is no separate thing"):
        pipeline.add_difference(base, (x + RADIUS + 14, y))


def test_add_difference_is_deterministic(pipeline, base):
    point = THINGS["green disk"][0]
    one, two = pipeline.add_difference(base, point, seed=4), pipeline.add_difference(base, point, seed=4)
    assert np.array_equal(one.modified, two.modified) and one.settings == two.settings


def test_a_full_puzzle_gives_its_weakest_place_to_the_pointed_thing(pipeline, monkeypatch):
    monkeypatch.setattr(limits, "MAX_DIFFERENCES", 2)  # the scene holds two differences: then it is full
    full = pipeline.generate(scene(), n_differences=2, at=[THINGS["red disk"][0]], seed=3, max_side=448)
    weakest = min(full.differences, key=lambda d: (d.natural, d.conspicuity))
    kept = next(d for d in full.differences if d.id != weakest.id)
    free = next(
        point
        for point, _ in THINGS.values()
        if not any(np.hypot(d.center[0] - point[0], d.center[1] - point[1]) < 3 * RADIUS for d in full.differences)
    )
    added = pipeline.add_difference(full, free, kind="remove")
    assert len(added) == 2 and guarantee_violations(added, n_differences=2) == []
    assert added.difference(weakest.id).mask[free[1], free[0]], "the pointed thing took the weakest one's id"
    assert np.array_equal(added.difference(kept.id).mask, kept.mask)
    assert {"id": weakest.id, "at": list(free), "kind": "remove"} in added.settings["pointed"]


def test_a_point_on_a_thing_in_a_development_photo(pipeline):
    # The astronaut: the glare on the black helmet's visor is lifted off (the visor continued over it).
    picture = photo("astronaut", 512)
    x, y = 359, 442
    puzzle = pipeline.generate(picture, n_differences=1, at=[(x, y)], seed=1, max_side=512)
    d = puzzle.difference(1)
    assert d.natural and d.kind == "remove" and d.mask[y, x]
    assert guarantee_violations(puzzle, n_differences=1) == []
    assert puzzle.original[y, x].mean() > 150 > puzzle.modified[y, x].mean(), "the white glare is gone"
    # A photo's things are not repainted (no recolour of a photo passed a blind review): one sentence.
    with pytest.raises(ImageUnsuitableError, match=r"No change of the thing at \(359, 442\).*tried: recolor"):
        pipeline.generate(picture, n_differences=1, at=[(359, 442, "recolor")], seed=1, max_side=512)


@pytest.mark.parametrize(
    ("point", "reason"),
    [
        ((20, 300), "There is no separate thing at (20, 300)"),  # plain paper
        ((220, 160), "There is no separate thing at (220, 160)"),  # between the disks
    ],
)
def test_a_point_on_background_is_refused_in_one_sentence(pipeline, base, point, reason):
    with pytest.raises(ImageUnsuitableError) as info:
        pipeline.add_difference(base, point)
    message = str(info.value)
    assert message.startswith(reason) and "\n" not in message and message.endswith(".")


def test_a_point_next_to_a_difference_or_on_a_face_is_refused(pipeline, base):
    x, y = THINGS["red disk"][0]
    with pytest.raises(ImageUnsuitableError, match=r"is on or next to difference 1"):
        pipeline.add_difference(base, (x + 5, y))
    astronaut = pipeline.generate(photo("astronaut", 512), n_differences=1, at=[(359, 442)], seed=1)
    with pytest.raises(ImageUnsuitableError, match=r"is in a protected area"):
        pipeline.add_difference(astronaut, (225, 120))  # her face


def test_a_point_in_a_protected_place_is_refused(pipeline, base):
    point = THINGS["yellow disk"][0]
    kept = pipeline.protect(base, [point])
    with pytest.raises(ImageUnsuitableError, match=r"is in a protected area"):
        pipeline.add_difference(kept, point)


def test_points_outside_the_picture_or_malformed_are_invalid_input(pipeline, base):
    for point in ((500, 10), (-1, 10), (10, float("nan")), "here", (1, 2, 3, 4)):
        with pytest.raises(InvalidInputError):
            pipeline.add_difference(base, point)
    with pytest.raises(InvalidInputError, match="Unknown kind"):
        pipeline.add_difference(base, THINGS["blue disk"][0], kind="paint")
    with pytest.raises(InvalidInputError, match="3 points were given but only 2 differences"):
        pipeline.generate(scene(), n_differences=2, at=[(1, 1), (2, 2), (3, 3)])


# --- point to protect ---------------------------------------------------------------------------------


def test_protecting_a_difference_moves_it_elsewhere(pipeline, base):
    x, y = THINGS["red disk"][0]
    kept = pipeline.protect(base, [(x, y)])
    area = stored_protection(kept.settings, kept.shape)
    assert area[y, x] and area.sum() >= np.pi * RADIUS**2 * 0.8, "the whole disk under the click is kept"
    assert not _changed(kept)[area].any(), "nothing changes in the kept area"
    assert len(kept) == 1 and guarantee_violations(kept, n_differences=1) == []
    assert "pointed" not in kept.settings or all(p["id"] != 1 for p in kept.settings["pointed"])


def _rectangles(draw, shape):
    h, w = shape
    mask = np.zeros(shape, bool)
    for _ in range(draw(st.integers(1, 3))):
        x0, y0 = draw(st.integers(0, w - 20)), draw(st.integers(0, h - 20))
        mask[y0 : y0 + draw(st.integers(10, 140)), x0 : x0 + draw(st.integers(10, 140))] = True
    return mask


@st.composite
def protect_masks(draw):
    return _rectangles(draw, (320, 448))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mask=protect_masks(), seed=st.integers(0, 2**32 - 1))
def test_protected_masks_are_never_touched(pipeline, mask, seed):
    picture = scene()
    try:
        puzzle = pipeline.generate(picture, n_differences=2, seed=seed, protect=mask, max_side=448)
    except ImageUnsuitableError:
        return  # the rest of the scene cannot hold two: refusing is the honest answer
    assert not _changed(puzzle)[mask].any()
    assert not any((d.mask & mask).any() for d in puzzle.differences)
    assert np.array_equal(stored_protection(puzzle.settings, puzzle.shape), mask)
    # Replace and regenerate keep off it too (replace reads it from the puzzle).
    try:
        replaced = pipeline.replace_difference(puzzle, 1, seed=seed + 1)
    except ImageUnsuitableError:
        replaced = None
    if replaced is not None:
        assert not _changed(replaced)[mask].any()
        assert np.array_equal(stored_protection(replaced.settings, replaced.shape), mask)
    again = load_puzzle(puzzle_to_zip_bytes(puzzle))
    assert np.array_equal(stored_protection(again.settings, again.shape), mask)


# --- bundles ------------------------------------------------------------------------------------------


def test_a_bundle_reopens_with_its_protected_area_and_pointed_differences(pipeline, base):
    kept = pipeline.protect(base, [THINGS["green disk"][0]])
    added = pipeline.add_difference(kept, THINGS["blue disk"][0], kind="recolor")
    again = load_puzzle(puzzle_to_zip_bytes(added))
    assert again.settings["pointed"] == added.settings["pointed"]
    assert np.array_equal(
        stored_protection(again.settings, again.shape), stored_protection(added.settings, added.shape)
    )
    with pytest.raises(ImageUnsuitableError, match="protected area"):
        pipeline.add_difference(again, THINGS["green disk"][0])


def test_mask_runs_round_trip_and_damaged_ones_are_one_sentence():
    rng = np.random.default_rng(1)
    for mask in (np.zeros((5, 7), bool), np.ones((5, 7), bool), rng.random((40, 30)) > 0.7):
        assert np.array_equal(decode_mask(encode_mask(mask), mask.shape), mask)
    good = encode_mask(rng.random((8, 8)) > 0.5)
    for bad in (
        None,
        {"shape": [8, 9], "runs": good["runs"]},
        {"shape": [8, 8], "runs": good["runs"][:-1]},
        {"shape": [8, 8], "runs": [-1, 65]},
        {"shape": [8, 8], "runs": [True, 63]},
        {"shape": [8, 8], "runs": "64"},
    ):
        with pytest.raises(PuzzleFormatError, match=r"protected area in puzzle\.json is damaged"):
            decode_mask(bad, (8, 8))


@pytest.mark.parametrize(
    "guided",
    [
        {"pointed": [{"id": 1, "at": [9999, 1], "kind": None}]},
        {"pointed": [{"id": 1, "at": [1, 1], "kind": "<img src=x>"}]},
        {"pointed": "all"},
        {"protected": {"shape": [1, 1], "runs": [1]}},
        {"other": 1},
    ],
)
def test_a_hostile_guided_record_is_refused_on_opening(base, guided):
    import io
    import json
    import zipfile

    data = puzzle_to_zip_bytes(base)
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        files = {name: zin.read(name) for name in zin.namelist()}
    doc = json.loads(files["puzzle.json"])
    doc["guided"] = guided
    files["puzzle.json"] = json.dumps(doc).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for name, content in files.items():
            zout.writestr(name, content)
    with pytest.raises(PuzzleFormatError) as info:
        load_puzzle(out.getvalue())
    assert "\n" not in str(info.value)


# --- command line -------------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spotdiff_core", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def scene_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("guided") / "scene.png"
    # Twice the working size, each pixel doubled: loading it at 448 px gives back exactly the scene.
    Image.fromarray(scene()).resize((896, 640), Image.NEAREST).save(path)
    return path


def test_cli_at_and_protect_use_the_file_pixels(scene_file, tmp_path):
    out = tmp_path / "puzzle"
    (rx, ry), _ = THINGS["red disk"]
    (gx, gy), _ = THINGS["green disk"]
    done = _cli(
        "generate",
        str(scene_file),
        "-n",
        "2",
        "--max-side",
        "448",
        "--seed",
        "5",
        "--at",
        f"{rx * 2},{ry * 2}:remove",
        "--protect",
        f"{gx * 2},{gy * 2}",
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    puzzle = load_puzzle(out)
    assert puzzle.difference(1).kind == "remove" and puzzle.difference(1).mask[ry, rx]
    assert puzzle.settings["pointed"] == [{"id": 1, "at": [rx, ry], "kind": "remove"}]
    area = stored_protection(puzzle.settings, puzzle.shape)
    assert area[gy, gx] and not _changed(puzzle)[area].any()


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--at", "1,2,3"], 2, "a point is X,Y"),
        (["--at", "10,20:paint"], 2, "unknown kind 'paint'"),
        (["--protect", "x,y"], 2, "a point is X,Y"),
        (["--at", "5000,20"], 2, "outside the picture, which is 896 x 640 pixels"),
        (["-n", "1", "--at", "100,100", "--at", "300,300"], 1, "2 points were given but only 1 differences"),
        (["--at", "40,600"], 1, "There is no separate thing"),
    ],
)
def test_cli_point_errors_are_one_line(scene_file, tmp_path, args, code, says):
    done = _cli("generate", str(scene_file), "--max-side", "448", *args, "-o", str(tmp_path / "p"))
    assert done.returncode == code
    assert says in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "p").exists()


# --- the Create page ----------------------------------------------------------------------------------


def _png(image: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def _point_click(at, x: float, y: float, *, stamp: int, scale: float = 0.75) -> None:
    """Fake a click of streamlit-image-coordinates on the guide picture, shown at ``scale``."""
    puzzle = at.session_state["puzzle"]
    at.session_state["create_point_click"] = {
        "x": x * scale,
        "y": y * scale,
        "width": puzzle.width * scale,
        "height": puzzle.height * scale,
        "unix_time": stamp,
    }
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_point_to_change_and_point_to_protect_on_the_create_page(lang):
    from streamlit.testing.v1 import AppTest

    from spotdiff_app.i18n import EN, JA

    table = EN if lang == "en" else JA
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    if lang != "en":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/create.py").run()
    at.button_group(key="create_source").set_value("upload").run()
    at.file_uploader(key="create_upload").set_value(("scene.png", _png(scene()), "image/png"))
    at.slider(key="create_n").set_value(1)
    at.select_slider(key="create_max_side").set_value(512)
    at.text_input(key="create_seed").set_value("3")
    at.run()
    at.button(key="create_generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    first = at.session_state["puzzle"]
    assert len(first) == 1

    # Point to change: a click on a disk no difference is near adds difference 2 there.
    at.button_group(key="create_point_mode").set_value("change").run()
    assert table["point_change_hint"] in [c.value for c in at.caption]
    centre = first.difference(1).center
    free = next(p for p, _ in THINGS.values() if np.hypot(p[0] - centre[0], p[1] - centre[1]) > 3 * RADIUS)
    _point_click(at, *free, stamp=1)
    added = at.session_state["puzzle"]
    assert len(added) == 2 and added.settings["pointed"][-1]["at"] == list(free)
    assert table["added_in"].split("{")[0] in at.success[0].value
    at.run()  # the component sends its last click again on every rerun: acted on once
    assert at.session_state["puzzle"] is added

    # A click on the paper is refused in one sentence beside the picture, and nothing changes.
    _point_click(at, 20, 300, stamp=2)
    assert at.session_state["puzzle"] is added
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"**{table['point_refused']}** There is no separate thing")

    # Point to protect: a click on difference 2's disk keeps it, and difference 2 goes elsewhere.
    at.button_group(key="create_point_mode").set_value("protect").run()
    assert table["point_protect_hint"] in [c.value for c in at.caption]
    _point_click(at, *free, stamp=3)
    kept = at.session_state["puzzle"]
    area = stored_protection(kept.settings, kept.shape)
    assert area[free[1], free[0]] and len(kept) == 2
    assert not (kept.original != kept.modified).any(axis=2)[area].any()
    assert table["protected_in"].split("{")[0].split("(")[0].split("（")[0] in at.success[0].value


@pytest.mark.parametrize(
    "settings_patch",
    [
        {"kinds": 5},
        {"max_side": "big"},
        {"max_side": None},
        {"replaced": 7},
        {"difficulty": ["x"]},
        {"fill_weak": "yes"},
    ],
)
def test_settings_from_a_shared_file_that_make_no_sense_fall_back_to_defaults(pipeline, base, settings_patch):
    # A puzzle file carrying such settings is refused when it is opened, in one sentence naming the field;
    # a puzzle made in code may still carry anything, and replace and add must not crash on it.
    import dataclasses
    import io
    import json
    import zipfile

    data = puzzle_to_zip_bytes(base)
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        files = {name: zin.read(name) for name in zin.namelist()}
    doc = json.loads(files["puzzle.json"])
    doc["settings"].update(settings_patch)
    files["puzzle.json"] = json.dumps(doc).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for name, content in files.items():
            zout.writestr(name, content)
    with pytest.raises(PuzzleFormatError, match=rf"puzzle\.json: settings\.{next(iter(settings_patch))} must be"):
        load_puzzle(out.getvalue())
    shared = dataclasses.replace(base, settings={**base.settings, **settings_patch})
    added = pipeline.add_difference(shared, THINGS["green disk"][0], kind="remove")
    assert len(added) == 2 and guarantee_violations(added, n_differences=2) == []
    replaced = pipeline.replace_difference(added, 2, seed=1)
    assert len(replaced) == 2
