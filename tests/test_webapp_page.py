"""The Mini App's built page (bot/webapp/static) is committed: it must match its sources,
stay small, and load nothing inline or from another origin (the server's CSP forbids both).

The bundle is built by `npm ci && npm run build` in webapp/; these tests need no npm.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
WEBAPP = ROOT / "webapp"
STATIC = ROOT / "bot" / "webapp" / "static"
SOURCE_FILES = (
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
)
JS_LIMIT = 200 * 1024
REBUILD = (
    "the built page is stale: run `npm ci && npm run build` in webapp/ and commit bot/webapp/static"
)


def source_hash() -> str:
    """What webapp/scripts/source-hash.mjs records: sha256 over "path\\0bytes\\0", by path."""
    paths = [WEBAPP / name for name in SOURCE_FILES]
    paths += [p for p in (WEBAPP / "src").rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(WEBAPP).as_posix() for p in paths):
        digest.update(rel.encode() + b"\0")
        digest.update((WEBAPP / rel).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_the_committed_bundle_was_built_from_the_current_sources() -> None:
    recorded = (STATIC / "SOURCES.sha256").read_text(encoding="ascii").strip()
    assert recorded == source_hash(), REBUILD


def test_the_page_is_well_under_200_kb_of_javascript() -> None:
    scripts = sorted((STATIC / "assets").glob("*.js"))
    assert scripts, REBUILD
    raw = sum(len(p.read_bytes()) for p in scripts)
    zipped = sum(len(gzip.compress(p.read_bytes(), 9, mtime=0)) for p in scripts)
    assert raw < JS_LIMIT, f"{raw} bytes of JavaScript ({zipped} gzip'd): over {JS_LIMIT}"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.problems: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"inline {name}= on <{tag}>")
        if tag == "style":
            self.problems.append("inline <style>")
        if tag == "script":
            if not named.get("src"):
                self.problems.append("inline <script>")
            self._open = "script"
        for name in ("src", "href"):
            value = named.get(name)
            if value is not None:
                self.refs.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open == "script" and data.strip():
            self.problems.append("script with inline code")


def test_index_html_has_no_inline_script_or_style_and_loads_only_its_own_files() -> None:
    page = _Page()
    page.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert page.problems == []
    assert page.refs, "index.html loads nothing: " + REBUILD
    for ref in page.refs:
        if ref == "data:,":  # the empty icon: no request at all
            continue
        parts = urlsplit(ref)
        assert (parts.scheme, parts.netloc) == ("", ""), f"{ref} is from another origin"
        assert ref.startswith("./assets/"), f"{ref} is not a bundled file"
        assert (STATIC / ref).is_file(), f"{ref} is missing: " + REBUILD


def test_the_styles_fetch_no_fonts_or_images_from_elsewhere() -> None:
    for css in (STATIC / "assets").glob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            assert not re.match(r"(?i)([a-z]+:)?//", url), f"{css.name} loads {url}"


def test_the_scripts_import_nothing_at_run_time() -> None:
    for js in (STATIC / "assets").glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert not re.search(r"\bimport\s*\(\s*['\"`](https?:)?//", text), js.name
        assert not re.search(r"\bimport\s*(?:[\w{},*\s]+from\s*)?['\"](https?:)?//", text), js.name
        assert "fonts.googleapis" not in text and "cdn." not in text, js.name
