"""Finding installed fonts for worksheets: a Latin font for English, a CJK font for Japanese, never downloaded."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import BackendUnavailableError

# Users and deployments can point at a font file themselves (a .ttf, .otf or .ttc; face 0 is used).
CJK_FONT_ENV = "SPOTDIFF_CJK_FONT"

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")  # what fpdf2 and Pillow both read

# Where common systems keep fonts, tried before asking fontconfig. (path, face index in a collection)
KNOWN_CJK_FONTS: tuple[tuple[tuple[str, int], tuple[str, int]], ...] = (
    # Debian/Ubuntu fonts-noto-cjk: face 0 of the collection is the Japanese one.
    (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 0),
    ),
    (("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 0), ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 0)),
    (
        ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 0),
        ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 0),
    ),
    (("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", 0),) * 2,
    (("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", 0),) * 2,
    (("/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc", 0), ("/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc", 0)),
    (("C:/Windows/Fonts/YuGothR.ttc", 0), ("C:/Windows/Fonts/YuGothB.ttc", 0)),
    (("C:/Windows/Fonts/msgothic.ttc", 0),) * 2,
)

KNOWN_LATIN_FONTS: tuple[tuple[tuple[str, int], tuple[str, int]], ...] = (
    (
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ),
    (("/usr/share/fonts/dejavu/DejaVuSans.ttf", 0), ("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf", 0)),
    (("/usr/share/fonts/TTF/DejaVuSans.ttf", 0), ("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf", 0)),
    (
        ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 0),
        ("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf", 0),
    ),
    (("C:/Windows/Fonts/arial.ttf", 0), ("C:/Windows/Fonts/arialbd.ttf", 0)),
)

NO_CJK_FONT_HELP = (
    "install one (Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk`, or `make system-deps`; "
    f"elsewhere any Japanese .ttf/.otf/.ttc font), or set {CJK_FONT_ENV} to such a font file, "
    "or make the worksheet in English"
)


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: the path and, for a .ttc collection, which face."""

    path: Path
    index: int = 0

    @property
    def name(self) -> str:
        return f"{self.path.name}#{self.index}" if self.index else self.path.name


@dataclass(frozen=True)
class FontSet:
    """The regular and bold faces a document writes with; ``None`` faces mean PDF's built-in Helvetica."""

    regular: FontFace | None
    bold: FontFace | None
    description: str

    @property
    def builtin(self) -> bool:
        return self.regular is None

    def covers(self, text: str) -> bool:
        """Whether both faces have a glyph for every character of ``text`` (spaces always count as covered)."""
        needed = {ord(c) for c in text if not c.isspace()}
        if self.builtin:
            return all(c < 256 for c in needed)
        return all(needed <= glyphs(face) for face in (self.regular, self.bold) if face is not None)


