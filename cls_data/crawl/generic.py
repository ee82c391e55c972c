"""Article extraction without per-site code: structured data first, trafilatura for the body.

Each field is `(value, rule)`; the rule names what produced it (as the site spiders' selector
stats do). The order of the rules is documented in docs/generic-crawl.md; in short:

- title: a site's `title` selectors; an `<h1>` that the page's metadata agrees with; JSON-LD
  `headline`; `og:title` / `twitter:title`; `<title>`; each with the site name cut off.
- lead: a site's `lead` selectors; the publisher's standfirst (an element whose class names it a
  standfirst, dek, sapo, lead, intro, summary ... right after the headline); JSON-LD /
  `og:` / `<meta>` description when it is whole (not cut with "..."); else the first paragraph.
- body: a site's `body` selectors; trafilatura; JSON-LD `articleBody`; the `<article>`'s paragraphs.
- date: a site's `date` selectors; JSON-LD `datePublished`; `<meta>` publication dates; htmldate.
- language: `<html lang>`, `og:locale`, `Content-Language`, checked against the page's text; the
  site's configured language when the page declares none or its declaration fails the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector

from cls_data.crawl import extract as ex
from cls_data.text import CJK, base_language, language_problem, normalize

# A class or id token naming a standfirst: "article-standfirst", "sapo", "c-dek", "lede", "intro_text".
_STANDFIRST = re.compile(
    r"(^|[-_])(standfirst|sapo|dek|deck|lede?|lead|intro|summary|subtitle|sub-?headline|"
    r"excerpt|teaser|chapo|abstract|description|strapline|introduction|standfirst)([-_]|$)",
    re.IGNORECASE,
)
_NOT_STANDFIRST = {
    "a",
    "li",
    "nav",
    "aside",
    "footer",
    "button",
    "script",
    "style",
    "form",
    "figcaption",
    "meta",
    "title",
}
_TRUNCATED = re.compile(r"(\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+|\s*[｜|：]\s*(?=\S)|\s+::\s+")
_META_DATES = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "DC.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "date",
)
_ENDS = re.compile(r"[.!?。！？」”\"'»)။]\s*$")  # a description that ends a sentence
_MIN_LEAD_CHARS = 12
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\D{1,12}?(\d{1,2})[:h](\d{2}))?")
_ISO_DAY = re.compile(r"\b(19|20)\d\d-\d\d-\d\d(T\d\d:\d\d(:\d\d)?([+-]\d\d:?\d\d|Z)?)?")
_CHAR_WORDS = re.compile(f"[{CJK}\u3040-\u30ff]")  # Han and kana: a character is a word
# Thai, Lao, Myanmar and Khmer leave words unspaced; about 4 code points (letters and marks) are a syllable.
_SYLLABIC = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
_MAX_LEAD_CHARS = 800


@dataclass(frozen=True)
class Selectors:
    """Per-site CSS overrides (sites.toml `[site.selectors]`), tried before the generic rules."""

    title: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    date: tuple[str, ...] = ()


@dataclass
class Extracted:
    title: str | None
    lead: str | None
    body: str | None
    published: str | None
    lang: str | None
    author: str | None = None
    category: str | None = None
    rules: dict[str, str] = field(default_factory=dict)


def extract_page(html: str, url: str, selectors: Selectors = Selectors(), site_lang: str | None = None) -> Extracted:
    """Every field of one article page, with the rule that produced each."""
    sel = Selector(text=html)
    ld = ex.json_ld(sel)
    site_name = _site_name(sel, ld)
    title, title_rule = ex.fallback_chain(
        lambda: ex.first_text(sel, selectors.title), lambda: page_title(sel, ld, site_name)
    )
    body, body_rule = ex.fallback_chain(
        lambda: ex.paragraphs(sel, selectors.body),
        lambda: _trafilatura_body(html, url),
        lambda: ex.jsonld_text(ld, "articleBody", True),
        lambda: ex.container_paragraphs(sel, "article"),
    )
    if body and title:  # extractors often take the headline as the body's first line
        body = "\n".join(line for line in body.split("\n") if _fold(line) != _fold(title)) or None
    lead, lead_rule = ex.fallback_chain(
        lambda: ex.first_text(sel, selectors.lead), lambda: page_lead(sel, ld, title, body)
    )
    published, date_rule = ex.fallback_chain(lambda: _date_css(sel, selectors.date), lambda: page_date(sel, ld, html))
    lang, lang_rule = page_language(sel, " ".join(filter(None, (title, lead, (body or "")[:2000]))), site_lang)
    author = ex.author_name(ld.get("author")) or ex.meta(sel, "author", "article:author")
    category = (
        ld.get("articleSection") if isinstance(ld.get("articleSection"), str) else ex.meta(sel, "article:section")
    )
    rules = {"title": title_rule, "summary": lead_rule, "text": body_rule, "published": date_rule, "lang": lang_rule}
    return Extracted(
        title,
        lead,
        body,
        published,
        lang,
        author if author and not author.startswith("http") else None,
        category,
        {k: v or "none" for k, v in rules.items()},
    )


def text_units(text: str) -> int:
    """Words of any language, for the length checks: whitespace-separated words, where a Han or kana
    character counts one and ~4 Thai/Lao/Myanmar/Khmer code points count one."""
    han = len(_CHAR_WORDS.findall(text))
    syllabic = len(_SYLLABIC.findall(text))
    spaced = len(_SYLLABIC.sub("", _CHAR_WORDS.sub(" ", text)).split())
    return spaced + han + round(syllabic / 4)


# ---- title ------------------------------------------------------------------------------------
def page_title(sel: Selector, ld: dict, site_name: str | None) -> tuple[str | None, str | None]:
    """The headline: an `<h1>` that the metadata agrees with, else the metadata without the site name."""
    metas = [
        (ex.jsonld_text(ld, "headline")[0], "json-ld:headline"),
        (ex.meta(sel, "og:title"), "og:title"),
        (ex.meta(sel, "twitter:title"), "twitter:title"),
        (normalize(sel.css("title::text").get() or ""), "title"),
    ]
    metas = [(value, rule) for value, rule in metas if value]
    h1s = [ex.text_of(h) for h in sel.css("h1")[:6]]
    # An <h1> may hold the headline and then a byline or kicker in spans of their own: its first part.
    parts = [
        ex.text_of(h.xpath("./*[normalize-space()]")[0]) if h.xpath("./*[normalize-space()]") else ""
        for h in sel.css("h1")[:6]
    ]
    for candidates, rule in ((h1s, "h1"), (parts, "h1>first-part")):
        for h1 in candidates:
            # Pages print their site name or section in an <h1> too: only the one that is most of a
            # metadata title (its site name cut off) is the headline.
            if len(h1) >= 4 and any(_agrees(h1, value, site_name) for value, _ in metas):
                return h1, rule
    for value, rule in metas:
        cut = strip_site_name(value, site_name)
        if cut:
            return cut, rule
    return (h1s[0], "h1") if h1s and h1s[0] else (None, None)


def _agrees(h1: str, meta_title: str, site_name: str | None) -> bool:
    folded = _fold(h1)
    return folded in _fold(meta_title) and 2 * len(folded) >= len(_fold(strip_site_name(meta_title, site_name)))


def strip_site_name(title: str, site_name: str | None) -> str:
    """ "Headline | Site" or "Site - Headline" -> "Headline"; a short last part is taken for the site."""
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(parts) < 2:
        return title
    if site_name:
        named = [
            i
            for i, p in enumerate(parts)
            if _fold(p) and (_fold(site_name) in _fold(p) or _fold(p) in _fold(site_name))
        ]
        if named:  # "Headline - Site - Section" -> the parts before the site; "Site | Headline" -> after it
            kept = parts[: named[0]] if named[0] > 0 else parts[named[0] + 1 :]
            if kept:
                return _rejoin(title, kept)
    if len(parts[-1]) <= 30 and len(parts[-1]) * 3 < len(title):
        return _rejoin(title, parts[:-1])
    return title


def _rejoin(title: str, parts: list[str]) -> str:
    """The kept parts as the title printed them (separators between kept parts stay)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return normalize(title[start:end]) if start >= 0 and end > start else normalize(" ".join(parts))


