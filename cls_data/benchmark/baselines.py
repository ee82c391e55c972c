"""The non-mBART baselines of the paper's Table 2 in the variant registry: `ncls`, `ncls-ms`, `mclas`, `nguyen-kd`.

Specs only (no torch here): builders, codecs and backbones are lazy strings into
`baseline_builders` and `baseline_codecs`. Each baseline keeps its original optimiser recipe
(`train_overrides` for every preset, `preset_overrides` for `paper` and `fast`); `smoke` keeps the
engine's tiny few-step recipe. Every run lands in the same run folders, results.json and results.md.

Recipes, adapted to 1k-5k training pairs (the originals trained for 100k+ steps on 0.4M-1.7M pairs):
- NCLS/NCLS+MS: Adam(0.9, 0.998, eps 1e-9), inverse-square-root schedule with a linear warm-up over
  the first 10% of the steps (NCLS: 8k-16k steps, more than a whole low-resource run), peak lr 5e-4
  (the Noam peak of a d=512 model), 4,096-token batches (paper) / 16,384 (fast, peak 1e-3), 30 epochs,
  best of validations every 2 epochs (paper) / every 3 on a 500-pair subset (fast).
- MCLAS/Nguyen: one Adam(0.9, 0.999) with two parameter groups, decoder peak lr 2e-3 and the
  pretrained mBERT encoder x0.01 (PreSumm's two Noam optimisers peak at 0.002/sqrt(20k) and
  0.2/sqrt(10k)), inverse-sqrt with 10% warm-up, 4,096-token batches (8 documents of 512 tokens) /
  16,384 (fast), 20 epochs per stage, sources truncated at 512 tokens (BERT's positions).
"""

from __future__ import annotations

from cls_data.benchmark.config import StageSpec, VariantSpec
from cls_data.benchmark.registry import register_variant

_B = "cls_data.benchmark.baseline_builders:"
_C = "cls_data.benchmark.baseline_codecs:"
MBERT = "bert-base-multilingual-cased"

NCLS_ADAM = (("adam_betas", (0.9, 0.998)), ("adam_eps", 1e-9))
_NCLS_SCHEDULE = (("schedule", "inverse-sqrt"), ("warmup_ratio", 0.1), ("grad_accum", 1), ("epochs", 30))
NCLS_PRESETS = (
    ("paper", (("lr", 5e-4), ("token_budget", 4096), ("val_every", 2), *_NCLS_SCHEDULE)),
    ("fast", (("lr", 1e-3), ("token_budget", 16384), ("val_every", 3), ("val_subset", 500), ("compile", True), *_NCLS_SCHEDULE)),
)
_BERT_SCHEDULE = (("schedule", "inverse-sqrt"), ("warmup_ratio", 0.1), ("grad_accum", 1), ("epochs", 20), ("lr", 2e-3),
                  ("src_max_len", 512))
BERT_PRESETS = (
    ("paper", (("token_budget", 4096), ("val_every", 2), *_BERT_SCHEDULE)),
    ("fast", (("token_budget", 16384), ("val_every", 2), ("val_subset", 500), *_BERT_SCHEDULE)),
)

# Training FLOPs per pair relative to mBART-large at Vi2ZhLow lengths (--plan); small models reach a
# lower MFU than mBART-large, so these are lower bounds (bench/bench_train.py measures them).
NCLS_COST, MBERT_COST = 0.11, 0.4


def _ncls_stage(**changes) -> StageSpec:
    fields = {"name": "cls", "builder": _B + "build_ncls", "source": "text", "target": "cls_summary",
              "train_overrides": NCLS_ADAM, "preset_overrides": NCLS_PRESETS}
    return StageSpec(**{**fields, **changes})


def _ncls_spec(name: str, stage: StageSpec, description: str) -> VariantSpec:
    return VariantSpec(name=name, codec=_C + "ncls_codec", stages=(stage,), default_backbone="ncls-dataset-vocab",
                       family="ncls", decode_overrides=(("length_penalty", 0.6),),  # NCLS: beam 4, length penalty 0.6
                       smoke_backbone=_B + "ncls_smoke_backbone", dataset_backbone=_B + "ncls_backbone",
                       relative_cost=NCLS_COST, description=description)


@register_variant("ncls")
def ncls() -> VariantSpec:
    return _ncls_spec("ncls", _ncls_stage(), "NCLS: a Transformer trained from scratch on text -> cls_summary")


@register_variant("ncls-ms")
def ncls_ms() -> VariantSpec:
    stage = _ncls_stage(name="joint", builder=_B + "build_ncls_ms", mono_target="summary",
                        loss_coefficients=(("cls", 1.0), ("mls", 1.0)))
    return _ncls_spec("ncls-ms", stage, "NCLS+MS: shared encoder, a second decoder for the source-language summary, sum of losses")


def _bert_stage(name: str, builder: str, target: str, **changes) -> StageSpec:
    return StageSpec(name=name, builder=_B + builder, source="text", target=target, preset_overrides=BERT_PRESETS, **changes)


def _bert_spec(name: str, stages: tuple[StageSpec, ...], description: str, **changes) -> VariantSpec:
    return VariantSpec(name=name, codec=_C + "bert_codec", stages=stages, default_backbone=MBERT, family="mbert",
                       smoke_backbone=_B + "mbert_smoke_backbone", relative_cost=MBERT_COST, description=description, **changes)


@register_variant("mclas")
def mclas() -> VariantSpec:
    return _bert_spec(
        "mclas",
        (_bert_stage("mono", "build_mclas_mono", "summary", postprocess=False),
         _bert_stage("sequential", "build_mclas_sequential", "cls_summary", mono_target="summary", init_from="mono")),
        "MCLAS: mBERT encoder, one decoder generating mono [LSEP] cross; monolingual stage first",
        postprocess="cls_data.benchmark.models.mclas:split_at_separator",
        decode_overrides=(("num_beams", 5),),  # MCLAS decodes with beam 5 (trigram blocking as every variant)
    )


@register_variant("nguyen-kd")
def nguyen_kd() -> VariantSpec:
    return _bert_spec(
        "nguyen-kd",
        (_bert_stage("teacher", "build_nguyen_teacher", "summary"),
         _bert_stage("student", "build_nguyen_student", "cls_summary", mono_target="summary", init_from="teacher",
                     loss_coefficients=(("cls", 1.0), ("ot", 0.1)), loader=_B + "load_nguyen_student")),
        "Nguyen & Luu: monolingual teacher, CLS student + 0.1 x Sinkhorn divergence between decoder states",
    )
