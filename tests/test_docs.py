"""The documentation holds together: every relative link and #anchor in
README.md, bench/README.md and docs/*.md resolves (anchors as GitHub makes
them from headings), and the docs site builds with ``mkdocs build --strict``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^\s*(```|~~~)")
# [text](target) and ![alt](target); the text may hold one level of [brackets]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+).*?\1")


def prose_lines(text: str, keep_code_spans: bool = False):
    """(line number, line) outside fenced code blocks, inline code removed
    unless ``keep_code_spans`` (headings name files in backticks)."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield number, line if keep_code_spans else CODE_SPAN.sub("", line)


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading: its text lower-cased, everything but
    word characters, spaces and hyphens dropped, spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = text.replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The #anchors a markdown file's headings make (repeats get -1, -2, ...)."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose_lines(path.read_text(), keep_code_spans=True):
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = github_slug(m.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """'file:line: target (why)' for each relative link or anchor of ``page`` that does not resolve."""
    problems = []
    for number, line in prose_lines(page.read_text()):
        for target in LINK.findall(line):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path_part, _, anchor = target.partition("#")
            dest = (page.parent / path_part).resolve() if path_part else page
            where = f"{page.relative_to(root)}:{number}: {target}"
            if not dest.exists():
                problems.append(f"{where} (no such file)")
            elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
                problems.append(f"{where} (no heading makes #{anchor})")
    return problems


def test_the_pages_exist():
    names = {p.name for p in PAGES}
    assert {"README.md", "cli.md", "page.md", "batch.md", "everything.md", "models.md", "quality.md",
            "development.md", "plugins.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page):
    assert broken_links(page) == []


def test_the_checker_finds_a_broken_link_and_a_broken_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# `speed.py`: 12 MP speed\n\n## Results\n\n## Results\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[fine](other.md#speedpy-12-mp-speed) [second](other.md#results-1) [self](#a-title)\n"
        "# A title\n"
        "[gone](missing.md) [bad anchor](other.md#nope) `[in code](missing.md)`\n"
        "```\n[in a block](missing.md)\n```\n"
    )
    assert broken_links(page, root=tmp_path) == ["page.md:3: missing.md (no such file)", "page.md:3: other.md#nope (no heading makes #nope)"]


def test_the_readme_stays_short():
    """The README is the five-minute page; reference text belongs in docs/."""
    assert len((ROOT / "README.md").read_text().splitlines()) <= 300


def test_mkdocs_builds_the_site_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs comes with the test extra")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("cli", "page", "batch", "everything", "models", "quality", "plugins", "development"):
        assert (tmp_path / "site" / name / "index.html").is_file()
