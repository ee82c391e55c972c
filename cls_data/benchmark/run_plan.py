"""One run resolved once (`RunPlan`): spec, variant, dataset, backbone, codec, each stage's final config, train split.

`resolve_run` builds it, `runs.py` and `stages.py` read it, and the family's `setup` (the LLM's k-shot examples)
receives it; the per-stage TrainConfigs come from `RunContext.train_config`, the function `--plan` reads too.
A run's values flow down from here instead of being looked up again at every layer.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cls_data.benchmark.codec import TextCodec
from cls_data.benchmark.config import SMOKE_BACKBONE, DecodeConfig, StageSpec, TrainConfig, VariantSpec, to_dict
from cls_data.benchmark.context import RunContext, RunSpec
from cls_data.benchmark.data import ClsDataset, train_split_for_size
from cls_data.benchmark.identity import IDENTITY, run_identity
from cls_data.benchmark.registry import BuildContext, Variant, resolve_variant
from cls_data.run_folder import versions


def is_main_process() -> bool:
    """Rank 0 of a DDP launch (accelerate launch / torchrun), or the only process."""
    return int(os.environ.get("RANK", "0")) == 0


def barrier() -> None:
    """Wait for every process of a DDP launch; nothing to do in a single process."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        from accelerate import PartialState

        PartialState().wait_for_everyone()


@dataclass(frozen=True)
class TrainSplit:
    """Where a run's training pairs come from: a split and its first `limit` rows (None: all), and why if not exact."""

    size: int
    split: str
    limit: int | None
    note: str | None

    @classmethod
    def of(cls, dataset: ClsDataset, size: int, capped_at: int | None = None) -> TrainSplit:
        return cls(size, *train_split_for_size(dataset, size, capped_at))

    def rows(self, cap: int | None) -> int | None:
        """The first-N limit of a stage that reads at most `cap` pairs (None: the whole split)."""
        return min(self.limit or cap, cap) if cap else self.limit


