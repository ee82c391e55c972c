"""Readers for the NCLS release (En2ZhSum, Zh2EnSum) and LCSTS, parsed by tags, not line offsets.

Both corpora are SGML-like: `<doc id=N>` ... `</doc>` blocks whose sections start with a tag on
its own line (`<Article>`, `<EN-REF-1>`, `<ZH-REF-2-human-corrected>`, `<summary>`,
`<short_text>`) followed by content lines. A block that cannot be read is reported with its file
and line, counted, and skipped; it never stops the build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.records import CLSSample, numbered_lines
from cls_data.text import normalize

_TAG = re.compile(r"^<(/?)([A-Za-z][\w-]*)((?:\s+[^>]*)?)>$")
_DOC_ID = re.compile(r"""\bid\s*=\s*["']?([^\s"'>]+)""")
_REF = re.compile(r"^(EN|ZH)-REF(?:-(\d+))?(-human-corrected)?(?:-(\d+))?$", re.IGNORECASE)
_SPLIT_IN_NAME = re.compile(r"(?:^|[_\-.])(train|valid|validation|dev|test)(?:[_\-.]|$)", re.IGNORECASE)
NCLS_SPLITS = {"train": "train", "valid": "valid", "validation": "valid", "dev": "valid", "test": "test"}
MAX_REPORTED = 20  # malformed blocks listed one by one; the rest are only counted


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
        """The content of the first section called `name` (case-insensitive), one space per line break."""
        for tag, lines in self.sections:
            if tag.lower() == name.lower():
                return normalize(" ".join(lines))
        return None


@dataclass
class ParseReport:
    """Blocks read and blocks skipped, with the first few problems spelt out."""

    blocks: int = 0
    malformed: int = 0
    problems: list[str] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        self.malformed += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(f"{where}: {reason}")


def _is_section_tag(name: str, extra_tags: frozenset[str]) -> bool:
    return name.lower() in extra_tags or bool(_REF.match(name))


def iter_blocks(path: Path, report: ParseReport, extra_tags: Iterable[str] = ("article",)) -> Iterator[Block]:
    """Stream the `<doc>` blocks of one file; unterminated blocks are reported and skipped."""
    tags = frozenset(t.lower() for t in extra_tags)
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
            # A closing tag ends the section; so does a tag we do not read (the release
            # carries more per-reference tags than the ones a dataset needs).
            current = [] if not tag.group(1) and _is_section_tag(name, tags) else None
            if current is not None:
                block.sections.append((name, current))
        elif line and current is not None:
            current.append(line)
    if block is not None:
        report.blocks += 1
        report.skip(block.where(), "file ends inside a block (no </doc>)")


def references(block: Block, lang: str) -> str | None:
    """The block's references in `lang` ("EN"/"ZH"), human-corrected ones winning, in k order.

    Several references are one summary split into sentences: English ones are joined by a
    space, Chinese ones directly.
    """
    plain, corrected = [], []
    for position, (tag, lines) in enumerate(block.sections):
        found = _REF.match(tag)
        if not found or found.group(1).upper() != lang or not lines:
            continue
        k = int(found.group(2) or found.group(4) or 0)
        (corrected if found.group(3) else plain).append((k, position, normalize(" ".join(lines))))
    chosen = corrected or plain
    if not chosen:
        return None
    parts = [text for _, _, text in sorted(chosen)]
    return normalize((" " if lang == "EN" else "").join(parts))


def ncls_split_of(path: Path) -> str:
    """NCLS split ("train", "valid", "test") named in a release file name such as EN2ZHSUM_test.txt."""
    found = _SPLIT_IN_NAME.search(path.stem)
    if not found:
        raise ClsDataError(
            f"{path}: cannot tell its split from the name; NCLS files are named like EN2ZHSUM_train.txt, _valid, _test"
        )
    return NCLS_SPLITS[found.group(1).lower()]


def read_en2zh(path: Path, report: ParseReport) -> Iterator[CLSSample]:
    """En2ZhSum samples: English article and summary, Chinese summary."""
    split = ncls_split_of(path)
    for ordinal, block in enumerate(iter_blocks(path, report)):
        article, en, zh = block.text("Article"), references(block, "EN"), references(block, "ZH")
        missing = [name for name, value in (("<Article>", article), ("<EN-REF>", en), ("<ZH-REF>", zh)) if not value]
        if missing:
            report.skip(block.where(), f"no {', '.join(missing)} content")
            continue
        doc = block.doc_id if block.doc_id is not None else str(ordinal)
        yield CLSSample(id=f"en2zhsum-{split}-{doc}", text=article, summary=en, cls_summary=zh, src_lang="en", tgt_lang="zh")


@dataclass
class LcstsDoc:
    summary: str
    text: str


def read_lcsts(paths: Iterable[Path], wanted: set[str], report: ParseReport) -> dict[str, list[LcstsDoc]]:
    """LCSTS documents whose id is in `wanted`, each id with every file's candidate (files may reuse ids)."""
    found: dict[str, list[LcstsDoc]] = {}
    for path in paths:
        for block in iter_blocks(path, report, extra_tags=("summary", "short_text", "human_label")):
            if block.doc_id is None or block.doc_id not in wanted:
                if block.doc_id is None:
                    report.skip(block.where(), "LCSTS <doc> without an id")
                continue
            summary, text = block.text("summary"), block.text("short_text")
            if not summary or not text:
                report.skip(block.where(), "LCSTS block without <summary> or <short_text> content")
                continue
            found.setdefault(block.doc_id, []).append(LcstsDoc(summary, text))
    return found


def _squeeze(text: str) -> str:
    """Chinese compared without spaces: word-segmented and raw copies of a summary are equal."""
    return "".join(text.split()).casefold()


def read_zh2en(paths: list[Path], lcsts: list[Path], report: ParseReport, unmatched: dict[str, int]) -> Iterator[CLSSample]:
    """Zh2EnSum samples: Chinese LCSTS article and summary joined by id, English summary from NCLS.

    When the NCLS block carries its own Chinese summary, the LCSTS candidate must agree with it
    (ignoring spaces): that guards the join against LCSTS parts that reuse ids.
    """
    # Keep only what the join needs, not whole blocks: the Zh2EnSum train file has 1.7M of them.
    summaries: list[tuple[str, str, str, str | None, str | None]] = []  # split, id, en, zh, own article
    for path in paths:
        split = ncls_split_of(path)
        for block in iter_blocks(path, report):
            en = references(block, "EN")
            if block.doc_id is None or not en:
                report.skip(block.where(), "no id attribute" if block.doc_id is None else "no <EN-REF> content")
                continue
            summaries.append((split, block.doc_id, en, references(block, "ZH"), block.text("Article")))
    need = {doc_id for _, doc_id, _, _, own in summaries if not own}
    if need and not lcsts:
        raise ClsDataError(
            "the ZH2ENSUM files hold only summaries; give the LCSTS articles with --lcsts PART_I.txt"
        )
    articles = read_lcsts(lcsts, need, report) if need else {}
    for split, doc_id, en, zh, own in summaries:
        if own:
            text, summary = own, zh
        else:
            candidates = articles.get(doc_id, [])
            match = [c for c in candidates if zh is None or _squeeze(c.summary) == _squeeze(zh)]
            if not match:
                reason = "LCSTS summary differs from NCLS <ZH-REF>" if candidates else "no LCSTS article with this id"
                unmatched[reason] = unmatched.get(reason, 0) + 1
                continue
            text, summary = match[0].text, match[0].summary  # LCSTS's own, unsegmented wording
        if not summary:
            unmatched["no Chinese summary"] = unmatched.get("no Chinese summary", 0) + 1
            continue
        yield CLSSample(id=f"zh2ensum-{split}-{doc_id}", text=text, summary=summary, cls_summary=en, src_lang="zh", tgt_lang="en")