def _site_name(sel: Selector, ld: dict) -> str | None:
    publisher = ld.get("publisher")
    name = publisher.get("name") if isinstance(publisher, dict) else None
    return ex.meta(sel, "og:site_name", "application-name") or (normalize(name) if isinstance(name, str) else None)


# ---- lead -------------------------------------------------------------------------------------
def page_lead(sel: Selector, ld: dict, title: str | None, body: str | None) -> tuple[str | None, str | None]:
    """The publisher's standfirst, else its description when whole, else the body's first paragraph."""
    standfirst, rule = _standfirst(sel, title)
    if standfirst:
        return standfirst, rule
    first = next(
        (line for line in (body or "").split("\n") if line.strip() and (not title or _fold(line) != _fold(title))), None
    )
    for value, rule in (
        (ex.jsonld_text(ld, "description")[0], "json-ld:description"),
        (ex.meta(sel, "og:description"), "og:description"),
        (ex.meta(sel, "description"), "meta:description"),
        (ex.meta(sel, "twitter:description"), "twitter:description"),
    ):
        if not value or (title and _fold(value) == _fold(title)):
            continue
        if title and _fold(value).startswith(_fold(title)):  # "Headline --- lead" (Xinhua)
            value = normalize(value[len(title) :].lstrip(" -–—:|"))
        head = _fold(_TRUNCATED.sub("", value))
        cut = looks_cut(value)
        if (
            first
            and cut
            and len(head) < len(_fold(first))
            and (head[:60] in _fold(first) or _shared(head, _fold(first)) >= 0.5)
        ):
            # A description cut short (with "..." or mid-sentence) opens the first paragraph: take it whole.
            return first, f"first-paragraph({rule} cut)"
        if not _TRUNCATED.search(value) and len(value) >= _MIN_LEAD_CHARS:
            return value, rule
    return (first, "first-paragraph") if first else (None, None)


