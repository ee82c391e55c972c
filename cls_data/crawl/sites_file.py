"""`sites.toml`: news sites as configuration for the generic spider, validated with one-line errors.

    [[site]]
    name = "tagesschau"                 # letters, digits, - and _; not the name of a site spider
    lang = "de"                         # the articles' language (pages in another one are dropped)
    start = ["https://www.tagesschau.de/inland/"]   # pages, feeds or sitemaps (sniffed); optional
    feeds = ["https://www.tagesschau.de/index~rss2.xml"]   # optional
    sitemaps = []                       # optional; robots.txt's are always read
    article_path = "/[a-z]+/.+-\\d+\\.html$"   # optional regex; default: the generic URL rule
    [site.selectors]                    # optional CSS overrides, tried before the generic rules
    title = "h1 .seitenkopf__headline"  # a string or a list of strings
    lead = "p.textabsatz strong"
    body = "div.article-body p"
    date = "time[datetime]"

The format is documented in docs/generic-crawl.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomllib

from cls_data.crawl.generic import Selectors
from cls_data.crawl.generic_spider import SiteDef
from cls_data.errors import ClsDataError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_LANG = re.compile(r"^[a-zA-Z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
_KEYS = {"name", "lang", "start", "feeds", "sitemaps", "article_path", "selectors"}
_SELECTOR_KEYS = ("title", "lead", "body", "date")


def load_sites(path: Path, taken: set[str] = frozenset()) -> list[SiteDef]:
    """The sites of a sites.toml; `taken` are names already in use (the site spiders')."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClsDataError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ClsDataError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"site"})
    if unknown:
        raise ClsDataError(f"{path}: unknown key {unknown[0]!r} (a site is a [[site]] table)")
    rows = data.get("site")
    if not isinstance(rows, list) or not rows:
        raise ClsDataError(f"{path}: no [[site]] table")
    sites: list[SiteDef] = []
    for i, row in enumerate(rows):
        site = _site(row, f"{path}: site[{i}]")
        if site.name in taken or any(s.name == site.name for s in sites):
            raise ClsDataError(f"{path}: site[{i}].name: {site.name!r} is already the name of another site")
        sites.append(site)
    return sites


def _site(row: dict[str, Any], where: str) -> SiteDef:
    unknown = sorted(set(row) - _KEYS)
    if unknown:
        raise ClsDataError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}")
    name = _string(row, "name", where, required=True)
    if not _NAME.match(name):
        raise ClsDataError(f"{where}.name: {name!r} is not a site name (lower-case letters, digits, '.', '-', '_')")
    lang = _string(row, "lang", where, required=True)
    if not _LANG.match(lang):
        raise ClsDataError(f"{where}.lang: {lang!r} is not a language code (such as de, id, pt-BR)")
    urls = {key: _urls(row, key, where) for key in ("start", "feeds", "sitemaps")}
    every = [u for key in urls for u in urls[key]]
    if not every:
        raise ClsDataError(f"{where}: give at least one URL in start, feeds or sitemaps")
    hosts = {(urlsplit(u).hostname or "").removeprefix("www.") for u in every}
    if len(hosts) > 1:
        raise ClsDataError(
            f"{where}: its URLs name {len(hosts)} hosts ({', '.join(sorted(hosts))}); one site is one host"
        )
    article_path = _string(row, "article_path", where)
    if article_path:
        try:
            re.compile(article_path)
        except re.error as exc:
            raise ClsDataError(f"{where}.article_path: not a regular expression: {exc}") from None
    first = urlsplit(every[0])
    return SiteDef(
        name=name,
        base_url=f"{first.scheme}://{first.netloc}",
        lang=lang,
        start=urls["start"],
        feeds=urls["feeds"],
        sitemaps=urls["sitemaps"],
        article_path=article_path or None,
        selectors=_selectors(row.get("selectors"), f"{where}.selectors"),
        source=where,
    )


def _string(row: dict[str, Any], key: str, where: str, required: bool = False) -> str:
    value = row.get(key)
    if value is None:
        if required:
            raise ClsDataError(f"{where}.{key}: missing")
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ClsDataError(f"{where}.{key}: must be a non-empty string, got {value!r}")
    return value.strip()


def _urls(row: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        raise ClsDataError(f"{where}.{key}: must be a URL or a list of URLs, got {value!r}")
    for j, url in enumerate(values):
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ClsDataError(f"{where}.{key}[{j}]: not an absolute http(s) URL: {url!r}")
    return tuple(v.strip() for v in values)


def _selectors(value: Any, where: str) -> Selectors:
    if value is None:
        return Selectors()
    if not isinstance(value, dict):
        raise ClsDataError(f"{where}: must be a table with {', '.join(_SELECTOR_KEYS)}")
    unknown = sorted(set(value) - set(_SELECTOR_KEYS))
    if unknown:
        raise ClsDataError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(_SELECTOR_KEYS)}")
    from parsel import Selector

    found: dict[str, tuple[str, ...]] = {}
    for key, css in value.items():
        items = [css] if isinstance(css, str) else css
        if not isinstance(items, list) or not all(isinstance(c, str) and c.strip() for c in items):
            raise ClsDataError(f"{where}.{key}: must be a CSS selector or a list of them, got {css!r}")
        for c in items:
            try:
                Selector(text="<p></p>").css(c)
            except Exception as exc:  # noqa: BLE001 - cssselect raises several kinds
                raise ClsDataError(f"{where}.{key}: not a CSS selector: {c!r} ({exc})") from None
        found[key] = tuple(items)
    return Selectors(**found)
