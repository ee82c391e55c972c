"""Typed, frozen configuration of the benchmark, saved with every run (config.json).

`DecodeConfig` (how summaries are generated), `TrainConfig` (one stage's optimisation recipe),
`StageSpec`/`VariantSpec` (what a registered variant trains, from which columns, in which order),
and `GridSpec` (which runs a grid holds). The presets that fill these in live in `presets.py`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from cls_data.errors import ClsDataError

PAPER_BACKBONE = "facebook/mbart-large-cc25"
# Keyword a user passes as --backbone: a tiny random backbone with a tokenizer trained on the dataset
# itself, built offline by the family's smoke builder (what a preset with `tiny_backbones` always uses).
SMOKE_BACKBONE = "smoke-tiny"
TRAIN_SPLITS = {1000: "train_1000", 3000: "train_3000", 5000: "train"}
# "inverse-sqrt": linear warm-up over warmup_ratio of the steps to lr, then lr * sqrt(warmup / step)
# (the Noam/fairseq schedule of the from-scratch Transformer baselines).
SCHEDULES = ("epoch-decay", "warmup-linear", "inverse-sqrt", "constant")


@dataclass(frozen=True)
class DecodeConfig:
    """How summaries are generated (the paper's public config: beam 4, no repeated 3-grams, 128 tokens)."""

    num_beams: int = 4
    no_repeat_ngram_size: int = 3
    max_new_tokens: int = 128
    length_penalty: float = 1.0
    batch_size: int = 64  # sources per generate call; batches are cut from length-sorted sources


@dataclass(frozen=True)
class TrainConfig:
    """One stage's optimisation recipe; the trainer reads nothing else."""

    lr: float = 5e-5
    batch_size: int = 4  # sentences per micro-batch when token_budget is None
    token_budget: int | None = None  # padded source tokens per micro-batch (length-grouped batches)
    grad_accum: int = 4  # micro-batches per optimizer step
    epochs: int = 10
    max_steps: int | None = None  # stop after this many optimizer steps (smoke runs)
    schedule: str = "epoch-decay"  # "epoch-decay": lr * lr_gamma**epoch | "warmup-linear" | "inverse-sqrt" | "constant"
    lr_gamma: float = 0.95
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-8
    clip_norm: float = 1.0
    weighting_lr: float | None = None  # learned loss weights' own lr; None = the model's lr (paper)
    val_subset: int | None = None  # None = the full validation split; else a fixed seeded subset
    val_every: int = 1  # epochs between validations (the last epoch is always validated)
    max_train_samples: int | None = None  # cap on training pairs (smoke)
    src_max_len: int = 768
    tgt_max_len: int = 128
    src_multiple: int = 64  # batch shapes are rounded up to these multiples (few distinct shapes)
    tgt_multiple: int = 16
    precision: str = "auto"  # "auto": bf16 autocast with fp32 master weights on CUDA, fp32 on CPU | "fp32" | "bf16"
    # "length": pools of pairs sorted by length and cut into batches (little padding, few shapes) | "shuffle": batches
    # cut from the shuffled order as they come (the paper's code; --paper-code)
    batching: str = "length"
    clip_weighting: bool = (
        False  # clip the learned loss weights' gradients together with the model's (the paper's code)
    )
    compile: bool = False  # torch.compile the model (worth it on bucketed shapes on GPU)
    checkpoint_every: int | None = None  # optimizer steps between resume checkpoints; None = every epoch
    log_every: int = 10  # optimizer steps between step lines in train_log.jsonl
    # torch's deterministic algorithms (cuDNN/cuBLAS included): on CUDA a killed run then resumes to the same
    # weights as an uninterrupted one (docs/paper-fidelity.md); CPU runs are deterministic anyway.
    deterministic: bool = False
    # "best": the weights of the best validation epoch are kept and tested | "last": the last epoch's (the paper's
    # code tested the last: `trainer.test(model=model)` after `fit`); set on a run's decoding stage by --test-weights
    test_weights: str = "best"

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ClsDataError(f"unknown schedule {self.schedule!r}; choose one of: {', '.join(SCHEDULES)}")
        if self.precision not in ("auto", "fp32", "bf16"):
            raise ClsDataError(f"unknown precision {self.precision!r}; choose auto, fp32 or bf16")
        if self.test_weights not in ("best", "last"):
            raise ClsDataError(f"unknown test weights {self.test_weights!r}; choose best or last")
        if self.batching not in ("length", "shuffle"):
            raise ClsDataError(f"unknown batching {self.batching!r}; choose length or shuffle")


@dataclass(frozen=True)
class StageSpec:
    """One training stage of a variant.

    `builder` is a lazy "module:function" string; the function is called as
    `builder(ctx: BuildContext) -> model` (see `registry.BuildContext`) and returns a model that
    implements `models.base` (named losses, `generate`). `source`/`target` name the dataset
    columns read as encoder input and cross-lingual labels; `mono_target` the column of a second
    (monolingual) target when the model has two tasks. `init_from` names an earlier stage (of this
    variant, or a shared stage) whose best weights the builder receives as `ctx.init`.
    `shared` makes the stage a run of its own, trained once per dataset, train size and seed and
    reused by every variant/weighting/r that names the same key (docs/run-folders.md, the shared
    stage-1 runs); its folder is `RUNS/<dataset>/<shared>/n<size>/seed<k>/`. `recipe` picks the preset's
    TrainConfig ("stage1" = single fine-tuning, "stage2" = second stage / joint) and
    `train_overrides` replaces fields of it for every preset (a model's own optimiser settings);
    `presets.Preset.train_config` computes the result (with the preset's per-family overrides).
    """

    name: str
    builder: str
    source: str = "text"
    target: str = "cls_summary"
    mono_target: str | None = None
    init_from: str | None = None
    shared: str | None = None
    recipe: str = "stage1"
    weighted: bool = False  # the stage's losses are combined by the run's loss-weighting scheme
    loss_coefficients: tuple[
        tuple[str, float], ...
    ] = ()  # fixed weights of an unweighted stage's sum, e.g. (("ot", 0.1),)
    train_overrides: tuple[tuple[str, Any], ...] = ()
    # Further overrides for one preset only, applied after `train_overrides`: ((preset name, ((field, value), ...)),
    # ...).
    preset_overrides: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    postprocess: bool = True  # apply the variant's `postprocess` to this stage's generations (MCLAS's mono stage: no)
    # "module:function" called as `loader(ctx)` with `ctx.init` = this stage's best weights, to reload
    # the trained model for decoding; None = the builder itself with `ctx.init` set to those weights.
    loader: str | None = None


@dataclass(frozen=True)
class VariantSpec:
    """A registered benchmark variant: its text codec, its stages in order, its weighting schemes.

    `codec` is a lazy "module:function" called as `codec(backbone, src_lang, tgt_lang)`; it returns
    the object that turns columns into token ids and ids into text (`codec.TextCodec`). The last
    stage's best weights are the run's model; only that model generates at test time.
    `postprocess` ("module:function", optional) maps a decoded string to a dict holding at least
    `prediction` (MCLAS keeps the text after its separator and adds `raw_prediction`); a post-processor
    with a `tgt_lang` parameter also receives the language it should be in (the LLM family flags wrong-language
    answers).
    """

    name: str
    codec: str
    stages: tuple[StageSpec, ...]
    # schemes a run may use (`registry.weightings_of`); ("all",) = every registered one; () = a single-loss variant
    weightings: tuple[str, ...] = ()
    default_weighting: str | None = None
    postprocess: str | None = None
    default_backbone: str = PAPER_BACKBONE
    family: str = "mbart"  # --backbone replaces the default backbone of the variants of this family only
    # "module:function" called as `fn(texts, out_dir)` that saves a tiny backbone trained on the dataset's texts (smoke
    # preset)
    smoke_backbone: str = "cls_data.benchmark.families.mbart:build_tiny_mbart"
    relative_cost: float = 1.0  # training cost per pair of one decoder relative to mBART-large's (for --plan)
    relative_decode_cost: float = 1.0  # decoding cost per document relative to mBART-large's beam 4 (for --plan)
    # "module:function" called as `fn(texts, out_dir, src_lang, tgt_lang)` that saves a backbone trained on the
    # run's own training split (NCLS: its vocabulary and model config) for every preset but smoke; None = pretrained
    dataset_backbone: str | None = None
    # Decoding settings of this variant's original recipe on top of the preset's, e.g. NCLS's length penalty 0.6.
    decode_overrides: tuple[tuple[str, Any], ...] = ()
    # A variant that trains nothing (`stages=()`, e.g. a prompted LLM): the stage whose builder makes the decoding
    # model from the backbone and whose columns and length limits encode the test split; never trained.
    inference: StageSpec | None = None
    # "module:function" called as `fn(plan: run_plan.RunPlan) -> (codec, notes)` once per run before anything is
    # encoded (the LLM family draws its k-shot examples from the run's training split here); None = the codec as made
    setup: str | None = None
    options: tuple[str, ...] = ()  # the family options (`registry.Family.options`) this variant reads and records
    description: str = ""

    def stage(self, name: str) -> StageSpec:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise ClsDataError(
            f"variant {self.name!r} has no stage {name!r}; stages: {', '.join(s.name for s in self.stages)}"
        )

    def decode_config(self, preset: Any) -> DecodeConfig:
        """The preset's decoding settings with this variant's own on top (`preset`: a `presets.Preset`)."""
        return (
            dataclasses.replace(preset.decode, **dict(self.decode_overrides))
            if self.decode_overrides
            else preset.decode
        )

    def derive(self, name: str, **changes: Any) -> VariantSpec:
        """A new spec from this one (ablations are derived specs, not trainer flags)."""
        return dataclasses.replace(self, name=name, **changes)


@dataclass(frozen=True)
class GridSpec:
    """Datasets x variants x weightings x r x train sizes x seeds (see `grid.expand`).

    `variants=("all",)` means every registered variant; `weightings=()` means each variant's
    default scheme, `("all",)` every scheme the variant accepts. `rs` apply to weighting `tflcls` only.
    """

    datasets: tuple[str, ...]
    variants: tuple[str, ...] = ("all",)
    weightings: tuple[str, ...] = ()
    rs: tuple[float, ...] = (2.0,)
    train_sizes: tuple[int, ...] = (1000, 3000, 5000)
    seeds: tuple[int, ...] = (0,)
    preset: str = "paper"
    backbone: str | None = None  # None = the preset's (or the variant's) default
    eval_on: tuple[str, ...] = ()
    src_lang: str | None = None
    tgt_lang: str | None = None
    deterministic: bool = False  # every stage with TrainConfig.deterministic (CUDA: exact resume, some speed lost)
    # the numerics of the paper's code: fp32, shuffled batches, its micro-batches (RunContext.train_config)
    paper_code: bool = False
    # settings only one family reads, ((name, value), ...) sorted: the LLM's shots and llm_url
    # (`registry.Family.options`; a grid file or the CLI names them like any other key)
    options: tuple[tuple[str, Any], ...] = ()
    test_weights: str = "best"  # the epoch whose weights a run tests: "best" (validation ROUGE-2) | "last" (the code's)
    paper_tokens: str | None = (
        None  # the paper's ROUGE unit's tokenizer (paper_metrics.py); None: the paper's if cached
    )


def to_dict(config: Any) -> Any:
    """A dataclass (nested ones included) as JSON-ready values; tuples become lists."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, (list, tuple)):
        return [to_dict(item) for item in config]
    if isinstance(config, dict):
        return {str(key): to_dict(value) for key, value in config.items()}
    return config
