"""Every limit and threshold of the product, stated once; messages quote these names' values."""

from __future__ import annotations

# --- Input pictures -------------------------------------------------------
MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # 30 MiB per picture file
MAX_SOURCE_PIXELS = 64_000_000  # decoded size refused above this (decompression-bomb guard)
MAX_SOURCE_SIDE = 20_000  # either side, in pixels
MIN_IMAGE_SIDE = 160  # the shorter side, after loading, must be at least this

# --- Working size -----------------------------------------------------------
DEFAULT_MAX_SIDE = 1024  # long side of the working picture
MIN_MAX_SIDE = 256
MAX_MAX_SIDE = 2048

# --- Puzzles ----------------------------------------------------------------
MIN_DIFFERENCES = 1
MAX_DIFFERENCES = 10
DEFAULT_DIFFERENCES = 5
DIFFICULTIES = ("easy", "normal", "hard")
KINDS = ("remove", "recolor", "duplicate", "resize", "flip")

# --- The puzzle guarantees (GUIDE section 4) ---------------------------------
MIN_CONTRAST_DELTA_E = 10.0  # mean CIE76 dE over an answer region
MIN_PRINT_SAFE_DELTA_L = 8.0  # mean |dL| over an answer region in print-safe mode
CHANGED_PIXEL_DELTA_E = 5.0  # a pixel counts as visibly changed above this dE
MIN_CHANGED_FRACTION = 0.25  # share of an answer region that must be visibly changed
MIN_REGION_FRACTION = 0.001  # answer region area / picture area
MAX_REGION_FRACTION = 0.10
MIN_SPACING_FRACTION = 0.02  # gap between two answer regions / picture diagonal

# --- Saved puzzles and packs --------------------------------------------------
MAX_BUNDLE_BYTES = 80 * 1024 * 1024  # a puzzle .zip as uploaded
MAX_BUNDLE_MEMBER_BYTES = 60 * 1024 * 1024  # one file inside it, uncompressed
MAX_BUNDLE_TOTAL_BYTES = 150 * 1024 * 1024  # all files inside it, uncompressed
MAX_BUNDLE_FILES = 8
MAX_BUNDLE_DIRECTORY_BYTES = 64 * 1024  # a bundle's zip file list (central directory), checked before it is read
MAX_JSON_BYTES = 1024 * 1024
MAX_PACK_PUZZLES = 30  # puzzles in one worksheet pack

# --- Uploads held on the server, per session (checked as each file arrives) ---------
MAX_SESSION_UPLOAD_FILES = MAX_PACK_PUZZLES + 3  # a pack's files, the Create page's picture and photo, a bundle
MAX_SESSION_UPLOAD_BYTES = 300 * 1024 * 1024

# --- Printed worksheets ----------------------------------------------------------
MIN_PRINT_DPI = 150  # every picture is placed at no less than this many pixels per inch
PAGE_MARGIN_MM = 15.0  # inside the printable area of every office and school printer (they need 5 to 12 mm)

# --- Running ------------------------------------------------------------------
GENERATION_TIME_LIMIT_S = 120.0  # one generation is stopped after this many seconds
PACK_TIME_LIMIT_S = 120.0  # the app stops making a worksheet pack after this many seconds (checked between puzzles)
