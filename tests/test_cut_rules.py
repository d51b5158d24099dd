"""Things are lifted out only where they come away cleanly, and recolours stay in colours things are painted.

The cut rule (naturalness.attached): a removal, resize or flip cuts a thing out along its hole; a duplicate
cuts it along its outline. Where that line on a plain surround is crossed by other things (an arm, a stem,
rays), cutting it out leaves parts floating: refused before the fill. A thing set in texture or a pattern
is filled, and the fill is judged by whether what crossed into the hole goes on (naturalness.dangling):
stripes continued pass, a smear in weeds does not.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from spotdiff_core import edits
from spotdiff_core.color import rgb_to_lab
from spotdiff_core.edits import EditContext, is_garish, recolor, remove
from spotdiff_core.inpainters import INPAINTERS
from spotdiff_core.naturalness import HARD_LIMITS, LIMITS, attached, dangling, verdict
from spotdiff_core.objectness import measure_cues, picture_edges
from spotdiff_core.regions import Candidate
from spotdiff_core.segmenters.base import Segment

H, W = 240, 320
WALL = (225, 215, 190)


def disc(cx: int = 160, cy: int = 120, r: int = 24) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    cv2.circle(mask, (cx, cy), r, 1, -1)
    return mask.astype(bool)


def plain_with_ball(colour=(40, 70, 200)) -> tuple[np.ndarray, np.ndarray]:
    image = np.full((H, W, 3), WALL, np.uint8)
    ball = disc()
    image[ball] = colour
    return image, ball


def lamp_on_an_arm() -> tuple[np.ndarray, np.ndarray]:
    """A ball held by a dark arm reaching in from the picture's edge: the arm is not part of the ball."""
    image, ball = plain_with_ball()
    cv2.line(image, (0, 120), (140, 120), (40, 40, 40), 5)
    return image, ball


def sun_with_rays() -> tuple[np.ndarray, np.ndarray]:
    image, ball = plain_with_ball((250, 200, 40))
    for angle in np.arange(0, 360, 30):
        t = np.deg2rad(angle)
        start = (int(160 + 27 * np.cos(t)), int(120 + 27 * np.sin(t)))
        end = (int(160 + 45 * np.cos(t)), int(120 + 45 * np.sin(t)))
        cv2.line(image, start, end, (230, 150, 20), 3)
    return image, ball


def ball_in_weeds() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    image = np.full((H, W, 3), (70, 120, 50), np.uint8)
    for _ in range(700):  # blades of grass: short dark and light strokes
        x, y = int(rng.integers(0, W)), int(rng.integers(0, H))
        shade = (30, 70, 25) if rng.random() < 0.5 else (140, 190, 90)
        cv2.line(image, (x, y), (x + int(rng.integers(-4, 5)), y - int(rng.integers(6, 14))), shade, 1)
    ball = disc()
    image[ball] = (200, 40, 40)
    return image, ball


def drawn_ball() -> tuple[np.ndarray, np.ndarray]:
    """A children's-book ball: a flat colour with a 4 px black outline stroke; the mask is the colour only."""
    image, _ = plain_with_ball((220, 60, 60))
    cv2.circle(image, (160, 120), 26, (20, 20, 20), 4)
    return image, disc(r=23)


def hole_of(mask: np.ndarray, radius: int = 5) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * radius + 1,) * 2, np.uint8)).astype(bool)


def edges(image: np.ndarray) -> np.ndarray:
    return picture_edges(rgb_to_lab(image))


# --- the score ---------------------------------------------------------------------------------------


def test_a_thing_on_a_plain_surface_is_not_attached():
    image, ball = plain_with_ball()
    assert attached(hole_of(ball), edges(image)) <= LIMITS["attached"] / 3


@pytest.mark.parametrize("scene", [lamp_on_an_arm, sun_with_rays, ball_in_weeds], ids=["arm", "rays", "weeds"])
def test_a_thing_crossed_by_others_or_set_in_texture_is_attached(scene):
    image, ball = scene()
    assert attached(hole_of(ball), edges(image)) > LIMITS["attached"]


def test_a_cut_out_is_judged_past_its_own_outline_stroke():
    image, ball = drawn_ball()
    at_the_edge = attached(ball, edges(image))
    past_the_stroke = attached(ball, edges(image), offsets=edits.CUT_OFFSETS)
    assert at_the_edge > 0.9  # the stroke itself
    assert past_the_stroke <= LIMITS["attached"]


# --- the rule, in the edits -------------------------------------------------------------------------


