"""Every user-facing text of the app, one dict per language, and the `t(key, **fmt)` lookup."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES: dict[str, str] = {"en": "English", "ja": "日本語"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "lang"  # st.session_state key of the chosen language (also the ?lang= query parameter)

EN: dict[str, str] = {
    # --- app ---
    "app_title": "Spot the difference studio",
    "app_tagline": "Turn any picture into a fair spot-the-difference puzzle.",
    "language_label": "Language / 言語",
    "nav_create": "Create",
    "nav_play": "Play",
    "nav_worksheet": "Worksheet",
    "sidebar_privacy": "Your pictures are processed in memory and never stored on the server.",
    "time_format": "{minutes}:{seconds:02d}",
    # --- errors (a translated lead-in, then the library's own sentence) ---
    "error_invalid_input": "This input cannot be used.",
    "error_image_unsuitable": "This picture cannot hold the puzzle.",
    "error_backend_unavailable": "That backend cannot run here.",
    "error_puzzle_format": "This file is not a puzzle we can open.",
    "error_timeout": "Making the puzzle took too long.",
    "error_generic": "Something went wrong.",
    # --- create page ---
    "create_title": "Create a puzzle",
    "create_intro": "Pick a picture, choose how many differences and how hard they are, then press **Make the puzzle**.",
    "step_picture": "1. Picture",
    "source_label": "Picture source",
    "source_upload": "Upload",
    "source_sample": "Sample",
    "source_camera": "Camera",
    "upload_label": "Your picture",
    "upload_help": "JPEG, PNG, WebP, GIF, BMP or TIFF, up to {mb} MB.",
    "sample_label": "Sample picture",
    "sample_credit": "Credit: {credit}",
    "sample_drawing": "Drawing: house and garden",
    "sample_coffee": "Coffee cup",
    "sample_astronaut": "Astronaut",
    "sample_chelsea": "Chelsea the cat",
    "sample_rocket": "Rocket launch",
    "camera_label": "Take a photo",
    "picture_caption": "{width} × {height} px at working size",
    "picture_missing": "Upload a picture, pick a sample or take a photo to begin.",
    "step_settings": "2. Settings",
    "n_differences_label": "Number of differences",
    "difficulty_label": "Difficulty",
    "difficulty_help": "Easy: large, strong changes in eye-catching places. Hard: small, subtle changes in busy areas.",
    "difficulty_easy": "Easy",
    "difficulty_normal": "Normal",
    "difficulty_hard": "Hard",
    "kinds_label": "Kinds of change",
    "kinds_help": "Which changes the puzzle may use. More kinds make it easier to fit many differences.",
    "kinds_empty": "Choose at least one kind of change.",
    "kind_remove": "Remove",
    "kind_recolor": "Recolour",
    "kind_duplicate": "Duplicate",
    "kind_resize": "Resize",
    "kind_flip": "Flip",
    "print_safe_label": "Print-safe",
    "print_safe_help": "Every difference also changes brightness, so it survives a black-and-white printer.",
    "advanced_label": "Advanced",
    "seed_label": "Seed",
    "seed_help": "Leave empty for a new random puzzle. The same picture, settings and seed make the same puzzle.",
    "seed_placeholder": "random",
    "seed_invalid": "The seed must be a whole number from 0 to {max}; {value!r} is not.",
    "segmenter_label": "Segmenter (finds objects)",
    "inpainter_label": "Inpainter (fills removed objects)",
    "backend_auto": "auto → {name}",
    "backend_option": "{name}",
    "backend_option_unavailable": "{name} (not available)",
    "backend_status_ok": "✅ **{name}**: {reason}",
    "backend_status_missing": "❌ **{name}**: {reason}",
    "working_size_label": "Working size (long side, px)",
    "working_size_help": "The picture is reduced to this size first. Larger is sharper but slower.",
    "generate_button": "Make the puzzle",
    "stage_segmenting": "Finding objects…",
    "stage_choosing": "Choosing places…",
    "stage_editing": "Changing the picture…",
    "stage_checking": "Checking every difference…",
    "generated_in": "Made {n} differences in {seconds:.1f} s.",
    "replaced_in": "Replaced difference {id} in {seconds:.1f} s.",
    "step_review": "3. Your puzzle",
    "review_caption": "{width} × {height} px · {n} differences · {difficulty} · seed {seed} · {segmenter} / {inpainter}",
    "fewer_button": "Make {n} differences instead",
    "weak_warning": "This picture holds only {natural} natural differences of the {n} asked for: {ids} may look edited. Replace them below, or ask for fewer.",
    "answers_toggle": "Show answers",
    "answers_help": "Outline and number every difference on the changed picture.",
    "original_caption": "Original",
    "modified_caption": "With differences",
    "differences_title": "Differences",
    "difference_row": "**#{id}** {kind} · {area:.1f} % of the picture · contrast ΔE {contrast:.0f}",
    "replace_button": "Replace",
    "replace_help": "Make a new difference somewhere else instead; the others stay exactly as they are.",
    "regenerate_button": "Regenerate all",
    "regenerate_help": "A new puzzle from the same picture and settings, with a new seed.",
    "downloads_title": "Download",
    "download_bundle": "Puzzle file (.zip)",
    "download_bundle_help": "Open it on the Play page, here or wherever this app runs.",
    "download_modified": "Changed picture (PNG)",
    "download_answers": "Answer key (PNG)",
    "play_now": "Play it now",
    "make_worksheet": "Make a worksheet",
    # --- play page ---
    "play_title": "Play",
    "play_intro": "Find every difference between the two pictures: click where you see one, on either picture.",
    "play_no_puzzle": "No puzzle yet. Make one on the Create page, or open a puzzle file someone shared with you.",
    "play_try_sample": "Try a sample puzzle",
    "play_try_sample_help": "Makes a puzzle from a bundled sample picture with the usual settings.",
    "open_bundle_label": "Open a puzzle file (.zip)",
    "open_bundle_help": "A puzzle file downloaded from the Create page. It is read in memory only.",
    "opened_bundle": "Opened {name}: {n} differences.",
    "found_metric": "Found",
    "found_value": "{found} / {total}",
    "time_metric": "Time",
    "mistakes_metric": "Mistakes",
    "hints_metric": "Hints",
    "hint_button": "Hint",
    "hint_help": "Shows the rough area of one difference you have not found yet (counts as a hint).",
    "reveal_button": "Reveal all",
    "reveal_help": "Show every difference and end the game.",
    "new_game_button": "New game",
    "new_game_help": "Start this puzzle again from zero.",
    "stack_toggle": "Stack the pictures",
    "stack_help": "One picture above the other, for narrow screens.",
    "picture_a": "Picture A",
    "picture_b": "Picture B",
    "hit_message": "Found one! {found} / {total}",
    "miss_message": "Nothing different there: that counts as a mistake.",
    "already_message": "You already found that one.",
    "hint_message": "Hint: one difference is inside the dashed circle.",
    "finished_message": "You found all {total} differences in {time}. Mistakes: {mistakes} · Hints: {hints}",
    "revealed_message": "All differences shown. You found {found} of {total} in {time}. Mistakes: {mistakes} · Hints: {hints}",
    "puzzle_caption": "{n} differences · {difficulty} · {width} × {height} px",
    # --- worksheet page ---
    "ws_title": "Printable worksheet",
    "ws_intro": "Make a PDF to print: each puzzle on its own page with both pictures, a name and date line and "
    "tick boxes, plus answer keys. Several pictures or puzzle files make a numbered pack with a cover page.",
    "ws_step_puzzles": "1. Puzzles",
    "ws_step_page": "2. Page",
    "ws_source_label": "Make it from",
    "ws_source_current": "Current puzzle",
    "ws_source_files": "Pictures or puzzle files",
    "ws_no_puzzle": "There is no current puzzle yet: make one on the Create page, or upload pictures or puzzle files here.",
    "ws_current_caption": "{n} differences · {difficulty} · {width} × {height} px · seed {seed}",
    "ws_title_label": "Title on the page",
    "ws_title_placeholder": "Spot the difference",
    "ws_upload_label": "Pictures and puzzle files (.zip)",
    "ws_upload_help": "Up to {n} files. Each picture becomes a new puzzle; each puzzle file is used as it is. "
    "Files are read in memory only.",
    "ws_upload_missing": "Upload one or more pictures or puzzle files.",
    "ws_too_many": "A pack holds at most {max} puzzles; you chose {n} files. Remove some, or make several packs.",
    "ws_generation_label": "New puzzles from pictures",
    "ws_seed_help": "Leave empty for random puzzles. With a seed, picture 1 uses it, picture 2 the next number, and so on.",
    "ws_paper_label": "Paper",
    "ws_paper_a4": "A4",
    "ws_paper_letter": "US Letter",
    "ws_orientation_label": "Orientation",
    "ws_orientation_portrait": "Portrait",
    "ws_orientation_landscape": "Landscape",
    "ws_orientation_help": "Portrait puts one picture above the other; landscape puts them side by side.",
    "ws_answers_label": "Answer keys",
    "ws_answers_after": "After each puzzle",
    "ws_answers_end": "At the end",
    "ws_answers_none": "None",
    "ws_lang_label": "Language on the sheet",
    "ws_grayscale_label": "Grayscale",
    "ws_grayscale_help": "Everything in gray, for black-and-white printers. Works best with print-safe puzzles, "
    "whose differences also change brightness.",
    "ws_make_button": "Make the PDF",
    "ws_progress_start": "Starting…",
    "ws_progress_puzzles": "Preparing puzzle {done} of {total}…",
    "ws_progress_pages": "Drawing page {done} of {total}…",
    "ws_made": "Made {pages} pages in {seconds:.1f} s. Every picture prints at {dpi:.0f} dpi or more.",
    "ws_stale": "The choices changed since this PDF was made: press **Make the PDF** again to update it.",
    "ws_weak_in_gray": "Puzzle {number}: difference {ids} may be hard to see in gray. Make the puzzle print-safe, "
    "or print in colour.",
    "ws_download": "Download the PDF",
    "ws_preview_first": "First page",
    "ws_preview_puzzle": "First puzzle",
    "ws_preview_answers": "Answer key",
}

JA: dict[str, str] = {
    # --- app ---
    "app_title": "まちがいさがしスタジオ",
    "app_tagline": "どんな写真や絵も、公平なまちがいさがしに。",
    "language_label": "Language / 言語",
    "nav_create": "つくる",
    "nav_play": "あそぶ",
    "nav_worksheet": "プリント",
    "sidebar_privacy": "画像はメモリ上だけで処理し、サーバーには保存しません。",
    "time_format": "{minutes}:{seconds:02d}",
    # --- errors (a translated lead-in, then the library's own sentence) ---
    "error_invalid_input": "この入力は使えません。",
    "error_image_unsuitable": "この画像ではパズルを作れません。",
    "error_backend_unavailable": "このバックエンドはここでは動きません。",
    "error_puzzle_format": "このファイルは開けるパズルではありません。",
    "error_timeout": "パズル作成に時間がかかりすぎました。",
    "error_generic": "問題が発生しました。",
    # --- create page ---
    "create_title": "パズルをつくる",
    "create_intro": "画像を選び、まちがいの数とむずかしさを決めて **パズルをつくる** を押してください。",
    "step_picture": "1. 画像",
    "source_label": "画像の入手方法",
    "source_upload": "アップロード",
    "source_sample": "サンプル",
    "source_camera": "カメラ",
    "upload_label": "あなたの画像",
    "upload_help": "JPEG・PNG・WebP・GIF・BMP・TIFF、{mb} MB まで。",
    "sample_label": "サンプル画像",
    "sample_credit": "出典: {credit}",
    "sample_drawing": "イラスト: 家と庭",
    "sample_coffee": "コーヒーカップ",
    "sample_astronaut": "宇宙飛行士",
    "sample_chelsea": "ねこのチェルシー",
    "sample_rocket": "ロケット打ち上げ",
    "camera_label": "写真をとる",
    "picture_caption": "作業サイズ {width} × {height} px",
    "picture_missing": "画像をアップロードするか、サンプルを選ぶか、写真をとってください。",
    "step_settings": "2. 設定",
    "n_differences_label": "まちがいの数",
    "difficulty_label": "むずかしさ",
    "difficulty_help": "かんたん: 目立つ場所の大きくはっきりした変化。むずかしい: ごちゃごちゃした場所の小さくかすかな変化。",
    "difficulty_easy": "かんたん",
    "difficulty_normal": "ふつう",
    "difficulty_hard": "むずかしい",
    "kinds_label": "変化の種類",
    "kinds_help": "パズルに使う変化の種類。種類が多いほど、たくさんのまちがいを入れやすくなります。",
    "kinds_empty": "変化の種類を一つ以上選んでください。",
    "kind_remove": "消す",
    "kind_recolor": "色を変える",
    "kind_duplicate": "増やす",
    "kind_resize": "大きさを変える",
    "kind_flip": "反転",
    "print_safe_label": "白黒印刷向け",
    "print_safe_help": "どのまちがいも明るさが変わるので、白黒プリンターでも見分けられます。",
    "advanced_label": "詳細設定",
    "seed_label": "シード",
    "seed_help": "空欄なら毎回ちがうパズルになります。同じ画像・設定・シードなら同じパズルになります。",
    "seed_placeholder": "ランダム",
    "seed_invalid": "シードは 0 から {max} までの整数にしてください（{value!r} は使えません）。",
    "segmenter_label": "セグメンター（物体を見つける）",
    "inpainter_label": "インペインター（消した所を埋める）",
    "backend_auto": "auto → {name}",
    "backend_option": "{name}",
    "backend_option_unavailable": "{name}（使用不可）",
    "backend_status_ok": "✅ **{name}**: {reason}",
    "backend_status_missing": "❌ **{name}**: {reason}",
    "working_size_label": "作業サイズ（長辺 px）",
    "working_size_help": "画像はまずこの大きさに縮小されます。大きいほど細かく、時間がかかります。",
    "generate_button": "パズルをつくる",
    "stage_segmenting": "物体をさがしています…",
    "stage_choosing": "場所を選んでいます…",
    "stage_editing": "画像を変えています…",
    "stage_checking": "まちがいを一つずつ確認しています…",
    "generated_in": "{n} 個のまちがいを {seconds:.1f} 秒で作りました。",
    "replaced_in": "まちがい {id} を {seconds:.1f} 秒で作り直しました。",
    "step_review": "3. できたパズル",
    "review_caption": "{width} × {height} px · まちがい {n} 個 · {difficulty} · シード {seed} · {segmenter} / {inpainter}",
    "fewer_button": "{n} 個で作る",
    "weak_warning": "この絵に自然なまちがいは {n} 個中 {natural} 個しか作れませんでした。{ids} は加工が目立つかもしれません。下で差し替えるか、数を減らしてください。",
    "answers_toggle": "答えを表示",
    "answers_help": "変えた画像の上に、まちがいを丸で囲んで番号をつけます。",
    "original_caption": "元の画像",
    "modified_caption": "まちがいを入れた画像",
    "differences_title": "まちがい一覧",
    "difference_row": "**#{id}** {kind} · 画像の {area:.1f} % · コントラスト ΔE {contrast:.0f}",
    "replace_button": "作り直す",
    "replace_help": "このまちがいを別の場所に作り直します。ほかのまちがいはそのままです。",
    "regenerate_button": "全部作り直す",
    "regenerate_help": "同じ画像と設定で、新しいシードのパズルを作ります。",
    "downloads_title": "ダウンロード",
    "download_bundle": "パズルファイル (.zip)",
    "download_bundle_help": "「あそぶ」ページで開けます（このアプリが動いている所ならどこでも）。",
    "download_modified": "まちがいを入れた画像 (PNG)",
    "download_answers": "答え (PNG)",
    "play_now": "さっそくあそぶ",
    "make_worksheet": "プリントをつくる",
    # --- play page ---
    "play_title": "あそぶ",
    "play_intro": "2 枚の画像のちがいを全部見つけよう。見つけたら、どちらかの画像のその場所をクリック。",
    "play_no_puzzle": "まだパズルがありません。「つくる」ページで作るか、もらったパズルファイルを開いてください。",
    "play_try_sample": "サンプルであそぶ",
    "play_try_sample_help": "付属のサンプル画像から、ふつうの設定でパズルを作ります。",
    "open_bundle_label": "パズルファイルを開く (.zip)",
    "open_bundle_help": "「つくる」ページでダウンロードしたパズルファイル。メモリ上だけで読み込みます。",
    "opened_bundle": "{name} を開きました: まちがい {n} 個。",
    "found_metric": "見つけた数",
    "found_value": "{found} / {total}",
    "time_metric": "時間",
    "mistakes_metric": "おてつき",
    "hints_metric": "ヒント",
    "hint_button": "ヒント",
    "hint_help": "まだ見つけていないまちがいの、だいたいの場所を示します（ヒント 1 回に数えます）。",
    "reveal_button": "答えを全部見る",
    "reveal_help": "すべてのまちがいを表示して、ゲームを終わります。",
    "new_game_button": "最初から",
    "new_game_help": "このパズルを最初からやり直します。",
    "stack_toggle": "画像を縦にならべる",
    "stack_help": "せまい画面では、画像を上下にならべます。",
    "picture_a": "画像 A",
    "picture_b": "画像 B",
    "hit_message": "見つけた！ {found} / {total}",
    "miss_message": "そこにはまちがいはありません（おてつき 1 回）。",
    "already_message": "そこはもう見つけています。",
    "hint_message": "ヒント: 点線の円の中に、まちがいが一つあります。",
    "finished_message": "{time} で {total} 個のまちがいを全部見つけました！ おてつき: {mistakes} · ヒント: {hints}",
    "revealed_message": "答えを全部表示しました。{time} で {total} 個中 {found} 個を見つけました。おてつき: {mistakes} · ヒント: {hints}",
    "puzzle_caption": "まちがい {n} 個 · {difficulty} · {width} × {height} px",
    # --- worksheet page ---
    "ws_title": "印刷用プリント",
    "ws_intro": "印刷できる PDF をつくります。1 問 1 ページで、2 枚の画像・なまえとひづけの欄・チェック欄つき。"
    "答えのページもつけられます。複数の画像やパズルファイルから、表紙つきの番号入りドリルもつくれます。",
    "ws_step_puzzles": "1. パズル",
    "ws_step_page": "2. ページ",
    "ws_source_label": "つくるもと",
    "ws_source_current": "いまのパズル",
    "ws_source_files": "画像やパズルファイル",
    "ws_no_puzzle": "まだパズルがありません。「つくる」ページで作るか、ここで画像やパズルファイルをアップロードしてください。",
    "ws_current_caption": "まちがい {n} 個 · {difficulty} · {width} × {height} px · シード {seed}",
    "ws_title_label": "ページのタイトル",
    "ws_title_placeholder": "まちがいさがし",
    "ws_upload_label": "画像とパズルファイル (.zip)",
    "ws_upload_help": "{n} 個まで。画像からは新しいパズルをつくり、パズルファイルはそのまま使います。"
    "ファイルはメモリ上だけで読み込みます。",
    "ws_upload_missing": "画像やパズルファイルを 1 つ以上アップロードしてください。",
    "ws_too_many": "1 冊のドリルは {max} 問までです（{n} 個のファイルが選ばれています）。減らすか、何冊かに分けてください。",
    "ws_generation_label": "画像からつくるパズル",
    "ws_seed_help": "空欄なら毎回ちがうパズル。シードを入れると、1 枚目はその数、2 枚目は次の数…を使います。",
    "ws_paper_label": "用紙",
    "ws_paper_a4": "A4",
    "ws_paper_letter": "US レター",
    "ws_orientation_label": "向き",
    "ws_orientation_portrait": "たて",
    "ws_orientation_landscape": "よこ",
    "ws_orientation_help": "たて向きは画像を上下に、よこ向きは左右にならべます。",
    "ws_answers_label": "答えのページ",
    "ws_answers_after": "各問題のあと",
    "ws_answers_end": "最後にまとめて",
    "ws_answers_none": "つけない",
    "ws_lang_label": "プリントの言語",
    "ws_grayscale_label": "グレースケール",
    "ws_grayscale_help": "すべてを灰色で印刷します（白黒プリンター向け）。明るさも変わる「白黒印刷向け」のパズルと組み合わせてください。",
    "ws_make_button": "PDF をつくる",
    "ws_progress_start": "準備中…",
    "ws_progress_puzzles": "パズル {done} / {total} を準備中…",
    "ws_progress_pages": "ページ {done} / {total} を描画中…",
    "ws_made": "{seconds:.1f} 秒で {pages} ページつくりました。画像はすべて {dpi:.0f} dpi 以上で印刷されます。",
    "ws_stale": "PDF をつくったあとで設定が変わりました。もう一度 **PDF をつくる** を押してください。",
    "ws_weak_in_gray": "もんだい {number}: まちがい {ids} は灰色だと見えにくいかもしれません。白黒印刷向けでつくるか、カラーで印刷してください。",
    "ws_download": "PDF をダウンロード",
    "ws_preview_first": "1 ページめ",
    "ws_preview_puzzle": "最初の問題",
    "ws_preview_answers": "答え",
}

TEXTS: dict[str, dict[str, str]] = {"en": EN, "ja": JA}


def translate(language: str, key: str, **fmt: object) -> str:
    """The text for ``key`` in ``language`` (English if missing there), formatted with ``fmt``.

    An unknown key comes back as the key itself, so a missing text shows up on screen instead of crashing a page.
    """
    table = TEXTS.get(language, EN)
    text = table.get(key, EN.get(key, key))
    return text.format(**fmt) if fmt else text


def current_language() -> str:
    """The session's language ('en' or 'ja'); the default outside a running Streamlit script."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return DEFAULT_LANGUAGE
    import streamlit as st

    language = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **fmt: object) -> str:
    """The text for ``key`` in the session's language, formatted with ``fmt``."""
    return translate(current_language(), key, **fmt)


def t_or(key: str, fallback: str, **fmt: object) -> str:
    """Like :func:`t`, but ``fallback`` when no language has ``key`` (e.g. a sample added to the core later)."""
    return t(key, **fmt) if key in EN else fallback


def option_labels(prefix: str, *, fallback: Callable[[str], str] | None = None) -> Callable[[str], str]:
    """A widget ``format_func``: option -> the text of ``prefix + option``, or ``fallback(option)`` if there is none.

    The language is fixed when the function is made, because Streamlit (and AppTest) may call it
    outside the script run, where the session's language cannot be read.
    """
    language = current_language()

    def label(option: str) -> str:
        key = f"{prefix}{option}"
        if fallback is not None and key not in EN:
            return fallback(option)
        return translate(language, key)

    return label
