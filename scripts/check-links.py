#!/usr/bin/env python3
"""Checks the links that stay inside the project, which mdBook does not check.

  python3 scripts/check-links.py [BOOK_DIR]

1. The built site (BOOK_DIR, default target/book, as book.toml builds it): every relative
   href and src of every page resolves to a file of the site, and every #fragment to an id
   (or <a name>) of the page it points at. A link to a Markdown file outside docs/ (which
   mdBook turns into a missing .html) or to a heading that was renamed fails here.
2. The Markdown read in the repository on GitHub (README.md, CONTRIBUTING.md, rules/*.md):
   every relative link resolves to a file or folder of the repository, and a #fragment into
   a Markdown file to one of its headings (GitHub's anchors) or explicit anchors.

Addresses with a scheme (https:, mailto:) are not fetched: the check runs without a
network. Prints each broken link as FILE: LINK: why, and exits 1 when there is one.
"""

from __future__ import annotations

import bisect
import html.parser
import os
import re
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY_MARKDOWN = ["README.md", "CONTRIBUTING.md", "rules/*.md"]


class Page(html.parser.HTMLParser):
    """The ids a page defines and the links it makes (attribute values, as written)."""

    LINKING = {"href", "src"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif tag == "base" and name == "href":
                self.base = value
            elif name in self.LINKING:
                self.links.append(value)

    handle_startendtag = handle_starttag


def external(link: str) -> bool:
    """Whether the link leaves the site: it has a scheme, or is protocol-relative."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link)) or link.startswith("//")


def check_site(book: Path) -> list[str]:
    pages: dict[Path, Page] = {}
    for path in sorted(book.rglob("*.html")):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        pages[path.resolve()] = page
    if not pages:
        return [f"{book}: no HTML page (build the site first: mdbook build)"]
    problems = []
    for path, page in pages.items():
        # mdBook's 404 page has <base href="/">: its links are from the site's root.
        if page.base is not None and page.base.startswith("/"):
            base_dir = book.resolve() / page.base.lstrip("/")
        else:
            base_dir = path.parent
        for link in page.links:
            if external(link) or link == "#":
                continue
            where = f"{path.relative_to(book.resolve())}: {link}"
            parsed = urllib.parse.urlsplit(link)
            target_path = urllib.parse.unquote(parsed.path)
            if target_path:
                if target_path.startswith("/"):
                    problems.append(f"{where}: an absolute path, which breaks under a sub-path")
                    continue
                target = Path(os.path.normpath(base_dir / target_path))
                if target_path.endswith("/") or target.is_dir():
                    target = target / "index.html"
            else:
                target = path
            if not target.is_relative_to(book.resolve()):
                problems.append(f"{where}: leaves the site")
                continue
            if not target.is_file():
                problems.append(f"{where}: no such file in the site")
                continue
            fragment = urllib.parse.unquote(parsed.fragment)
            if fragment and target.suffix == ".html":
                ids = pages[target.resolve()].ids
                if fragment not in ids:
                    problems.append(f"{where}: no id `{fragment}` in {target.name}")
    return problems


def outside_fences(text: str) -> list[str]:
    """The lines of the text, those of fenced code blocks (fences included) blanked."""
    out = []
    fence = None
    for line in text.split("\n"):
        stripped = line.strip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if fence is None and marker:
            fence = marker.group(1)
            out.append("")
        elif fence is not None:
            # A closing fence: the opening's character, at least as many, nothing after.
            if stripped.startswith(fence) and stripped == fence[0] * len(stripped):
                fence = None
            out.append("")
        else:
            out.append(line)
    return out


def without_code(text: str) -> str:
    """The text with fenced blocks and code spans blanked (same line count), so that what
    they show is not read as links."""
    return "\n".join(
        re.sub(r"`+[^`]*`+", lambda m: " " * len(m.group(0)), line) for line in outside_fences(text)
    )


def github_anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file (lower case; punctuation
    other than `-` and `_` dropped; spaces to `-`; `-1`, `-2`... for repeats), and the
    explicit ones (<a id=...>, <a name=...>)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for line in outside_fences(text):
        for explicit in re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", line):
            anchors.add(explicit)
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        title = heading.group(1)
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link: its text
        title = re.sub(r"<[^>]+>", "", title)  # inline HTML
        title = title.replace("`", "").replace("*", "")
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)


def check_repository() -> list[str]:
    files = []
    for pattern in REPOSITORY_MARKDOWN:
        files.extend(sorted(ROOT.glob(pattern)))
    anchors_of: dict[Path, set[str]] = {}
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        searchable = without_code(text)
        # Line numbers by bisecting the newlines' offsets: counting from the start for each
        # link would be quadratic in a page of many links.
        newlines = [i for i, c in enumerate(searchable) if c == "\n"]
        for match in LINK.finditer(searchable):
            link = match.group(1) or match.group(2)
            if external(link):
                continue
            line = bisect.bisect_left(newlines, match.start()) + 1
            where = f"{path.relative_to(ROOT)}:{line}: {link}"
            parsed = urllib.parse.urlsplit(link)
            target_path = urllib.parse.unquote(parsed.path)
            target = Path(os.path.normpath(path.parent / target_path)) if target_path else path
            if not target.is_relative_to(ROOT):
                problems.append(f"{where}: leaves the repository")
                continue
            if not target.exists():
                problems.append(f"{where}: no such file or folder")
                continue
            fragment = urllib.parse.unquote(parsed.fragment)
            if fragment and target.suffix == ".md":
                if target not in anchors_of:
                    anchors_of[target] = github_anchors(target.read_text(encoding="utf-8"))
                if fragment not in anchors_of[target]:
                    problems.append(f"{where}: no heading with the anchor `{fragment}`")
    return problems


def main() -> int:
    book = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "book"
    problems = check_site(book) + check_repository()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} broken links", file=sys.stderr)
        return 1
    pages = sum(1 for _ in book.rglob("*.html"))
    print(f"links checked: {pages} pages of {book}, and {', '.join(REPOSITORY_MARKDOWN)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
