"""Dataset kinds (vi2zh, en2zh, zh2en; pair for any --src/--tgt): one `DatasetKind` spec per kind, the home of what
the CLI's choices, the readers, the dataset card and the Hub guard know about a kind.

Light on purpose (no reader is imported here): `cls-data --help` lists the kinds from it.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from cls_data.errors import ClsDataError
from cls_data.registry import Registry

NCLS_BIB = """@inproceedings{zhu-etal-2019-ncls,
  title = "{NCLS}: Neural Cross-Lingual Summarization",
  author = "Zhu, Junnan and Wang, Qian and Wang, Yining and Zhou, Yu and Zhang, Jiajun and Wang, Shaonan and Zong, Chengqing",
  booktitle = "Proceedings of EMNLP-IJCNLP 2019",
  year = "2019",
  pages = "3054--3064"
}"""  # noqa: E501
LCSTS_BIB = """@inproceedings{hu-etal-2015-lcsts,
  title = "{LCSTS}: A Large Scale {C}hinese Short Text Summarization Dataset",
  author = "Hu, Baotian and Chen, Qingcai and Zhu, Fangze",
  booktitle = "Proceedings of EMNLP 2015",
  year = "2015",
  pages = "1967--1972"
}"""

NCLS_LICENCE = (
    "Derived from the NCLS corpus (Zhu et al., 2019), whose release is for research use and forbids "
    "redistribution. **Do not publish this folder with its text.** Share the ids manifest "
    "(`ids.json`; `--ids-only` builds a folder with no text) instead: anyone holding the NCLS release "
    "rebuilds the same splits with `cls-data build ... --ids ids.json`."
)
VI2ZH_LIMITATIONS = (
    "- The Chinese summaries are machine translations of the Vietnamese leads, kept because their "
    "round trip back to Vietnamese scored well; round-trip agreement does not prove a faithful "
    "translation, and the references carry translationese.\n"
    "- Selecting the best-scoring round trips favours short, formulaic leads that translate easily.\n"
    "- The summaries are the publishers' leads (sapo), not abstracts written for the task; news "
    "topics and dates follow what the sites published when crawled."
)
NCLS_LIMITATIONS = (
    "- The target summaries are machine translations (filtered by round-trip ROUGE in NCLS); only "
    "the NCLS test references were corrected by people, and they are used where present.\n"
    "- Machine-translated references carry translationese, and scores on them overrate models that "
    "imitate the translation system.\n"
    "- This is a small random sample of NCLS for the low-resource setting; it is not the full corpus."
)
NCLS_SAMPLING = "train, validation and test are random samples of the NCLS train, valid and test files respectively."
NCLS_TEST_REFS = (
    "- **Test references**: where the NCLS test file has human-corrected references, they replace "
    "the machine-translated ones."
)


@dataclass(frozen=True)
class DatasetKind:
    """Everything that differs between dataset kinds."""

    name: str  # the `cls-data build` argument
    dataset: str  # the folder and Hub dataset name
    src: str
    tgt: str
    help: str  # what `build <name>` reads, for --help
    redistributable: bool  # may its text be pushed to a public repo?
    summary: str  # the card's first paragraph
    id_note: str  # how its ids are made
    sampling: str  # how the splits are drawn
    limitations: str
    citation: str
    source_datasets: tuple[str, ...] = ("original",)
    provenance: str = ""  # where the data comes from; empty: drawn from the records (sites, dates, backend)
    licence_text: str = ""
    license_name: str | None = None  # the Hub's name for a licence "other"
    release: str | None = None  # the release file prefix its reader takes (EN2ZHSUM_*.txt)
    reader: str | None = None  # "module:function" reading release files into (pool, CLSSample)

    def read(self) -> Callable:
        """The release-file reader, imported on first use."""
        if self.reader is None:
            raise ClsDataError(
                f"`build {self.name}` reads the filter's CLSSample JSONL (kept.jsonl), not release files"
            )
        module, _, function = self.reader.partition(":")
        return getattr(importlib.import_module(module), function)


KINDS: Registry[DatasetKind] = Registry("dataset kind")


def register_kind(kind: DatasetKind) -> DatasetKind:
    return KINDS.register(kind.name, kind)


def get_kind(name: str) -> DatasetKind:
    """The kind called `name`; a miss lists every valid name."""
    return KINDS[name]


register_kind(
    DatasetKind(
        name="vi2zh",
        dataset="Vi2ZhLow",
        src="vi",
        tgt="zh",
        help="the filter's kept.jsonl",
        redistributable=True,
        summary="Vi2ZhLow is a low-resource Vietnamese-to-Chinese cross-lingual summarization dataset: "
        "Vietnamese news documents with Vietnamese summaries and Chinese summaries.",
        id_note="stable hash of the article's canonical URL",
        sampling="after deduplication, one shuffled pool is cut into test, validation and train.",
        limitations=VI2ZH_LIMITATIONS,
        licence_text="The documents and summaries are news texts whose copyright stays with their publishers; they are "
        "shared for research on cross-lingual summarization. Check the sites' terms before any other use.",
        license_name="news-publishers-copyright",
        citation="@misc{vi2zhlow,\n  title = {Vi2ZhLow: a low-resource Vietnamese-Chinese cross-lingual summarization "
        "dataset},\n  note = {Built with cls-data}\n}\n\n" + NCLS_BIB,
    )
)
register_kind(
    DatasetKind(
        name="en2zh",
        dataset="En2ZhLow",
        src="en",
        tgt="zh",
        help="NCLS En2ZhSum release files",
        redistributable=False,
        summary="En2ZhLow is a low-resource English-to-Chinese cross-lingual summarization dataset sampled from NCLS "
        "En2ZhSum.",
        id_note="`<corpus>-<NCLS split>-<NCLS doc id>`",
        sampling=NCLS_SAMPLING,
        limitations=NCLS_LIMITATIONS,
        citation=NCLS_BIB,
        source_datasets=("extended",),
        provenance="- **Source**: the NCLS En2ZhSum corpus (Zhu et al., 2019): English CNN/DailyMail and MSMO "
        "articles and highlights, with Chinese summaries machine-translated and filtered by round-trip ROUGE.\n"
        + NCLS_TEST_REFS,
        licence_text=NCLS_LICENCE,
        license_name="ncls-research-only",
        release="EN2ZHSUM",
        reader="cls_data.dataset.ncls:read_en2zh",
    )
)
register_kind(
    DatasetKind(
        name="zh2en",
        dataset="Zh2EnLow",
        src="zh",
        tgt="en",
        help="NCLS Zh2EnSum release files, with --lcsts",
        redistributable=False,
        summary="Zh2EnLow is a low-resource Chinese-to-English cross-lingual summarization dataset sampled from NCLS "
        "Zh2EnSum and LCSTS.",
        id_note="`<corpus>-<NCLS split>-<NCLS doc id>`",
        sampling=NCLS_SAMPLING,
        limitations=NCLS_LIMITATIONS,
        citation=NCLS_BIB + "\n\n" + LCSTS_BIB,
        source_datasets=("extended",),
        provenance="- **Source**: the NCLS Zh2EnSum corpus (Zhu et al., 2019): Chinese LCSTS Weibo posts and summaries "
        "(Hu et al., 2015), joined by document id, with English summaries machine-translated and filtered by "
        "round-trip ROUGE.\n" + NCLS_TEST_REFS,
        licence_text=NCLS_LICENCE,
        license_name="ncls-research-only",
        release="ZH2ENSUM",
        reader="cls_data.dataset.ncls:read_zh2en",
    )
)


# `build pair --src X --tgt Y`: any pair of languages.tsv from the filter's kept.jsonl, written
# like Vi2ZhLow. The registered spec is a template; `pair_kind` fills in the languages and name.
PAIR_LIMITATIONS = (
    "- The target-language summaries (`cls_summary`) are machine translations of the source-language "
    "summaries, kept because their round trip back scored well; round-trip agreement does not prove a "
    "faithful translation, and the references carry translationese.\n"
    "- Selecting the best-scoring round trips favours short, formulaic summaries that translate easily.\n"
    "- The summaries are the publishers' leads, not abstracts written for the task; news topics and "
    "dates follow what the sites published when crawled."
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
register_kind(
    DatasetKind(
        name="pair",
        dataset="{Src}2{Tgt}Low",
        src="",
        tgt="",
        help="the filter's kept.jsonl, any --src/--tgt pair",
        redistributable=True,
        summary="{name} is a low-resource {src}-to-{tgt} cross-lingual summarization dataset: {src} news documents "
        "with {src} summaries and {tgt} summaries.",
        id_note="stable hash of the article's canonical URL",
        sampling="after deduplication, one shuffled pool is cut into test, validation and train.",
        limitations=PAIR_LIMITATIONS,
        licence_text=get_kind("vi2zh").licence_text,
        license_name="news-publishers-copyright",
        citation="@misc{{{key},\n  title = {{{name}: a low-resource {src}-{tgt} cross-lingual summarization "
        "dataset}},\n"
        "  note = {{Built with cls-data}}\n}}",
    )
)


def pair_kind(src: str, tgt: str, name: str | None = None) -> DatasetKind:
    """The `pair` kind for one language pair of languages.tsv ("de", "en" -> De2EnLow)."""
    from cls_data.languages import get_language

    source, target = get_language(src), get_language(tgt)
    if source.code == target.code:
        raise ClsDataError(f"--src and --tgt are both {source.name}: a cross-lingual dataset needs two languages")
    template = KINDS["pair"]
    name = name or template.dataset.format(Src=source.code.capitalize(), Tgt=target.code.capitalize())
    if not _NAME.fullmatch(name):
        raise ClsDataError(f"--name {name!r}: use letters, digits, '.', '_' or '-' (a folder and Hub dataset name)")
    words = {"name": name, "src": source.name, "tgt": target.name}
    return dataclasses.replace(
        template,
        dataset=name,
        src=source.code,
        tgt=target.code,
        summary=template.summary.format(**words),
        citation=template.citation.format(key=name.lower(), **words),
    )
