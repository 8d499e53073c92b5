"""The core's messages said in the page's terms.

The core writes its errors and notes for the command line ("nothing to
remove: give --point, --box or --mask"); on the page a person clicks, drags
a box and paints, and has no flags to give. Each message of the core that
can reach the page and names the CLI's words is rewritten here, by pattern,
so the core keeps one wording for the CLI and the page says what to do on it.
``tests/test_serve_wording.py`` makes each one happen over HTTP.
"""

from __future__ import annotations

import re

_PAGE_TERMS: list[tuple[re.Pattern[str], str]] = [
    # Session.selection/preview, pipeline.segmented: erase or a mask asked for with nothing marked
    (re.compile(r"nothing to remove: give --point, --box or --mask"),
     "nothing is marked: click an object, drag a box around it, or paint it with the Brush"),
    # refine.exclusion_notices: a spot to keep that the object's own mask covers
    (re.compile(r"could not keep excluded point (\S+): the segmentation itself covers it \(try another click or --segmenter\)"),
     r"could not keep the spot at \1 (its - marker): the object's own mask covers it; "
     "click the object elsewhere, or take the spot away with the Brush in Keep mode"),
    # standout.nearly_everything / nothing_stands_out: the CLI's "exclude" and "mark it with a box"
    (re.compile(r"exclude what must stay, or mark it with a box"),
     "right-click (or Keep, then click) what must stay, or drag a box around the object"),
    (re.compile(r"add clicks, or mark it with a box"), "Shift-click to add to it, or drag a box around it"),
    # pipeline: the marks select nothing (a brush stroke took everything away)
    (re.compile(r"the selection is empty: the (?:prompts selected|mask selects) no pixels"),
     "nothing is selected: the marks select no pixels; click the object, drag a box around it or paint it"),
    # io.load: a photo over the pixel limit (a flag of the server, which whoever started it can raise)
    (re.compile(r"raise it with --max-pixels if you trust this file"),
     "if you trust this file, start eraser serve again with a higher --max-pixels"),
    # io.files: Save racing another save of the same file
    (re.compile(r"(\S+) exists; use --force to overwrite"), r"\1 exists (saved meanwhile from elsewhere); press Save again to replace it"),
    # registry / everything.segmenter: nothing installed for this
    (re.compile(r"; see `eraser plugins`"), "; `eraser plugins` in a terminal lists what is installed"),
    (re.compile(r"\(try another click or --segmenter\)"), "(click the object elsewhere)"),
]


def in_page_terms(text: str) -> str:
    """``text`` with every CLI wording known to reach the page said in the page's terms."""
    for pattern, words in _PAGE_TERMS:
        text = pattern.sub(words, text)
    return text