def candidate_of(image: np.ndarray, mask: np.ndarray) -> Candidate:
    lab = rgb_to_lab(image)
    smooth = cv2.GaussianBlur(lab, (0, 0), 1.0)
    gx, gy = cv2.Sobel(lab[..., 0], cv2.CV_32F, 1, 0), cv2.Sobel(lab[..., 0], cv2.CV_32F, 0, 1)
    segment = Segment.from_mask(mask)
    x0, y0, _, _ = segment.bbox
    cues = measure_cues(
        segment.local_mask, (x0, y0), lab_smooth=smooth, gradient=cv2.magnitude(gx, gy), edges_near=edges(image)
    )
    ring = hole_of(mask, 8) & ~mask
    contrast = float(np.linalg.norm(lab[mask].mean(0) - lab[ring].mean(0)))
    return Candidate(segment, mask.mean(), contrast, 1.0, 0.0, 0.5, cues, True)


class CountingInpainter:
    """The built-in PatchMatch, counting how often it is asked to fill."""

    def __init__(self):
        self.inner, self.calls = INPAINTERS.create("patchmatch")[0], 0

    def inpaint(self, image, mask, *, seed=0, source=None):
        self.calls += 1
        return self.inner.inpaint(image, mask, seed=seed, source=source)


def context(image: np.ndarray, *, relaxed: bool = False, inpainter=None) -> EditContext:
    lab = rgb_to_lab(image)
    return EditContext(
        image=image, lab=lab, gradient=np.zeros((H, W), np.float32), blocked=np.zeros((H, W), bool), spacing=6,
        rng=np.random.default_rng(0), inpainter=inpainter or CountingInpainter(), strength=edits.STRENGTHS["normal"],
        print_safe=False, lab_smooth=cv2.GaussianBlur(lab, (0, 0), 1.0), edges_near=edges(image), relaxed=relaxed,
    )  # fmt: skip


def test_a_thing_on_an_arm_is_not_removed_and_costs_no_fill():
    image, ball = lamp_on_an_arm()
    ctx = context(image)
    assert remove(candidate_of(image, ball), ctx) is None
    assert ctx.inpainter.calls == 0  # refused before the costly fill


def test_a_sun_without_its_rays_is_never_natural():
    # Rays all around read as texture: the hole is filled, and the fill (rays with no sun) fails the gate.
    image, ball = sun_with_rays()
    result = remove(candidate_of(image, ball), context(image))
    assert result is None or verdict(result.naturalness) is not None, result.naturalness


def ball_on_stripes() -> tuple[np.ndarray, np.ndarray]:
    image = np.full((H, W, 3), (90, 160, 90), np.uint8)
    image[np.arange(H) // 6 % 2 == 0] = (70, 120, 70)  # a striped tablecloth
    ball = disc()
    image[ball] = (200, 40, 40)
    return image, ball


def test_a_fill_on_a_pattern_is_judged_by_whether_it_continues_the_pattern():
    image, ball = ball_on_stripes()
    hole = hole_of(ball)
    assert attached(hole, edges(image)) > LIMITS["attached"]  # the stripes cross its cut
    continued = np.where(ball[..., None], np.roll(image, 36, axis=1), image)  # the stripes run on behind it
    blotch = image.copy()
    blotch[hole] = (80, 140, 80)
    assert dangling(hole, edges(image), edges(continued)) <= LIMITS["dangling"]
    assert dangling(hole, edges(image), edges(blotch)) > HARD_LIMITS["dangling"]
    # The engine lifts things out of a pattern only in the fallback tier, and then says how it went.
    ctx = context(image)
    assert remove(candidate_of(image, ball), ctx) is None and ctx.inpainter.calls == 0
    result = remove(candidate_of(image, ball), context(image, relaxed=True))
    assert result is not None and "dangling" in result.naturalness and "attached" not in result.naturalness


def test_a_smear_in_weeds_is_caught_as_dangling():
    image, ball = ball_in_weeds()
    smear = image.copy()
    hole = hole_of(ball)
    smear[hole] = image[~hole].mean(axis=0).astype(np.uint8)  # one flat colour: every blade stops at it
    lab_edges = edges(image)
    after = edges(smear)
    assert dangling(hole, lab_edges, after) > HARD_LIMITS["dangling"]
    # The engine does not lift a thing out of weeds in the natural tier at all (no fill is even tried).
    ctx = context(image)
    assert remove(candidate_of(image, ball), ctx) is None and ctx.inpainter.calls == 0


def test_the_fallback_tier_removes_it_but_flags_the_cut():
    image, ball = lamp_on_an_arm()
    result = remove(candidate_of(image, ball), context(image, relaxed=True))
    assert result is not None
    assert result.naturalness["attached"] > LIMITS["attached"]


def test_a_drawn_thing_is_removed_with_its_outline_stroke():
    image, ball = drawn_ball()
    result = remove(candidate_of(image, ball), context(image))
    assert result is not None, "a drawn ball on a plain wall comes away cleanly"
    assert result.naturalness["attached"] <= LIMITS["attached"]
    stroke = hole_of(ball, 6) & ~ball
    left_dark = (result.image[stroke].astype(int).sum(axis=1) < 200).mean()
    assert left_dark < 0.02, "no ring of the black outline is left floating"
    assert not (result.image != image).any(axis=2)[~result.mask].any()


def test_removing_the_same_thing_twice_fills_once():
    image, ball = plain_with_ball()
    ctx = context(image)
    ctx.drawn = False  # a photo: filled by the inpainter (flat paint in a drawing is painted over, see membrane)
    cand = candidate_of(image, ball)
    first, second = remove(cand, ctx), remove(cand, ctx)
    assert ctx.inpainter.calls == 1
    assert np.array_equal(first.image, second.image) and np.array_equal(first.mask, second.mask)


# --- recolours: colours things are painted -----------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "garish"),
    [(-30, 60, True), (-45, 45, True), (60, 40, False), (10, 70, False), (-50, 10, False), (20, -50, False)],
    ids=["lime", "chartreuse", "red", "yellow", "green", "blue"],
)
def test_lime_is_garish_and_common_paints_are_not(a, b, garish):
    assert is_garish(a, b) == garish


