"""`cls-data build`: read, deduplicate, split, check leakage, and write a Hub-ready dataset folder.

The folder is built in a temporary directory next to the target and renamed into place at the
end, so a failed build never leaves a partial dataset behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cls_data import __version__
from cls_data.dataset import sources
from cls_data.dataset.dedup import DROP_REASONS, DedupKey, Deduplicator
from cls_data.dataset.kinds import DatasetKind, get_kind, pair_kind
from cls_data.dataset.leakage import Leak, find_leaks
from cls_data.dataset.ncls import ParseReport
from cls_data.dataset.publishable import LANGUAGE_DROP, RejectsFile, language_drop, language_fault, rejects_name
from cls_data.dataset.splits import SplitSizes, check_enough, sample_pools, split_one_pool
from cls_data.dataset.stats import split_stats
from cls_data.dataset_folder import BUILD_INFO, IDS, STATS, file_sha256, write_folder
from cls_data.errors import ClsDataError
from cls_data.records import CLSSample
from cls_data.text import nfc

POOL_ORDER = ("test", "valid", "train", "all")  # on a duplicate, evaluation pools keep their copy


@dataclass
class BuildConfig:
    kind: str  # a registered DatasetKind name: vi2zh | en2zh | zh2en
    inputs: list[Path]
    out: Path
    seed: int = 0
    sizes: SplitSizes = field(default_factory=SplitSizes)
    lcsts: list[Path] = field(default_factory=list)
    strict: bool = False  # refuse (write nothing) on leakage or on a summary not in its language
    ids_only: bool = False
    license: str = "other"  # for vi2zh: the news texts belong to their publishers
    leak_threshold: float = 0.8
    command: str = ""
    ids_manifest: Path | None = None  # rebuild exactly the splits of an ids.json
    repo_id: str | None = None  # the Hub repo the folder is meant for (shown in the card)
    translator: str | None = None  # vi2zh: the MT backend, when the records do not say
    tags: dict[str, str] = field(default_factory=dict)  # extra summary tag names: {"en": NAME, "zh": NAME}
    fit_train: bool = False  # one pool a little short: train shrinks to what is left (x100), eval splits stay full
    src: str | None = None  # kind "pair": the languages (languages.tsv codes) and an optional dataset name
    tgt: str | None = None
    name_override: str | None = None

    @property
    def spec(self) -> DatasetKind:
        if self.kind == "pair":
            if not (self.src and self.tgt):
                raise ClsDataError("`build pair` needs --src and --tgt (e.g. --src de --tgt en)")
            return pair_kind(self.src, self.tgt, self.name_override)
        if self.src or self.tgt or self.name_override:
            raise ClsDataError(f"--src/--tgt/--name are for `build pair`; `build {self.kind}` is always its own pair")
        return get_kind(self.kind)

    @property
    def name(self) -> str:
        return self.spec.dataset


@dataclass
class BuildResult:
    folder: Path
    name: str
    read: int
    split_rows: dict[str, int]
    dropped: Counter
    parse: ParseReport
    leaks: list[Leak]
    ids_only: bool
    notes: list[str] = field(default_factory=list)  # what the user should know
    rejects: Path | None = None  # the samples dropped as unpublishable, one JSON line each with its reason

    @property
    def unpublishable(self) -> dict[str, int]:
        """Drops for a summary not in its language (the rest of `dropped` is deduplication)."""
        return {reason: n for reason, n in self.dropped.items() if LANGUAGE_DROP in reason}

    @property
    def unmatched(self) -> dict[str, int]:
        return self.parse.unmatched

    @property
    def leak_by_field(self) -> Counter:
        return Counter(f"{leak.field} {leak.other_split}/{leak.split}" for leak in self.leaks)


def _stream(config: BuildConfig, report: ParseReport) -> Iterator[tuple[str, CLSSample]]:
    kind = config.spec
    for pool, sample in sources.read_pools(kind, config.inputs, config.lcsts, report, config.tags):
        if (sample.src_lang, sample.tgt_lang) != (kind.src, kind.tgt):
            raise ClsDataError(
                f"record {sample.id}: {sample.src_lang}->{sample.tgt_lang}, but `build {kind.name}` needs "
                f"{kind.src}->{kind.tgt}"
            )
        yield pool, sample


def _untranslated(config: BuildConfig, count: int, first: CLSSample, read: int, reason: str) -> ClsDataError:
    """The one error (--strict, or an ids manifest naming such a sample) for unpublishable samples."""
    fix = (
        "drop --strict to build without them (they are counted and listed in a rejects file), or rerun "
        "`cls-data filter` (it rejects untranslated answers) and build from its new kept.jsonl"
        if config.kind in ("vi2zh", "pair")
        else "drop --strict to build without them, or remove those records"
    )
    if config.ids_manifest:
        fix = f"{config.ids_manifest} names it; build without --ids to drop such samples"
    column = language_fault(first, config.spec)[0]
    value = getattr(first, column)
    return ClsDataError(
        f"{count:,} of {read:,} samples cannot be published ({reason}"
        f", e.g. id {first.id}: {column} {value[:40]!r}): {fix}"
    )


def _dedup(config: BuildConfig, report: ParseReport, rejects: RejectsFile) -> tuple[dict[str, list[str]], Counter, int]:
    """Ids per pool after the language check and deduplication (pass 1: only fingerprints are held).

    A sample whose summary or cls_summary is not in its language (an answer the translator
    returned untranslated, say) is dropped before deduplication, counted and written to `rejects`;
    with --strict it stops the build.
    """
    by_pool: dict[str, list[DedupKey]] = {}
    unpublishable: Counter = Counter()
    first_wrong: tuple[CLSSample, str] | None = None
    for pool, sample in _stream(config, report):
        reason = language_drop(sample, config.spec)
        if reason is None:
            by_pool.setdefault(pool, []).append(DedupKey.of(sample))
            continue
        unpublishable[reason] += 1
        first_wrong = first_wrong or (sample, reason)
        if not config.strict:
            rejects.add(sample, reason)
    read = sum(map(len, by_pool.values())) + sum(unpublishable.values())
    if not read:
        raise ClsDataError(f"no samples read from {', '.join(map(str, config.inputs))}")
    if unpublishable and (config.strict or not by_pool):
        raise _untranslated(config, sum(unpublishable.values()), first_wrong[0], read, first_wrong[1])
    if "all" in by_pool and len(by_pool) > 1:
        raise ClsDataError("give either one pool of samples or NCLS train/valid/test files, not a mix")
    if "all" not in by_pool and set(by_pool) != {"train", "valid", "test"}:
        missing = sorted({"train", "valid", "test"} - set(by_pool))
        raise ClsDataError(f"NCLS input lacks the {', '.join(missing)} file(s); give train, valid and test")
    dedup = Deduplicator()
    pools: dict[str, list[str]] = {}
    for pool in sorted(by_pool, key=POOL_ORDER.index):
        pools[pool] = [key.id for key in by_pool[pool] if dedup.keep(key)]
    return pools, unpublishable + dedup.dropped, read


def _fetch(config: BuildConfig, ids: dict[str, list[str]], report: ParseReport) -> tuple[dict[str, CLSSample], int]:
    """The samples of the chosen ids (pass 2 over the input), and how many samples were read."""
    wanted = {i for split in ("train", "validation", "test") for i in ids[split]}
    chosen: dict[str, CLSSample] = {}
    read = 0
    for _, sample in _stream(config, report):
        read += 1
        if sample.id in wanted and sample.id not in chosen:
            reason = language_drop(sample, config.spec)
            if reason and config.ids_manifest:  # a manifest chose it: refuse rather than publish it
                raise _untranslated(config, 1, sample, read, reason)
            if reason:  # pass 1 dropped this copy; a later copy under the same id was kept
                continue
            chosen[sample.id] = sample
    missing = sorted(wanted - chosen.keys())
    if missing:
        raise ClsDataError(
            f"{len(missing):,} chosen id(s) are not in the input (e.g. {missing[0]}); "
            "is this the corpus release the ids manifest was made from?"
        )
    return chosen, read


def _row(sample: CLSSample, with_url: bool) -> dict:
    # NFC as docs/formats.md promises, whatever form the input came in (a Vietnamese NFD summary is
    # another string to every tokenizer, deduplicator and user of the dataset).
    row = {
        "id": sample.id,
        "text": nfc(sample.text),
        "summary": nfc(sample.summary),
        "cls_summary": nfc(sample.cls_summary),
    }
    if with_url:
        row["url"] = sample.url
    return row


def build_dataset(config: BuildConfig, on_progress: Callable[[str], None] | None = None) -> BuildResult:
    """Build `config.out/<Name>/`; raises ClsDataError (and writes nothing) on bad or too little input.

    `on_progress` hears one line per phase: reading a full NCLS train file takes minutes.
    """
    progress = on_progress or (lambda message: None)
    kind = config.spec
    name, src = kind.dataset, kind.src
    target = config.out / name
    check_out(config.out)  # before minutes of reading, not at the end
    if target.exists() and not (target / BUILD_INFO).exists():
        raise ClsDataError(
            f"{target} exists and is not a folder built by cls-data; move it away or choose another --out"
        )
    report = ParseReport()
    rejects = RejectsFile(config.out, name)
    try:
        config, ids, chosen, read, dropped, notes = _choose(config, report, rejects, progress)
        with_url = any(s.url for s in chosen.values())
        splits = {split: [_row(chosen[i], with_url) for i in split_ids] for split, split_ids in ids.items()}
        progress("checking near-duplicates across splits")
        leaks = find_leaks(splits, src, config.leak_threshold)
        if leaks and config.strict:
            first = leaks[0]
            raise ClsDataError(
                f"--strict: {len(leaks)} near-duplicate pair(s) across splits, e.g. {first.field} of {first.split} "
                f"{first.id} ~ {first.other_split} {first.other_id} ({first.overlap:.0%} shared n-grams); nothing "
                "written"
            )
        result = BuildResult(
            target,
            name,
            read,
            {s: len(v) for s, v in splits.items()},
            dropped,
            report,
            leaks,
            config.ids_only,
            notes + _notes(report),
        )
        progress(f"writing {target}")
        info = _build_info(config, result, list(chosen.values()), with_url)
        _write_folder(target, splits, info, config, with_url)
    except BaseException:
        rejects.discard()
        raise
    result.rejects = rejects.commit()
    return result


def _choose(config: BuildConfig, report: ParseReport, rejects: RejectsFile, progress: Callable[[str], None]):
    """(config with the sizes used, split ids, the chosen samples, samples read, drops by reason, notes)."""
    if config.ids_manifest:  # one pass: the manifest already says which ids go where
        config, ids = _from_manifest(config)
        progress(f"reading the samples listed in {config.ids_manifest}")
        chosen, read = _fetch(config, ids, report)
        return config, ids, chosen, read, Counter(), []
    progress("reading, checking languages and deduplicating the input")
    pools, dropped, read = _dedup(config, report, rejects)
    config, notes = _fit_train(config, pools)
    hint = ""
    if config.kind in ("vi2zh", "pair"):  # the filter decides how many there are: say what to ask it for
        missing = config.sizes.total - len(pools.get("all", []))
        hint = (
            f"; {missing:,} more are needed: rerun `cls-data filter` with --keep {read + missing:,}"
            " or more (the filter keeps distinct summaries)"
        )
    check_enough(pools, config.sizes, sum(dropped.values()), hint)
    if "all" in pools:
        ids = split_one_pool(pools["all"], config.sizes, config.seed)
    else:
        ids = sample_pools(pools, config.sizes, config.seed)
    progress(f"reading the texts of the {config.sizes.total:,} sampled ids")
    chosen, _ = _fetch(config, ids, ParseReport())  # pass 1 already counted the problems
    return config, ids, chosen, read, dropped, notes


def _fit_train(config: BuildConfig, pools: dict[str, list[str]]) -> tuple[BuildConfig, list[str]]:
    """With `fit_train`, one pool a little short of the sizes gives train what is left (rounded down
    to a hundred) instead of failing: the paper's 11,000 released pairs hold 10,924 publishable,
    distinct ones, so the paper's 5,000/3,000/3,000 becomes 4,900/3,000/3,000."""
    sizes = config.sizes
    have = len(pools.get("all", []))
    if not config.fit_train or set(pools) != {"all"} or have >= sizes.total:
        return config, []
    train = (have - sizes.validation - sizes.test) // 100 * 100
    if train <= max(sizes.subsets, default=0):
        return config, []  # too short to fit: check_enough says how many more are needed
    fitted = dataclasses.replace(config, sizes=dataclasses.replace(sizes, train=train))
    return fitted, [
        f"the input holds {have:,} distinct publishable samples, fewer than the {sizes.total:,} of "
        f"{sizes.describe()}: train has {train:,} (validation and test are full); give --sizes to choose"
    ]