def looks_cut(description: str) -> bool:
    """A description cut short: it ends with "..." or without ending a sentence."""
    return bool(_TRUNCATED.search(description)) or not _ENDS.search(description)


def _standfirst(sel: Selector, title: str | None) -> tuple[str | None, str | None]:
    """The first element after the headline whose class or id names a standfirst and holds one
    short block of text (not a link, list item, caption or an aside)."""
    h1 = sel.css("h1")
    after = h1[0].root if h1 else None
    seen_h1 = after is None
    for el in sel.root.iter():
        if el is after:
            seen_h1 = True
            continue
        if not seen_h1 or not isinstance(el.tag, str) or el.tag in _NOT_STANDFIRST:
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('itemprop') or ''}".split()
        if not any(_STANDFIRST.search(m) for m in marks) or _inside(el, _NOT_STANDFIRST):
            continue
        node = Selector(root=el)
        if len(node.xpath("./descendant::p")) > 3:
            continue  # a container of the story, not its standfirst
        text = ex.text_of(node)
        if _MIN_LEAD_CHARS <= len(text) <= _MAX_LEAD_CHARS and (not title or _fold(text) != _fold(title)):
            return text, f"standfirst:{el.tag}.{[m for m in marks if _STANDFIRST.search(m)][0]}"
    return None, None


def _inside(el, tags: set[str]) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