@pytest.mark.parametrize("seed", range(12))
def test_a_yellow_thing_is_never_turned_lime(seed):
    image, ball = plain_with_ball((235, 205, 40))
    ctx = context(image)
    ctx.rng = np.random.default_rng(seed)
    result = recolor(candidate_of(image, ball), ctx)
    if result is None:
        return  # both turns lead to lime: refused, which is right
    _, a, b = rgb_to_lab(result.image)[ball].mean(axis=0)
    assert not is_garish(float(a), float(b)), (a, b)


def test_a_shiny_grey_thing_is_not_painted():
    image, ball = plain_with_ball((150, 150, 150))
    yy, xx = np.mgrid[:H, :W]
    shine = np.clip(255 - 9 * np.hypot(xx - 150, yy - 110), 60, 255)  # a metal ball's highlight
    image[ball] = np.repeat(shine[ball][:, None], 3, axis=1).astype(np.uint8)
    cand = candidate_of(image, ball)
    assert cand.cues.inside_spread > edits.MAX_NEUTRAL_SPREAD
    assert recolor(cand, context(image)) is None
    matte_image, matte = plain_with_ball((150, 150, 150))
    assert recolor(candidate_of(matte_image, matte), context(matte_image)) is not None


# --- clone fill: texture keeps its grain ------------------------------------------------------------


def grass(seed: int = 2) -> np.ndarray:
    """(H, W, 3) uint8: fine, even stochastic texture (grass from afar), no structure to continue."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (H, W)).astype(np.float32), (0, 0), 1.0)
    noise /= noise.std()
    image = np.stack([70 + 16 * noise, 140 + 24 * noise, 60 + 12 * noise], axis=-1)
    return np.clip(image, 0, 255).astype(np.uint8)


def test_a_hole_in_grass_is_covered_with_grass_of_the_same_grain():
    from spotdiff_core.clone import clone_fill
    from spotdiff_core.naturalness import fill_scores

    image = grass()
    ball = disc(r=20)
    image[ball] = (200, 40, 40)
    hole = hole_of(ball)
    lab = rgb_to_lab(image)
    out = clone_fill(image, cv2.GaussianBlur(lab, (0, 0), 1.0), hole, hole)
    assert out is not None
    assert not (out != image).any(axis=2)[~hole].any(), "only the hole changes"
    red = (np.abs(out.astype(int) - (200, 40, 40)).sum(axis=2) < 60)[hole]
    assert not red.any(), "nothing of the ball is left"
    scores = fill_scores(lab, rgb_to_lab(out), hole, ring_width=12)
    assert scores["flat"] < 0.3 and scores["foreign"] < 0.05, scores  # PatchMatch smears this to flat > 0.5


def test_no_clone_when_nothing_beside_the_hole_matches_its_surround():
    from spotdiff_core.clone import clone_fill

    image = grass()
    image[disc(r=34)] = (150, 150, 155)  # the ball lies on a small grey mat: no other piece of mat anywhere
    ball = disc(r=20)
    image[ball] = (200, 40, 40)
    hole = hole_of(ball)
    lab = cv2.GaussianBlur(rgb_to_lab(image), (0, 0), 1.0)
    assert clone_fill(image, lab, hole, hole) is None


@pytest.mark.parametrize(
    ("a", "b", "lightness", "garish"),
    [(-40, -20, 85, True), (-40, 10, 80, True), (-40, -20, 50, False), (20, 60, 85, False)],
    ids=["light-cyan", "light-green", "dark-teal", "light-orange"],
)
def test_a_light_strong_green_or_cyan_glows_like_neon(a, b, lightness, garish):
    assert is_garish(a, b, lightness) == garish
