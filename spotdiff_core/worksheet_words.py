"""The words printed on a worksheet, in English and Japanese (one table, filled in by key)."""

from __future__ import annotations

from typing import Any

from .errors import InvalidInputError

LANGUAGES = ("en", "ja")

# --- The words on the page ---------------------------------------------------------------
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Spot the difference",
        "instruction": "Find the {n} differences!",
        "instruction_one": "Find the 1 difference!",
        "name": "Name",
        "date": "Date",
        "original": "Original picture",
        "modified": "Changed picture",
        "original_short": "Original",
        "modified_short": "Changed",
        "found": "Found:",
        "badge": "Puzzle {number}",
        "version": "Version {label}",
        "answers": "Answers",
        "answers_for": "Puzzle {number}",
        "answers_for_version": "Puzzle {number} · Version {label}",
        "cover_title": "Spot the difference",
        "cover_subtitle": "Puzzle pack · {n} puzzles",
        "col_number": "No.",
        "col_title": "Puzzle",
        "col_differences": "Differences",
        "col_difficulty": "Difficulty",
        "col_page": "Page",
        "answers_after": "The answer key follows each puzzle.",
        "answers_end": "The answer keys are at the end of the pack.",
        "answers_none": "This pack has no answer keys.",
        "footer": "spotdiff studio",
        "seed": "seed {seed}",
        "page": "Page {page} of {total}",
        "difficulty_easy": "Easy",
        "difficulty_normal": "Normal",
        "difficulty_hard": "Hard",
        "difficulty_unknown": "–",
        "kind_remove": "something removed",
        "kind_recolor": "colour changed",
        "kind_duplicate": "something added",
        "kind_resize": "size changed",
        "kind_flip": "flipped",
    },
    "ja": {
        "heading": "まちがいさがし",
        "instruction": "まちがいを {n} こ さがそう",
        "instruction_one": "まちがいを 1 こ さがそう",
        "name": "なまえ",
        "date": "ひづけ",
        "original": "もとの え",
        "modified": "かわった え",
        "original_short": "もと",
        "modified_short": "かわった",
        "found": "みつけた：",
        "badge": "もんだい {number}",
        "version": "{label} パターン",
        "answers": "こたえ",
        "answers_for": "もんだい {number}",
        "answers_for_version": "もんだい {number} · {label} パターン",
        "cover_title": "まちがいさがし ドリル",
        "cover_subtitle": "{n} もん",
        "col_number": "ばんごう",
        "col_title": "もんだい",
        "col_differences": "まちがい",
        "col_difficulty": "むずかしさ",
        "col_page": "ページ",
        "answers_after": "こたえは それぞれの もんだいの つぎの ページに あります。",
        "answers_end": "こたえは さいごの ページに あります。",
        "answers_none": "こたえは ついていません。",
        "footer": "spotdiff studio",
        "seed": "シード {seed}",
        "page": "{page} / {total} ページ",
        "difficulty_easy": "やさしい",
        "difficulty_normal": "ふつう",
        "difficulty_hard": "むずかしい",
        "difficulty_unknown": "–",
        "kind_remove": "なくなった もの",
        "kind_recolor": "いろが ちがう",
        "kind_duplicate": "ふえた もの",
        "kind_resize": "おおきさが ちがう",
        "kind_flip": "むきが ちがう",
    },
}


def worksheet_text(lang: str, key: str, **values: Any) -> str:
    """One string of the printed page in ``lang`` ("en" or "ja"), with ``{placeholders}`` filled in."""
    if lang not in TEXTS:
        raise InvalidInputError(f"Unknown worksheet language {lang!r}; choose {', '.join(LANGUAGES)}.")
    return TEXTS[lang][key].format(**values)


def instruction_text(lang: str, n_differences: int) -> str:
    """The instruction printed above the pictures, e.g. "Find the 5 differences!"."""
    key = "instruction_one" if n_differences == 1 else "instruction"
    return worksheet_text(lang, key, n=n_differences)
