"""Protected areas: faces found by the cascade or by a pair of eyes are never touched by any change."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from spotdiff_core import generate_puzzle
from spotdiff_core.generator import get_pipeline
from spotdiff_core.protect import eye_pair_mask, face_mask, find_faces
from spotdiff_core.segmenters.base import Segment
from tests.conftest import photo

H, W = 300, 400


def _blob_segments(centres, radius=9, lightness=15.0):
    lab = np.zeros((H, W, 3), np.float32)
    lab[..., 0] = 70.0
    segments = []
    for cx, cy in centres:
        mask = np.zeros((H, W), np.uint8)
        cv2.circle(mask, (cx, cy), radius, 1, -1)
        lab[mask.astype(bool)] = (lightness, 0.0, 0.0)  # dark, alike
        segments.append(Segment.from_mask(mask.astype(bool)))
    return segments, lab


def test_a_pair_of_eyes_protects_the_face_around_them():
    segments, lab = _blob_segments([(170, 120), (215, 120)])
    mask = eye_pair_mask(segments, lab)
    assert mask[120, 170] and mask[120, 215] and mask[150, 192]  # both eyes and the nose/mouth between and below
    assert not mask[20, 20] and not mask[280, 380]


@pytest.mark.parametrize(
    "centres",
    [
        [(120, 120), (165, 120), (210, 120)],  # three alike in a row: windows or buttons, not eyes
        [(170, 120), (215, 190)],  # not level
        [(100, 120), (300, 120)],  # too far apart for one face
    ],
)
def test_blobs_that_are_not_a_pair_of_eyes_protect_nothing(centres):
    segments, lab = _blob_segments(centres)
    assert not eye_pair_mask(segments, lab).any()


@pytest.mark.parametrize("lightness", [55.0, 62.0, 85.0])
def test_a_pair_of_blobs_barely_darker_than_their_surround_is_no_pair_of_eyes(lightness):
    # Blobs of grass, fur or a facade: they protected a third to two thirds of most review photos.
    segments, lab = _blob_segments([(170, 120), (215, 120)], lightness=lightness)
    assert not eye_pair_mask(segments, lab).any()


def test_the_astronauts_face_is_found_and_never_changed():
    image = photo("astronaut", 512)
    faces = find_faces(image)
    assert faces, "the cascade finds the astronaut's frontal face"
    protected = face_mask(image.shape[:2], faces)
    assert 0.01 < protected.mean() < 0.3
    analysis = get_pipeline().analyse(image)
    assert (analysis.protected >= protected).all()  # faces are part of what the pipeline protects
    for seed in (0, 1):
        # Filled up with weaker changes (natural-only is the default): those must keep off the face too.
        puzzle = generate_puzzle(image, n_differences=5, seed=seed, max_side=512, fill_weak=True)
        for d in puzzle.differences:
            assert not (d.mask & analysis.protected).any(), f"seed {seed}: difference {d.id} touches a face"
        assert np.array_equal(puzzle.modified[analysis.protected], image[analysis.protected])


def test_a_round_patch_of_skin_is_protected_as_a_head_whatever_its_pose():
    # A bald head in profile: no eyes to pair, no frontal face for the cascade; a round skin-toned blob.
    from spotdiff_core.color import rgb_to_lab
    from spotdiff_core.protect import head_mask

    image = np.full((300, 400, 3), (40, 40, 50), np.uint8)  # a dark suit or background
    cv2.ellipse(image, (200, 140), (40, 52), 0, 0, 360, (205, 150, 120), -1)  # the head
    cv2.rectangle(image, (20, 250), (380, 262), (205, 150, 120), -1)  # a long skin-toned bar: not a head
    mask = head_mask(rgb_to_lab(image))
    assert mask[140, 200] and mask[140, 245] and mask[85, 200], "the head and a margin around it"
    assert not mask[256, 60:340].any(), "a long bar of the same colour is no head"
    assert mask.mean() < 0.12
