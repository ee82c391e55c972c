"""Readers for the NCLS release (En2ZhSum, Zh2EnSum) and LCSTS, parsed by tags, not line offsets.

Both corpora are SGML-like: `<doc id=N>` ... `</doc>` blocks whose sections start with a tag on
its own line followed by content lines. Nobody has published a block of the real NCLS files, and
scripts written against them name the summary tags differently, so every known variant is read,
in any case: `<EN-REF-k>` / `<ZH-REF-k>` (one sentence each), their `-human-corrected` forms
(preferred), `<EN-SUMMARY>` / `<ZH-SUMMARY>`, and `<BACK-TRANSLATED-...>` sections, which are
round-trip translations and never used as a reference. `--tags en=NAME,zh=NAME` maps other names.
A block that cannot be read is reported with its file and line, counted, and skipped; a file that
yields no sample at all stops the build with the tags it saw.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.records import CLSSample, numbered_lines
from cls_data.text import join_wrapped, normalize

_TAG = re.compile(r"^<(/?)([A-Za-z][\w-]*)((?:\s+[^>]*)?)>$")
_DOC_ID = re.compile(r"""\bid\s*=\s*["']?([^\s"'>]+)""")
_SUMMARY = re.compile(r"^(EN|ZH)-(?:REF|SUMMARY)(?:-(\d+))?(-human-corrected)?(?:-(\d+))?$", re.IGNORECASE)
_BACK = re.compile(r"^BACK-TRANSLAT", re.IGNORECASE)
_SPLIT_IN_NAME = re.compile(r"(?:^|[_\-.])(train|valid|validation|dev|test)(?:[_\-.]|$)", re.IGNORECASE)
NCLS_SPLITS = {"train": "train", "valid": "valid", "validation": "valid", "dev": "valid", "test": "test"}
MAX_REPORTED = 20  # malformed blocks listed one by one; the rest are only counted
TAG_LANGS = ("en", "zh")


@dataclass(frozen=True)
class SummaryTag:
    """What a section tag says: the summary's language, its sentence number, and its kind."""

    lang: str  # "en" | "zh"
    k: int = 0
    corrected: bool = False  # a human-corrected reference
    back_translated: bool = False  # a round trip through the other language: never a reference


def parse_tags(text: str | None) -> dict[str, str]:
    """`--tags en=NAME,zh=NAME` as {"en": NAME, "zh": NAME}: extra tag names of each summary."""
    tags: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        lang, _, name = item.partition("=")
        lang, name = lang.strip().lower(), name.strip().strip("<>")
        if lang not in TAG_LANGS or not name:
            raise ClsDataError(f"--tags takes en=NAME,zh=NAME (tag names without <>), got {item!r}")
        tags[lang] = name
    return tags


def classify(tag: str, tags: dict[str, str] | None = None) -> SummaryTag | None:
    """The summary a section tag holds, or None for any other section (`<Article>`, scores...)."""
    for lang, name in (tags or {}).items():  # the user's names first: they know their files
        found = re.fullmatch(rf"{re.escape(name)}(?:-(\d+))?", tag, re.IGNORECASE)
        if found:
            return SummaryTag(lang, int(found.group(1) or 0))
    if _BACK.match(tag):
        lang = re.search(r"(?:^|-)(EN|ZH)(?:-|$)", tag, re.IGNORECASE)
        return SummaryTag(lang.group(1).lower() if lang else "", back_translated=True)
    found = _SUMMARY.match(tag)
    if not found:
        return None
    return SummaryTag(found.group(1).lower(), int(found.group(2) or found.group(4) or 0), bool(found.group(3)))


@dataclass
class Block:
    """One `<doc>` block: where it starts, its `id` attribute and its tagged sections."""

    path: Path
    line: int
    doc_id: str | None
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def text(self, name: str) -> str | None:
        """The content of the first section called `name` (case-insensitive), wrapped lines joined."""
        for tag, lines in self.sections:
            if tag.lower() == name.lower():
                return normalize(join_wrapped(lines))
        return None


@dataclass
class ParseReport:
    """Blocks read and skipped (the first few problems spelt out), samples left unjoined, and how
    often the LCSTS join agreed with an original NCLS Chinese summary."""

    blocks: int = 0
    malformed: int = 0
    problems: list[str] = field(default_factory=list)
    unmatched: dict[str, int] = field(default_factory=dict)  # reason -> samples not joined
    join_checked: int = 0  # LCSTS summaries compared with an original NCLS Chinese summary
    join_agreed: int = 0

    def skip(self, where: str, reason: str) -> None:
        self.malformed += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(f"{where}: {reason}")

    def unjoined(self, reason: str) -> None:
        self.unmatched[reason] = self.unmatched.get(reason, 0) + 1

    @property
    def join_agreement(self) -> float | None:
        return self.join_agreed / self.join_checked if self.join_checked else None


def iter_blocks(path: Path, report: ParseReport, seen: Counter | None = None) -> Iterator[Block]:
    """Stream the `<doc>` blocks of one file; unterminated blocks are reported and skipped.

    Every opening tag inside a block starts a section (the reader picks the ones it needs); a
    closing tag ends it. `seen` counts the section tags met.
    """
    block: Block | None = None
    current: list[str] | None = None
    for line_no, raw in numbered_lines(path, encoding="utf-8-sig"):
        line = raw.strip()
        tag = _TAG.match(line)
        name = tag.group(2) if tag else ""
        if tag and name.lower() == "doc":
            if tag.group(1):  # </doc>
                if block is None:
                    report.skip(f"{path}:{line_no}", "</doc> without an opening <doc>")
                else:
                    report.blocks += 1
                    yield block
                block, current = None, None
                continue
            if block is not None:
                report.blocks += 1
                report.skip(block.where(), "block not closed by </doc> before the next <doc>")
            found = _DOC_ID.search(tag.group(3) or "")
            block, current = Block(path, line_no, found.group(1) if found else None), None
        elif block is None:
            continue  # text between blocks carries nothing
        elif tag:
            current = None if tag.group(1) else []
            if current is not None:
                block.sections.append((name, current))
                if seen is not None:
                    seen[name] += 1
        elif line and current is not None:
            current.append(line)
    if block is not None:
        report.blocks += 1
        report.skip(block.where(), "file ends inside a block (no </doc>)")


def summary(block: Block, lang: str, tags: dict[str, str] | None = None) -> str | None:
    """The block's summary in `lang` ("en"/"zh"): human-corrected references win, then the others,
    in k order (several references are one summary split into sentences: English ones are joined
    by a space, Chinese ones directly). Back-translations are never a summary."""
    plain, corrected = [], []
    for position, (tag, lines) in enumerate(block.sections):
        kind = classify(tag, tags)
        if kind is None or kind.back_translated or kind.lang != lang or not lines:
            continue
        (corrected if kind.corrected else plain).append((kind.k, position, normalize(join_wrapped(lines))))
    chosen = corrected or plain
    if not chosen:
        return None
    parts = [text for _, _, text in sorted(chosen)]
    return normalize((" " if lang == "en" else "").join(parts))


def ncls_split_of(path: Path) -> str:
    """NCLS split ("train", "valid", "test") named in a release file name such as EN2ZHSUM_test.txt."""
    found = _SPLIT_IN_NAME.search(path.stem)
    if not found:
        raise ClsDataError(
            f"{path}: cannot tell its split from the name; NCLS files are named like EN2ZHSUM_train.txt, _valid, _test"
        )
    return NCLS_SPLITS[found.group(1).lower()]


def no_sample_error(path: Path, seen: Counter, wanted: str) -> ClsDataError:
    """A file that yielded nothing: say which tags it holds and how to map them."""
    listed = ", ".join(f"<{tag}> ({n:,})" for tag, n in seen.most_common(12)) or "none"
    return ClsDataError(
        f"{path}: no sample read; it needs {wanted}. Section tags seen: {listed}. If your release names the "
        "summaries differently, map them with --tags en=NAME,zh=NAME (e.g. --tags en=en-summary,zh=zh-summary)"
    )


def read_en2zh(
    paths: Iterable[Path], lcsts: list[Path], report: ParseReport, tags: dict[str, str] | None = None
) -> Iterator[tuple[str, CLSSample]]:
    """(NCLS split, En2ZhSum sample): English article and summary, Chinese summary."""
    for path in paths:
        split, seen, read = ncls_split_of(path), Counter(), 0
        for ordinal, block in enumerate(iter_blocks(path, report, seen)):
            article, en, zh = block.text("Article"), summary(block, "en", tags), summary(block, "zh", tags)
            missing = [
                name for name, value in (("<Article>", article), ("<EN-REF>", en), ("<ZH-REF>", zh)) if not value
            ]
            if missing:
                report.skip(block.where(), f"no {', '.join(missing)} content")
                continue
            doc = block.doc_id if block.doc_id is not None else str(ordinal)
            read += 1
            yield (
                split,
                CLSSample(
                    id=f"en2zhsum-{split}-{doc}", text=article, summary=en, cls_summary=zh, src_lang="en", tgt_lang="zh"
                ),
            )
        if not read:
            raise no_sample_error(
                path,
                seen,
                "<Article>, an English summary (<EN-REF-k>/<EN-SUMMARY>) "
                "and a Chinese one (<ZH-REF-k>/<ZH-SUMMARY>) per <doc>",
            )


@dataclass
class LcstsDoc:
    summary: str
    text: str


def read_lcsts(paths: Iterable[Path], wanted: set[str], report: ParseReport) -> dict[str, list[LcstsDoc]]:
    """LCSTS documents whose id is in `wanted`, each id with every file's candidate (files may reuse ids)."""
    found: dict[str, list[LcstsDoc]] = {}
    for path in paths:
        for block in iter_blocks(path, report):
            if block.doc_id is None or block.doc_id not in wanted:
                if block.doc_id is None:
                    report.skip(block.where(), "LCSTS <doc> without an id")
                continue
            summary_text, text = block.text("summary"), block.text("short_text")
            if not summary_text or not text:
                report.skip(block.where(), "LCSTS block without <summary> or <short_text> content")
                continue
            found.setdefault(block.doc_id, []).append(LcstsDoc(summary_text, text))
    return found


def _squeeze(text: str) -> str:
    """Chinese compared without spaces: word-segmented and raw copies of a summary are equal."""
    return "".join(text.split()).casefold()


@dataclass
class _Entry:
    """What the Zh2EnSum join needs of one block (not the whole block: the train file has 1.7M)."""

    split: str
    doc_id: str
    en: str
    zh: str | None  # an original Chinese summary, never a back-translation
    article: str | None  # when the block carries its own


def read_zh2en(
    paths: list[Path], lcsts: list[Path], report: ParseReport, tags: dict[str, str] | None = None
) -> Iterator[tuple[str, CLSSample]]:
    """(NCLS split, Zh2EnSum sample): Chinese LCSTS article and summary joined by id, English
    summary from NCLS.

    Where the NCLS block carries an original Chinese summary, the LCSTS candidates are checked
    against it (ignoring spaces): that guards the join against LCSTS parts that reuse ids. The
    agreement rate is in the report; a block with only a back-translated Chinese summary is
    joined by id alone.
    """
    entries: list[_Entry] = []
    for path in paths:
        split, seen, read = ncls_split_of(path), Counter(), 0
        for block in iter_blocks(path, report, seen):
            en = summary(block, "en", tags)
            if block.doc_id is None or not en:
                report.skip(block.where(), "no id attribute" if block.doc_id is None else "no <EN-REF> content")
                continue
            read += 1
            entries.append(_Entry(split, block.doc_id, en, summary(block, "zh", tags), block.text("Article")))
        if not read:
            raise no_sample_error(path, seen, "<doc id=N> blocks with an English summary (<EN-REF-k>/<EN-SUMMARY>)")
    need = {e.doc_id for e in entries if not e.article}
    if need and not lcsts:
        raise ClsDataError("the ZH2ENSUM files hold only summaries; give the LCSTS articles with --lcsts PART_I.txt")
    articles = read_lcsts(lcsts, need, report) if need else {}
    for e in entries:
        if e.article:
            text, zh = e.article, e.zh
        else:
            candidates = articles.get(e.doc_id, [])
            match = candidates
            if candidates and e.zh is not None:
                report.join_checked += 1
                match = [c for c in candidates if _squeeze(c.summary) == _squeeze(e.zh)]
                report.join_agreed += bool(match)
            if not match:
                report.unjoined(
                    "LCSTS summary differs from NCLS <ZH-REF>" if candidates else "no LCSTS article with this id"
                )
                continue
            text, zh = match[0].text, match[0].summary  # LCSTS's own, unsegmented wording
        if not zh:
            report.unjoined("no Chinese summary")
            continue
        yield (
            e.split,
            CLSSample(
                id=f"zh2ensum-{e.split}-{e.doc_id}",
                text=text,
                summary=zh,
                cls_summary=e.en,
                src_lang="zh",
                tgt_lang="en",
            ),
        )