# ---- body -------------------------------------------------------------------------------------
def _trafilatura_body(html: str, url: str) -> tuple[str | None, str | None]:
    import trafilatura

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False, deduplicate=True)
    lines = [normalize(line) for line in (text or "").split("\n")]
    lines = [line for line in lines if line]
    return ("\n".join(lines), "trafilatura") if lines else (None, None)


# ---- date -------------------------------------------------------------------------------------
def parse_when(value: str | None) -> str | None:
    """ISO 8601 from an ISO, RFC 822 or similar timestamp; a time without zone stays without one."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    import warnings

    from dateutil import parser

    try:
        with warnings.catch_warnings():  # "EET" and other zone names it cannot place: the time is kept without
            warnings.simplefilter("ignore")
            parsed = parser.parse(value)
    except (ValueError, OverflowError):
        return None
    return parsed.isoformat() if 1990 <= parsed.year <= 2100 else None


def page_date(sel: Selector, ld: dict, html: str) -> tuple[str | None, str | None]:
    value = ld.get("datePublished")
    if isinstance(value, str) and (parsed := parse_when(value)):
        return parsed, "json-ld:datePublished"
    for name in _META_DATES:
        if parsed := parse_when(ex.meta(sel, name)):
            return parsed, f"meta:{name}"
    for raw in sel.css("article time::attr(datetime), time[itemprop=datePublished]::attr(datetime)").getall():
        if parsed := parse_when(raw):
            return parsed, "time[datetime]"
    from htmldate import find_date

    day = find_date(html, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    return (day, "htmldate") if day else (None, None)


def _date_css(sel: Selector, selectors: tuple[str, ...]) -> tuple[str | None, str | None]:
    for css in selectors:
        for node in sel.css(css):
            for raw in (node.attrib.get("datetime"), node.attrib.get("content")):
                if parsed := parse_when(raw):
                    return parsed, css
            if parsed := _date_in_text(ex.text_of(node)):
                return parsed, css
    return None, None


def _date_in_text(text: str) -> str | None:
    """A date printed in a byline: ISO "2014-01-08", else day first "08/01/2014" (most of the world's order)."""
    if match := _ISO_DAY.search(text):
        return parse_when(match.group(0))
    if match := _DMY.search(text):
        day, month, year, hour, minute = match.groups()
        try:
            return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0)).isoformat()
        except ValueError:
            return None
    return parse_when(text)


# ---- language ---------------------------------------------------------------------------------
def declared_language(sel: Selector) -> tuple[str | None, str | None]:
    for value, rule in (
        (sel.xpath("/html/@lang").get() or sel.xpath("/html/@xml:lang").get(), "html-lang"),
        (ex.meta(sel, "og:locale"), "og:locale"),
        (
            sel.xpath(
                "//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')='content-language']/@content"
            ).get(),
            "content-language",
        ),
        (ex.meta(sel, "language", "dc.language", "DC.language"), "meta:language"),
    ):
        if value and value.strip() and value.strip().lower() not in ("und", "x-default", "mul"):
            return base_language(value.strip().split(",")[0].strip()), rule
    return None, None


def page_language(sel: Selector, text: str, site_lang: str | None) -> tuple[str | None, str | None]:
    """The declared language when the text can be in it; else the site's, when the text can be in that."""
    declared, rule = declared_language(sel)
    site = base_language(site_lang) if site_lang else None
    if declared and not language_problem(text, declared):
        return declared, rule
    if site and not language_problem(text, site):
        return site, "site" if not declared else f"site({rule} {declared} fails the text)"
    return declared or site, (
        f"{rule}(fails the text)" if declared else "site(fails the text)"
    ) if declared or site else None


def _shared(part: str, whole: str) -> float:
    """The share of `part`'s character bigrams that `whole` has (a reworded cut of the same sentence)."""
    grams = {part[i : i + 2] for i in range(len(part) - 1)}
    return len(grams & {whole[i : i + 2] for i in range(len(whole) - 1)}) / max(len(grams), 1)


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", " ", normalize(text).casefold()).strip()
