"""The project's varied review set (photos and drawings) rendered as a gallery of contact sheets for a person to judge.

    .venv/bin/python benchmarks/review_set.py --out /tmp/gallery [--difficulties easy,normal,hard] [--only NAME,...]

Photos: scikit-image's astronaut, coffee, chelsea, rocket and the left view of stereo_motorcycle; ultralytics'
bus.jpg and zidane.jpg (skipped when ultralytics is not installed); the photos and drawings in ../shared/review/
(skipped when that folder is absent: the project does not depend on it). Drawings: the built-in sample:drawing
and the three children's-book scenes of spotdiff_core.drawings. Each manifest entry carries its category
(photo or drawing) so a review can report the two shares separately.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from spotdiff_core.errors import SpotDiffError  # noqa: E402
from spotdiff_core.gallery import GalleryPicture, add_gallery_options, gallery_from_args, load_picture  # noqa: E402

REVIEW_FOLDER = ROOT.parent / "shared" / "review"
REVIEW_PHOTOS = ("colosseum.jpg", "chambord.jpg", "san_marcos.jpg", "kitten.jpg", "pig.jpg")
REVIEW_DRAWINGS = ("autumn.png", "spring.png", "band.png", "sphinx.png")
ULTRALYTICS_PHOTOS = ("bus.jpg", "zidane.jpg")


def ultralytics_assets() -> Path | None:
    """The `assets` folder inside the installed ultralytics package (found without importing it), or None."""
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "assets"
    return folder if folder.is_dir() else None


def review_set() -> tuple[list[tuple[str, str]], list[str]]:
    """The review pictures as (gallery PICTURE argument, category), and notes about what was skipped.

    ``skimage:NAME`` names a scikit-image photo that is not one of the app's samples; :func:`load` reads it.
    """
    pictures: list[tuple[str, str]] = [
        (f"sample:{name}", "photo") for name in ("astronaut", "coffee", "chelsea", "rocket")
    ]
    pictures.append(("skimage:motorcycle_left", "photo"))
    notes = []
    assets = ultralytics_assets()
    if assets is None:
        notes.append("ultralytics is not installed: bus.jpg and zidane.jpg skipped")
    else:
        for name in ULTRALYTICS_PHOTOS:
            if (assets / name).is_file():
                pictures.append((str(assets / name), "photo"))
            else:
                notes.append(f"{assets / name} not found: skipped")
    if REVIEW_FOLDER.is_dir():
        for names, category in ((REVIEW_PHOTOS, "photo"), (REVIEW_DRAWINGS, "drawing")):
            for name in names:
                if (REVIEW_FOLDER / name).is_file():
                    pictures.append((str(REVIEW_FOLDER / name), category))
                else:
                    notes.append(f"{REVIEW_FOLDER / name} not found: skipped")
    else:
        notes.append(f"{REVIEW_FOLDER} does not exist: its photos and drawings skipped")
    pictures.append(("sample:drawing", "drawing"))
    pictures += [(f"drawing:{name}", "drawing") for name in ("street", "kitchen", "park")]
    return pictures, notes


def load(spec: str, category: str, *, max_side: int) -> GalleryPicture | None:
    """Load one review picture; None for an optional scikit-image photo this version does not ship."""
    if spec.startswith("skimage:"):
        from skimage import data

        from spotdiff_core.loading import resize_to_max_side

        name = spec.partition(":")[2]
        if name == "motorcycle_left":  # scikit-image ships it as the left view of a stereo pair
            loader = getattr(data, "motorcycle_left", None) or (lambda: data.stereo_motorcycle()[0])
        else:
            loader = getattr(data, name, None)
        if loader is None:
            return None
        try:
            image = loader()[..., :3]
        except Exception:  # optional photo: a version that would download it offline is skipped
            return None
        return GalleryPicture(spec=spec, name=name, category=category, image=resize_to_max_side(image, max_side))
    return load_picture(spec, max_side=max_side, category=category)


def short_name(spec: str) -> str:
    """The name a picture has in the gallery's file names (what --only takes)."""
    prefix, _, key = spec.partition(":")
    return key if prefix in ("sample", "drawing", "skimage") and key else Path(spec).stem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_gallery_options(parser)
    parser.add_argument("--only", default="", metavar="NAME,...", help="only these pictures, by short name")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        pictures, notes = review_set()
        if args.only:
            wanted = {n.strip() for n in args.only.split(",") if n.strip()}
            unknown = wanted - {short_name(spec) for spec, _ in pictures}
            if unknown:
                names = ", ".join(short_name(spec) for spec, _ in pictures)
                print(
                    f"error: no review picture named {', '.join(sorted(unknown))}; choose from {names}", file=sys.stderr
                )
                return 2
            pictures = [(spec, cat) for spec, cat in pictures if short_name(spec) in wanted]
        loaded = []
        for spec, category in pictures:
            picture = load(spec, category, max_side=args.max_side)
            if picture is None:
                notes.append(f"{spec} is not shipped by this scikit-image: skipped")
            else:
                loaded.append(picture)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        manifest = gallery_from_args(loaded, args)
    except SpotDiffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    made = Counter(e["category"] for e in manifest["sheets"] if not e["error"])
    failed = Counter(e["category"] for e in manifest["sheets"] if e["error"])
    crashed = Counter(e["category"] for e in manifest["sheets"] if e["crashed"])
    per_category = ", ".join(
        f"{category}: {made[category]} made, {failed[category]} not made"
        + (f" ({crashed[category]} crashed)" if crashed[category] else "")
        for category in sorted(made | failed)
    )
    print(
        f"{len(loaded)} pictures, {len(manifest['sheets'])} sheets ({per_category}) in {args.out} "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