@lru_cache(maxsize=32)
def glyphs(face: FontFace) -> frozenset[int]:
    """The code points a font face has glyphs for (empty if the file cannot be read as a font)."""
    from fontTools.ttLib import TTFont  # a dependency of fpdf2

    try:
        with TTFont(str(face.path), fontNumber=face.index, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:  # fontTools raises many kinds on a file that is not a font
        return frozenset()


def _usable(face: FontFace) -> bool:
    return face.path.suffix.lower() in FONT_SUFFIXES and face.path.is_file()


def _fontconfig_faces(pattern: str) -> list[tuple[FontFace, str, str]]:
    """Faces fontconfig lists for a pattern, as (face, family, style); empty without fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run(
            [fc_list, pattern, "--format", "%{file}|%{index}|%{family}|%{style}\n"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for line in sorted(out.splitlines()):
        parts = line.split("|")
        if len(parts) != 4:
            continue
        try:
            index = int(parts[1] or 0)
        except ValueError:
            continue
        faces.append((FontFace(Path(parts[0]), index), parts[2], parts[3]))
    return faces


def _pick_from_fontconfig(pattern: str, sample: str) -> tuple[FontFace, FontFace] | None:
    """The best regular/bold pair fontconfig offers for ``pattern`` that has glyphs for all of ``sample``."""

    def rank(entry: tuple[FontFace, str, str]) -> tuple:
        face, family, style = entry
        family, style = family.lower(), style.lower()
        return (
            "mono" in family,  # proportional first
            not ("sans" in family or "gothic" in family),  # sans-serif reads best for children
            not ("jp" in family or "japan" in family or "gothic" in family),
            str(face.path),
            face.index,
            style,
        )

    entries = sorted(
        (
            e
            for e in _fontconfig_faces(pattern)
            if _usable(e[0]) and not {"italic", "oblique"} & set(e[2].lower().split())
        ),
        key=rank,
    )
    regulars = [e for e in entries if not {"bold", "black", "heavy"} & set(e[2].lower().replace(",", " ").split())]
    needed = {ord(c) for c in sample if not c.isspace()}
    for face, family, _style in regulars:
        if not needed <= glyphs(face):
            continue
        bolds = [
            e[0]
            for e in entries
            if e[1] == family and "bold" in e[2].lower().split() and needed <= glyphs(e[0]) and e[0] != face
        ]
        return face, (bolds[0] if bolds else face)
    return None


def _pick_known(
    candidates: Iterable[tuple[tuple[str, int], tuple[str, int]]], sample: str
) -> tuple[FontFace, FontFace] | None:
    needed = {ord(c) for c in sample if not c.isspace()}
    for (regular_path, regular_index), (bold_path, bold_index) in candidates:
        regular = FontFace(Path(regular_path), regular_index)
        if not _usable(regular) or not needed <= glyphs(regular):
            continue
        bold = FontFace(Path(bold_path), bold_index)
        if not _usable(bold) or not needed <= glyphs(bold):
            bold = regular
        return regular, bold
    return None


@lru_cache(maxsize=8)
def find_latin_fonts(sample: str = "") -> FontSet:
    """A regular and bold sans-serif font for Latin text, or PDF's built-in Helvetica if none is installed.

    Parameters
    ----------
    sample : str
        Characters the fonts must have (checked against each candidate's character map).
    """
    sample = sample + "ABCabc0123456789"
    found = _pick_known(KNOWN_LATIN_FONTS, sample) or _pick_from_fontconfig(":lang=en:spacing=proportional", sample)
    if found is None:
        return FontSet(None, None, "Helvetica (built in)")
    return FontSet(found[0], found[1], found[0].name)


def find_cjk_fonts(
    sample: str,
    *,
    env_value: str | None = None,
    known: Sequence[tuple[tuple[str, int], tuple[str, int]]] | None = KNOWN_CJK_FONTS,
    use_fontconfig: bool = True,
) -> FontSet:
    """A Japanese-capable regular and bold font that has a glyph for every character of ``sample``.

    Looks, in order, at the file named by ``$SPOTDIFF_CJK_FONT`` (or ``env_value``), at the usual
    places of Noto Sans CJK, IPAex, Hiragino and Yu Gothic, and at what fontconfig (``fc-list``)
    lists for Japanese. Nothing is ever downloaded.

    Raises
    ------
    BackendUnavailableError
        No installed font can draw the text; the message says how to install one.
    """
    explicit = env_value if env_value is not None else os.environ.get(CJK_FONT_ENV, "")
    return _find_cjk_fonts(sample, explicit, tuple(known or ()), use_fontconfig)


@lru_cache(maxsize=8)
def _find_cjk_fonts(
    sample: str, explicit: str, known: tuple[tuple[tuple[str, int], tuple[str, int]], ...], use_fontconfig: bool
) -> FontSet:
    if explicit:
        face = FontFace(Path(explicit).expanduser())
        if not face.path.is_file():
            raise BackendUnavailableError(
                f"{CJK_FONT_ENV} names {explicit!r}, which is not a file; {NO_CJK_FONT_HELP}."
            )
        if face.path.suffix.lower() not in FONT_SUFFIXES:
            raise BackendUnavailableError(
                f"{CJK_FONT_ENV} names {explicit!r}; use a {', '.join(FONT_SUFFIXES)} font file instead."
            )
        missing = sorted({c for c in sample if not c.isspace() and ord(c) not in glyphs(face)})
        if missing:
            raise BackendUnavailableError(
                f"The font {explicit!r} ({CJK_FONT_ENV}) has no glyphs for {''.join(missing[:10])!r}; "
                "choose a Japanese font such as Noto Sans CJK JP."
            )
        return FontSet(face, face, face.name)
    found = _pick_known(known, sample)
    if found is None and use_fontconfig:
        found = _pick_from_fontconfig(":lang=ja", sample)
    if found is None:
        raise BackendUnavailableError(
            "Japanese worksheets need a Japanese (CJK) font, and none is installed on this computer, "
            f"so the text would print as empty boxes: {NO_CJK_FONT_HELP}."
        )
    return FontSet(found[0], found[1], found[0].name)


def cjk_font_available(sample: str = "まちがいさがし") -> bool:
    """Whether :func:`find_cjk_fonts` would find a font (for UIs that grey out Japanese output)."""
    try:
        find_cjk_fonts(sample)
    except BackendUnavailableError:
        return False
    return True
