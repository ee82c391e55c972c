"""Field extraction from an article page: site selectors first, then JSON-LD and meta fallbacks.

Every extractor returns `(value, rule)` so the crawl can count which rule produced each field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsel import Selector

from cls_data.text import normalize, normalize_paragraphs

# Paragraphs inside these (between the body container and the paragraph) are captions, bylines,
# related-article or recommendation boxes or ads, never body text. Their names are looked for in
# the class, the id and the attributes sites mark parts with (dantri 2026: data-slot="related-news").
_SKIP_TAGS = {"figure", "figcaption", "table", "script", "style", "aside", "nav", "footer"}
# ("block_ads_connect" is on vnexpress's whole article: "ads" counts only as a word of its own.)
_SKIP_CLASS = re.compile(
    r"caption|relate|recommend|suggest|author|byline|breadcrumb|tinlienquan|tin-lien-quan|xem-them"
    r"|doc-them|more-news|other-news|(^|\s)ads?(\s|$)|advert",
    re.IGNORECASE,
)
_MARKS = ("class", "id", "type", "data-slot", "data-role", "data-type", "data-box")
_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right")
_BLOCKS = " or ".join(f"self::{tag}" for tag in ("p", "h2", "h3", "li", "blockquote"))
_VN = timezone(timedelta(hours=7))
_DMY = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:\D{1,12}?(\d{1,2})[:h](\d{2}))?")
_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|zarsrc$|zacc$)")


def text_of(node: Selector) -> str:
    return normalize(" ".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()))


def json_ld(sel: Selector) -> dict:
    """The first JSON-LD object of an article type (NewsArticle, Article, ...), or {}."""
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if isinstance(obj, dict):
                kind = obj.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                    return obj
                stack.extend(obj.get("@graph", []))
            elif isinstance(obj, list):
                stack.extend(obj)
    return {}


def meta(sel: Selector, *names: str) -> str | None:
    for name in names:
        value = sel.xpath(f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']/@content").get()
        if value and normalize(value):
            return normalize(value)
    return None


def first_text(sel: Selector, selectors: Sequence[str], skip: Sequence[str] = ()) -> tuple[str | None, str | None]:
    """Text of the first selector that matches non-empty text, and that selector as the rule."""
    for css in selectors:
        for node in sel.css(css):
            for bad in skip:  # e.g. a location stamp printed in its own <span>
                for junk in node.css(bad):
                    junk.drop()
            value = text_of(node)
            if value:
                return value, css
    return None, None


def paragraphs(sel: Selector, selectors: Sequence[str], skip: Sequence[str] = ()) -> tuple[str | None, str | None]:
    """Body paragraphs of the first selector that yields any, captions/bylines/related boxes left out."""
    for css in selectors:
        lines = _lines(sel.css(css), skip)
        if lines:
            return "\n".join(lines), css
    return None, None


def container_paragraphs(
    sel: Selector, tag: str = "article", skip: Sequence[str] = ()
) -> tuple[str | None, str | None]:
    """The last resort: paragraphs of the page's outermost `<tag>`, the story only.

    Such a container also holds the sapo (give its selectors in `skip`) and, below the story, the
    related-news and recommendation boxes, whose teasers are often `<article>`s of their own: those
    are left out, so a layout change costs the body's fine selectors, never its cleanliness.
    """
    lines = _lines(sel.xpath(f"//{tag}[not(ancestor::{tag})]")[:1], skip)
    return ("\n".join(lines), tag) if lines else (None, None)


def _lines(nodes, skip: Sequence[str]) -> list[str]:
    if not nodes:
        return []
    for bad in skip:  # site-specific junk (e.g. an inline "read more" box)
        for node in nodes.css(bad):
            node.drop()
    lines: list[str] = []
    for node in nodes:
        # A selector may name the paragraphs themselves or their container.
        direct = node.root.tag in ("p", "h2", "h3")
        blocks = [node] if direct else node.xpath(f"./descendant::*[{_BLOCKS}]")
        for block in blocks:
            if _skipped(block.root, None if direct else node.root):
                continue
            line = text_of(block)
            if line:
                lines.append(line)
    return lines


def _skipped(element, container) -> bool:
    """A block that is (or sits inside) a caption, byline, related box, ad or another block."""
    el = element
    while el is not None:
        if el is not element and el is not container and el.tag in ("p", "h2", "h3", "li", "blockquote"):
            return True  # nested block: its text is taken with its parent
        marks = " ".join(el.get(name) or "" for name in _MARKS)
        if el.tag in _SKIP_TAGS or _SKIP_CLASS.search(marks) or _RIGHT_ALIGNED.search(el.get("style") or ""):
            return True
        if container is not None and el is not container and el.tag == "article":
            return True  # an article inside the body's container is a teaser of another story
        if el is container or el.tag == "body":
            return False
        el = el.getparent()
    return False


def parse_date(value: str | None) -> str | None:
    """An ISO 8601 timestamp from ISO text or Vietnamese "d/m/yyyy, hh:mm" text (Vietnam time)."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = _DMY.search(value)
        if not match:
            return None
        day, month, year, hour, minute = match.groups()
        try:
            parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=_VN)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_VN)
    return parsed.isoformat()


def date_from(sel: Selector, selectors: Sequence[str]) -> tuple[str | None, str | None]:
    for css in selectors:
        for node in sel.css(css):
            for raw in (
                node.attrib.get("datetime"),
                node.attrib.get("content"),
                node.attrib.get("data-time"),
                text_of(node),
            ):
                parsed = parse_date(raw)
                if parsed:
                    return parsed, css
    return None, None


def author_name(value: object) -> str | None:
    if isinstance(value, list):
        names = [author_name(v) for v in value]
        return ", ".join(n for n in names if n) or None
    if isinstance(value, dict):
        value = value.get("name")
    return normalize(value) if isinstance(value, str) and normalize(value) else None


def canonical_url(sel: Selector, response_url: str) -> str:
    """The page's canonical URL (rel=canonical or og:url), without fragment or tracking parameters."""
    href = sel.css('link[rel="canonical"]::attr(href)').get() or sel.css('meta[property="og:url"]::attr(content)').get()
    url = response_url
    if href and href.strip().startswith(("http://", "https://")):
        url = href.strip()
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", query, ""))


def fallback_chain(*candidates: Callable[[], tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """The first candidate that yields a value; later (costlier, vaguer) rules are not evaluated."""
    for candidate in candidates:
        value, rule = candidate()
        if value:
            return value, rule
    return None, None


def jsonld_text(ld: dict, key: str, paragraphs_too: bool = False) -> tuple[str | None, str | None]:
    value = ld.get(key)
    if isinstance(value, str) and value.strip():
        return (normalize_paragraphs(value) if paragraphs_too else normalize(value)), f"json-ld:{key}"
    return None, None
