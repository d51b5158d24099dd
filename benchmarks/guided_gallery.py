"""Automatic versus guided puzzles of the same pictures, as contact sheets for a blind review.

For each picture the script makes an automatic puzzle of N natural differences (or as many as the picture
holds) and a guided one: it points at the listed things in order, as a person would, keeping each point the
engine accepts and going on to the next after a refusal, until N are made. Sheets are named by a random
letter per picture, so a reviewer cannot tell which is which; ``key.json`` says which is which and how
many points were refused (with their sentences).

    python -m benchmarks.guided_gallery POINTS.json --out DIR [-n 3] [--seed 1]

POINTS.json maps a picture (a path, sample:NAME or drawing:NAME) to points [[x, y], ...] in working pixels
(long side 1024), in the order a person would try them.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from PIL import Image

from spotdiff_core.errors import ImageUnsuitableError
from spotdiff_core.gallery import contact_sheet, load_picture
from spotdiff_core.generator import get_pipeline


def guided(pipeline, image, points, n: int, seed: int):
    """The puzzle of the first ``n`` points the engine accepts, and the refusals met on the way."""
    puzzle, refused = None, []
    for point in points:
        if puzzle is not None and len(puzzle) >= n:
            break
        try:
            if puzzle is None:
                puzzle = pipeline.generate(image, n_differences=1, at=[tuple(point)], seed=seed)
            else:
                puzzle = pipeline.add_difference(puzzle, tuple(point), seed=seed)
        except ImageUnsuitableError as error:
            refused.append({"point": point, "why": str(error)})
    return puzzle, refused


def automatic(pipeline, image, n: int, seed: int):
    try:
        return pipeline.generate(image, n_differences=n, seed=seed), None
    except ImageUnsuitableError as error:
        if not error.held:
            return None, str(error)
        return pipeline.generate(image, n_differences=error.held, seed=seed), str(error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("points", help="JSON file: picture -> [[x, y], ...]")
    parser.add_argument("--out", required=True)
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pipeline = get_pipeline()
    letters = random.Random(args.seed)
    key = {}
    for spec, points in json.loads(Path(args.points).read_text()).items():
        picture = load_picture(spec)
        made = {
            "automatic": automatic(pipeline, picture.image, args.n, args.seed),
            "guided": guided(pipeline, picture.image, points, args.n, args.seed),
        }
        order = ["automatic", "guided"]
        letters.shuffle(order)
        key[picture.name] = {}
        for letter, mode in zip("AB", order, strict=True):
            puzzle, note = made[mode]
            entry = {"mode": mode, "differences": 0 if puzzle is None else len(puzzle), "note": note}
            if puzzle is not None:
                name = f"{picture.name}-{letter}.png"
                Image.fromarray(contact_sheet(puzzle, title=f"{picture.name} {letter}")).save(out / name)
                entry["sheet"] = name
            key[picture.name][letter] = entry
            print(picture.name, letter, mode, entry["differences"], flush=True)
    (out / "key.json").write_text(json.dumps(key, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