def _notes(report: ParseReport) -> list[str]:
    agreement = report.join_agreement
    if agreement is None or agreement >= 0.9:
        return []
    return [
        f"only {report.join_agreed:,} of {report.join_checked:,} LCSTS summaries ({agreement:.0%}) agree with the "
        "NCLS Chinese summary of the same id; the others were not joined. If the Chinese section of your "
        "ZH2ENSUM files is not the original LCSTS summary, name the right one with --tags zh=NAME"
    ]


def check_out(out: Path) -> None:
    """An --out that cannot hold the dataset folder is one line before any work; nothing is created."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ClsDataError(f"--out {out}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ClsDataError(f"--out {out}: cannot write in {existing} (permission denied)")


def _from_manifest(config: BuildConfig) -> tuple[BuildConfig, dict[str, list[str]]]:
    """The config (seed, sizes) and split ids recorded in an ids.json manifest."""
    path = config.ids_manifest
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        splits, kind = manifest["splits"], manifest["kind"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ClsDataError(f"{path}: not an ids.json manifest written by `cls-data build` ({exc})") from None
    if kind != config.kind:
        raise ClsDataError(f"{path} lists {kind} ids; run `cls-data build {kind}` with it")
    if not isinstance(splits, dict) or not {"train", "validation", "test"} <= splits.keys():
        raise ClsDataError(f"{path}: its splits must include train, validation and test")
    sizes = SplitSizes.parse(manifest.get("sizes", ""))
    return dataclasses.replace(config, seed=manifest.get("seed", config.seed), sizes=sizes), splits


def _build_info(config: BuildConfig, result: BuildResult, samples: list[CLSSample], with_url: bool) -> dict:
    from cls_data.dataset import provenance

    kind = config.spec
    inputs = [*sources.expand_inputs(kind, config.inputs), *config.lcsts]
    return {
        "name": kind.dataset,
        "kind": kind.name,
        "src_lang": kind.src,
        "tgt_lang": kind.tgt,
        "seed": config.seed,
        "sizes": config.sizes.describe(),
        "splits": result.split_rows,
        "unique_rows": sum(result.split_rows[s] for s in ("train", "validation", "test")),
        "has_url": with_url,
        "ids_only": config.ids_only,
        "command": config.command,
        "rebuilt_from": str(config.ids_manifest) if config.ids_manifest else None,
        "repo_id": config.repo_id,
        "tool_version": __version__,
        "built_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "inputs": [{"name": p.name, "bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in inputs],
        "read": result.read,
        "dropped": {**result.unpublishable, **{reason: result.dropped.get(reason, 0) for reason in DROP_REASONS}},
        "rejects": rejects_name(kind.dataset) if result.unpublishable else None,  # beside the folder, unpublished
        "malformed_blocks": result.parse.malformed,
        "malformed_examples": result.parse.problems,
        "unmatched": result.unmatched,
        "lcsts_join": {
            "checked": result.parse.join_checked,
            "agreed": result.parse.join_agreed,
            "agreement": result.parse.join_agreement,
        },
        "tags": config.tags,
        "notes": result.notes,
        "leakage": {
            "threshold": config.leak_threshold,
            "count": len(result.leaks),
            "by_field": dict(result.leak_by_field),
            "pairs": [leak.as_dict() for leak in result.leaks],
        },
        **provenance.describe(config, samples),
    }


def _write_folder(target: Path, splits: dict[str, list[dict]], info: dict, config: BuildConfig, with_url: bool) -> None:
    """The dataset folder, through `dataset_folder.write_folder`: splits, ids.json, stats.json, build_info.json,
    and the card (which names the split files)."""
    from cls_data.dataset.card import render_card

    languages = {"text": info["src_lang"], "summary": info["src_lang"], "cls_summary": info["tgt_lang"]}
    stats = {split: split_stats(rows, languages) for split, rows in splits.items()}
    manifest = {key: info[key] for key in ("name", "kind", "seed", "sizes", "command", "tool_version", "inputs")} | {
        "splits": {split: [row["id"] for row in rows] for split, rows in splits.items()}
    }
    columns = None if config.ids_only else ["id", "text", "summary", "cls_summary", *(["url"] if with_url else [])]
    counts = {split: len(rows) for split, rows in splits.items()}
    write_folder(
        target,
        splits,
        columns,
        {IDS: manifest, STATS: stats, BUILD_INFO: info},
        card=lambda files: render_card(info, stats, files, counts),
    )