@dataclass(frozen=True)
class RunPlan:
    """Everything one run reads, resolved once: what `execute_run` and the stages are handed instead of six values."""

    run: RunSpec
    ctx: RunContext
    variant: Variant
    dataset: ClsDataset
    train: TrainSplit
    backbone: str
    codec: TextCodec
    configs: Mapping[str, TrainConfig]  # stage name -> its final TrainConfig (the inference stage's too)
    notes: tuple[str, ...] = ()  # what the variant's setup did (e.g. which k-shot examples)

    @property
    def spec(self) -> VariantSpec:
        return self.variant.spec

    @property
    def decode(self) -> DecodeConfig:
        return decode_config(self.variant, self.ctx)

    @property
    def options(self) -> dict[str, Any]:
        """The family options this variant reads (`VariantSpec.options`), e.g. the LLM's shots and llm_url."""
        return {name: self.ctx.option(name) for name in self.spec.options}

    @property
    def run_dir(self) -> Path:
        return self.ctx.out / self.run.rel_dir

    def config(self, stage: StageSpec) -> TrainConfig:
        return self.configs[stage.name]

    def build_context(self, stage: StageSpec, init: Path | None) -> BuildContext:
        """What `stage`'s builder receives (`extra`: the variant's family options, e.g. --llm-url)."""
        return BuildContext(
            backbone=self.backbone,
            codec=self.codec,
            src_lang=self.dataset.src_lang,
            tgt_lang=self.dataset.tgt_lang,
            stage=stage,
            train=self.config(stage),
            init=init,
            weighting=self.run.weighting,
            r=self.run.r,
            extra=self.options,
        )

    def record(self, stages: list[StageSpec] | None = None) -> dict:
        """config.json: every setting of the run (of `stages`; default: all it trains), dataset version, versions."""
        run, ctx, spec = self.run, self.ctx, self.spec
        stages = stages if stages is not None else list(spec.stages) or [self.variant.decoding_stage]
        return {
            "variant": run.variant,
            "dataset": run.dataset_name,
            "dataset_path": run.dataset,
            "dataset_fingerprint": self.dataset.fingerprint,
            "src_lang": self.dataset.src_lang,
            "tgt_lang": self.dataset.tgt_lang,
            "weighting": run.weighting,
            "r": run.r,
            "train_size": run.train_size,
            "seed": run.seed,
            "preset": ctx.preset.name,
            "preset_faithful": recipe_faithful(ctx.preset, run.variant),
            "preset_validated": bool(ctx.preset.faithful),
            "max_test_samples": ctx.preset.max_test_samples,  # the report checks predictions.jsonl against it
            "deterministic": ctx.deterministic or ctx.paper_code,
            "paper_code": ctx.paper_code,
            "test_weights": ctx.test_weights,
            "model": {"backbone": self.backbone, "spec": to_dict(spec)},
            "train": {s.name: to_dict(self.config(s)) for s in stages},
            "decode": to_dict(self.decode),
            # the family options the variant reads, e.g. the LLM's shots and server URL (never a key)
            **({"options": self.options} if spec.options else {}),
            IDENTITY: run_identity(ctx, self.variant, self.dataset, self.backbone),  # compared before reuse
            "versions": versions(),
            "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        }


def recipe_faithful(preset: Any, variant: str) -> bool:
    """config.json's `preset_faithful`: a faithful preset, on a system whose recipe the paper gives (presets.py)."""
    from cls_data.benchmark.presets import PAPER_RECIPE_VARIANTS

    return bool(preset.faithful) and variant in PAPER_RECIPE_VARIANTS


def decode_config(variant: Variant, ctx: RunContext) -> DecodeConfig:
    """The variant's decoding settings; --paper-code gives mBART the code's `max_length` room: 128 counted the
    decoder start and the repeated language code, so 126 tokens of summary (with </s>), not 128 new ones."""
    decode = variant.spec.decode_config(ctx.preset)
    if ctx.paper_code and variant.spec.family == "mbart":
        return replace(decode, max_new_tokens=max(1, decode.max_new_tokens - 2))
    return decode


def family_backbone(option: str | None, family: str) -> str | None:
    """The --backbone of `family`: "NAME" is the mBART family's; "FAMILY=NAME,..." names any family's (llm=Qwen/...)."""
    if not option:
        return None
    parts = (part.split("=", 1) if "=" in part else ("mbart", part) for part in option.split(",") if part.strip())
    return dict(parts).get(family)


def backbone_for(variant: Variant, ctx: RunContext, dataset: ClsDataset, train: TrainSplit | None = None) -> str:
    """--backbone (for its family), the tiny dataset-trained model of a preset with `tiny_backbones` (or of
    --backbone smoke-tiny), a backbone trained on the run's training split `train` (`dataset_backbone`, e.g.
    NCLS's vocabulary), or the variant's default."""
    spec = variant.spec
    name = family_backbone(ctx.backbone, spec.family)
    name = name or (SMOKE_BACKBONE if ctx.preset.tiny_backbones else spec.default_backbone)
    if name == SMOKE_BACKBONE:
        folder = ctx.cache / "backbones" / f"{spec.family}-smoke-{dataset.fingerprint}"
        split, limit, builder = "train", None, variant.smoke_backbone
    elif variant.dataset_backbone and name == spec.default_backbone and train is not None:
        split, limit = train.split, train.limit
        folder = ctx.cache / "backbones" / f"{spec.family}-{dataset.fingerprint}-n{train.size}"
        make = variant.dataset_backbone
        builder = lambda texts, out: make(texts, out, dataset.src_lang, dataset.tgt_lang)  # noqa: E731
    else:
        return name
    if not folder.exists() and is_main_process():  # built once under a claim; other workers wait for it
        from cls_data.benchmark.claims import Claim, claim_path

        claim = Claim(claim_path(ctx.out, folder.relative_to(ctx.out)))
        if claim.wait_for(folder):
            try:
                table = dataset.split(split, ("text", "summary", "cls_summary"))
                columns = [
                    list(table[column])[:limit] if limit else list(table[column])
                    for column in ("text", "summary", "cls_summary")
                ]
                tmp = folder.with_name(f"{folder.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
                builder([text for column in columns for text in column], tmp)
                tmp.rename(folder)
            finally:
                claim.release()
    barrier()
    return str(folder)


def _codec(variant: Variant, ctx: RunContext, dataset: ClsDataset, backbone: str) -> TextCodec:
    """The variant's codec of `backbone`, made once per process (loading a tokenizer takes seconds)."""
    key = (variant.spec.codec, backbone, dataset.src_lang, dataset.tgt_lang)
    if key not in ctx.codecs:
        ctx.codecs[key] = variant.codec(backbone, dataset.src_lang, dataset.tgt_lang)
    return ctx.codecs[key]


def stage_configs(ctx: RunContext, spec: VariantSpec) -> dict[str, TrainConfig]:
    """Each stage's final TrainConfig (the inference stage's too), as every RunPlan holds them."""
    stages = (*spec.stages, *((spec.inference,) if spec.inference else ()))
    return {stage.name: ctx.train_config(spec, stage) for stage in stages}


def resolve_run(run: RunSpec, ctx: RunContext) -> RunPlan:
    """The run's `RunPlan`: its variant imported, its dataset opened, its train split chosen (a size the dataset
    cannot supply is one line here), its backbone made or named, its codec loaded, its stages configured once,
    then the variant's `setup` (e.g. the LLM's k-shot examples) applied."""
    variant, dataset = resolve_variant(run.variant), ctx.dataset(run.dataset)
    spec = variant.spec
    configs = stage_configs(ctx, spec)
    train = TrainSplit.of(dataset, run.train_size, ctx.training_cap(spec))
    backbone = backbone_for(variant, ctx, dataset, train)
    plan = RunPlan(
        run=run,
        ctx=ctx,
        variant=variant,
        dataset=dataset,
        train=train,
        backbone=backbone,
        codec=_codec(variant, ctx, dataset, backbone),
        configs=configs,
    )
    if variant.setup is None:
        return plan
    codec, notes = variant.setup(plan)
    return replace(plan, codec=codec, notes=tuple(notes))
