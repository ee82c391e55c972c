"""The decoder-only LLM family (beyond the paper): `llm-prompt` (zero/k-shot) and `llm-lora` (LoRA fine-tuning).

Everything a reader looks for when changing this family: the two specs, the prompt layout (`LlmCodec`),
the k-shot selection, the builders, the answer clean-up and the tiny offline backbone. docs/llm.md
says why the defaults are what they are. No torch at module level (the registry imports this to list names).

Prompt layout (the backbone's own chat template): a system line, then per example a user turn (the
instruction and a document) and an assistant turn (its target-language summary), then the user turn
of the document to summarise and the generation prompt. The token ids are `head + document + tail`,
each part tokenized on its own, so the document alone is truncated to what the context leaves (the
examples and the instruction are never cut) and a server client can read the document back out.
Labels are the summary's tokens and the template's end-of-turn token; the model masks the prompt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cls_data.benchmark.codec import vocabulary_text
from cls_data.benchmark.config import StageSpec, VariantSpec
from cls_data.benchmark.registry import BuildContext, Family, FamilyOption, register_family, register_variant
from cls_data.errors import ClsDataError
from cls_data.outputs import write_json_atomic
from cls_data.text import language_name, language_problem

if TYPE_CHECKING:
    from cls_data.benchmark.run_plan import RunPlan

DEFAULT_LLM = "Qwen/Qwen2.5-1.5B-Instruct"  # Apache-2.0, covers vi/zh/en, a plain ChatML template (docs/llm.md)
_F = "cls_data.benchmark.families.llm:"

# LoRA (docs/llm.md "The LoRA recipe"): rank 16, alpha 32 on every linear layer of the blocks; the optimiser
# recipe (lr 2e-4, 5% warm-up, linear decay, 3 epochs of batches of 16) is the "llm" override of presets.py.
LORA_RANK, LORA_ALPHA, LORA_DROPOUT = 16, 32, 0.05
PROMPT_TOKENS = 2048  # instruction + examples + document; the document is what gets cut
ANSWER_TOKENS = 128  # room left in the context for the answer
SHOT_DOC_TOKENS = 384  # each example's document is cut here, so k examples fit beside the document
MIN_DOC_TOKENS = 32
# Caps, not padding: every preset (smoke too: its tiny model's 1,024 positions cut the budget further).
_LENGTHS = (("src_max_len", PROMPT_TOKENS), ("tgt_max_len", ANSWER_TOKENS))
# Greedy decoding: instruction models are tuned to answer greedily, and n-gram blocking cuts names and numbers
# that a summary legitimately repeats; `max_new_tokens` stays the preset's.
LLM_DECODE = (("num_beams", 1), ("no_repeat_ngram_size", 0))
# --plan: training FLOPs per pair relative to mBART-large at Vi2ZhLow lengths: 1.54B parameters x ~1,200 prompt
# tokens, forward + activation gradients only (4NT, frozen weights) vs 0.61B x ~750 tokens x 6NT: ~2.7.
# Decoding: greedy generate of a 1.5B decoder over ~1,200-token prompts, estimated at 2/3 of mBART's beam-4 rate.
LORA_COST, DECODE_COST = 2.7, 1.5

SYSTEM = "You are a news editor who writes short, faithful summaries."
INSTRUCTION = (
    "Summarise the following {src} news article in {tgt}, in one or two sentences. Answer with the summary only.\n\n"
)
_DOC = "\u0000DOCUMENT\u0000"
_ANSWER = "\u0000ANSWER\u0000"


# --- the family. A run folder keeps what llm-lora saves, its LoRA adapter (rank 16 on every linear layer of
# Qwen2.5-1.5B's 28 blocks: 18.5M parameters); its resume checkpoint also holds the frozen base in bf16 (2 x 1.54B
# bytes); llm-prompt saves nothing. Behind --llm-url a prompted model decodes on the server: an assumed 100
# documents/s on one H100 (vLLM, continuous batching, ~1,200-token prompts, ~60-token greedy answers), not
# measured here; docs/llm.md says how to measure it.
SHOTS = FamilyOption(
    "shots",
    0,
    "llm-prompt: K examples from the run's training split (drawn by its seed) before "
    "every document (default 0: zero-shot).",
    reuse=True,
)
LLM_URL = FamilyOption(
    "llm_url",
    None,
    "llm-prompt: an OpenAI-compatible server, http://HOST:PORT/v1 (vLLM, SGLang); "
    "key from OPENAI_API_KEY (default: generate locally).",
)
register_family(
    Family(
        name="llm",
        params=18.5e6,
        frozen_bytes=2 * 1.54e9,
        options=(SHOTS, LLM_URL),
        server_option="llm_url",
        server_rate=100.0,
    )
)


def _stage(name: str, builder: str, **changes: Any) -> StageSpec:
    return StageSpec(
        name=name, builder=_F + builder, source="text", target="cls_summary", train_overrides=_LENGTHS, **changes
    )


@register_variant("llm-prompt")
def llm_prompt() -> VariantSpec:
    return VariantSpec(
        name="llm-prompt",
        codec=_F + "llm_codec",
        stages=(),
        inference=_stage("prompt", "build_prompted"),
        family="llm",
        default_backbone=DEFAULT_LLM,
        smoke_backbone=_F + "build_tiny_llm",
        setup=_F + "choose_shots",
        options=("shots", "llm_url"),
        postprocess=_F + "clean_answer",
        decode_overrides=LLM_DECODE,
        relative_decode_cost=DECODE_COST,
        description="an instruction LLM prompted zero-shot or with --shots K train examples (local or --llm-url)",
    )


@register_variant("llm-lora")
def llm_lora() -> VariantSpec:
    return VariantSpec(
        name="llm-lora",
        codec=_F + "llm_codec",
        stages=(_stage("lora", "build_lora", loader=_F + "load_lora"),),
        family="llm",
        default_backbone=DEFAULT_LLM,
        smoke_backbone=_F + "build_tiny_llm",
        postprocess=_F + "clean_answer",
        decode_overrides=LLM_DECODE,
        relative_cost=LORA_COST,
        relative_decode_cost=DECODE_COST,
        description="the instruction LLM with LoRA adapters fine-tuned on the zero-shot prompt -> cls_summary",
    )


# --- the prompt layout
class LlmCodec:
    """Chat-template prompts as token ids (role "source") and answers + end-of-turn token (role "target")."""

    def __init__(
        self, tokenizer: Any, src_lang: str, tgt_lang: str, *, context: int, examples: tuple[tuple[str, str], ...] = ()
    ) -> None:
        if not getattr(tokenizer, "chat_template", None):
            raise ClsDataError(
                f"the tokenizer of {tokenizer.name_or_path!r} has no chat template: an instruction model is needed"
            )
        self.tokenizer, self.src_lang, self.tgt_lang, self.context, self.examples = (
            tokenizer,
            src_lang,
            tgt_lang,
            context,
            examples,
        )
        self.instruction = INSTRUCTION.format(src=language_name(src_lang), tgt=language_name(tgt_lang))
        head, _, tail = self._render(self.messages(_DOC), generation=True).partition(_DOC)
        self.head, self.tail = self._ids(head), self._ids(tail)
        after = self._render([{"role": "user", "content": "x"}, {"role": "assistant", "content": _ANSWER}]).partition(
            _ANSWER
        )[2]
        end = self._ids(after)[:1] or [tokenizer.eos_token_id]
        self.end_ids = end
        self.eos_ids = list(
            dict.fromkeys(end + ([tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []))
        )
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos_ids[-1]
        layout = json.dumps(
            [vocabulary_text(tokenizer), self.head, self.tail, self.end_ids, context], ensure_ascii=False
        )
        self.key = f"llm-{len(tokenizer)}-{hashlib.sha1(layout.encode('utf-8')).hexdigest()[:16]}"

    def _render(self, messages: list[dict[str, str]], generation: bool = False) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation)

    def _ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def messages(self, document: str) -> list[dict[str, str]]:
        """The conversation for one document (what a server receives)."""
        turns = [{"role": "system", "content": SYSTEM}]
        for shot_doc, shot_summary in self.examples:
            turns += [
                {"role": "user", "content": self.instruction + shot_doc},
                {"role": "assistant", "content": shot_summary},
            ]
        return turns + [{"role": "user", "content": self.instruction + document}]

    def with_examples(self, examples: list[tuple[str, str]]) -> LlmCodec:
        """This codec with k examples (documents cut at SHOT_DOC_TOKENS) before every document."""
        cut = [
            (self.tokenizer.decode(self._ids(doc)[:SHOT_DOC_TOKENS]).replace("\ufffd", "").strip(), summary)
            for doc, summary in examples
        ]
        return LlmCodec(self.tokenizer, self.src_lang, self.tgt_lang, context=self.context, examples=tuple(cut))

    def document_budget(self, max_len: int) -> int:
        budget = min(max_len, self.context - ANSWER_TOKENS) - len(self.head) - len(self.tail)
        if budget < MIN_DOC_TOKENS:
            raise ClsDataError(
                f"the prompt leaves {budget} tokens for the document (prompt budget {max_len}, context {self.context}, "
                f"{len(self.examples)} examples of up to {SHOT_DOC_TOKENS} tokens): "
                + ("use fewer --shots" if self.examples else "the backbone's context is too short")
            )
        return budget

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]:
        ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        if role == "source":
            budget = self.document_budget(max_len)
            return [self.head + list(doc[:budget]) + self.tail for doc in ids]
        return [list(answer[: max_len - len(self.end_ids)]) + self.end_ids for answer in ids]

    def document(self, source_ids: list[int]) -> str:
        """The (truncated) document inside one encoded prompt."""
        return self.tokenizer.decode(source_ids[len(self.head) : len(source_ids) - len(self.tail)])

    def decode(self, ids: Any) -> list[str]:
        rows = []
        for row in ids:
            row = list(row)
            stops = [row.index(eos) for eos in self.eos_ids if eos in row]
            rows.append(row[: min(stops)] if stops else row)
        return self.tokenizer.batch_decode(rows, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(folder)
        write_json_atomic(Path(folder) / "prompt.json", {"messages": self.messages("{document}")})


def llm_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> LlmCodec:
    from transformers import AutoConfig, AutoTokenizer

    from cls_data.benchmark.pretrained import from_pretrained

    tokenizer = from_pretrained(AutoTokenizer.from_pretrained, backbone, "the tokenizer of")
    config = from_pretrained(AutoConfig.from_pretrained, backbone, "the config of")
    context = getattr(config.get_text_config(), "max_position_embeddings", None) or PROMPT_TOKENS + ANSWER_TOKENS
    return LlmCodec(tokenizer, src_lang, tgt_lang, context=int(context))


def choose_shots(plan: RunPlan) -> tuple[LlmCodec, list[str]]:
    """--shots K examples from the run's training split (`plan`: a `run_plan.RunPlan`), drawn by its seed: the same
    for every test document."""
    import numpy as np

    codec, run, train = plan.codec, plan.run, plan.train
    k = plan.options.get("shots") or 0
    if k <= 0:
        return codec, []
    table = plan.dataset.split(train.split, ("id", "text", "cls_summary"))
    n = min(train.limit or table.num_rows, table.num_rows)
    if k > n:
        raise ClsDataError(f"--shots {k}: the training split {train.split} has only {n} pairs")
    picks = sorted(int(i) for i in np.random.default_rng(run.seed).choice(n, size=k, replace=False))
    rows = table.select(picks)
    chosen = codec.with_examples(list(zip(rows["text"], rows["cls_summary"], strict=False)))
    return chosen, [f"{k}-shot prompt: examples {', '.join(rows['id'])} of {train.split} (seed {run.seed})"]


# --- builders (called as fn(ctx: BuildContext))
def _on_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


@contextlib.contextmanager
def _quiet_peft() -> Iterator[None]:
    """peft 0.21 reads `is_gradient_checkpointing`, deprecated in transformers 5: a FutureWarning per model, not ours to
    fix."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


def build_prompted(ctx: BuildContext) -> Any:
    """The instruction model as it is: local through transformers, or a client of the --llm-url server."""
    from cls_data.benchmark.models.decoder_lm import DecoderLM, ServerLM, load_causal_lm

    if ctx.extra.get("llm_url"):
        from cls_data.benchmark.llm_server import ChatClient

        return ServerLM(ChatClient(ctx.extra["llm_url"], ctx.backbone), ctx.codec)
    return DecoderLM(load_causal_lm(ctx.backbone, frozen_bf16=_on_gpu()), ctx.codec.pad_id, ctx.codec.eos_ids)


def build_lora(ctx: BuildContext) -> Any:
    """The backbone (frozen; bf16 on GPU) with fresh LoRA adapters (fp32, the only trained weights)."""
    from cls_data.benchmark.models.decoder_lm import DecoderLM, load_causal_lm, with_lora

    base = load_causal_lm(ctx.backbone, frozen_bf16=_on_gpu())
    base.requires_grad_(False)
    with _quiet_peft():
        lora = with_lora(base, LORA_RANK, LORA_ALPHA, LORA_DROPOUT)
    return DecoderLM(lora, ctx.codec.pad_id, ctx.codec.eos_ids)


def load_lora(ctx: BuildContext) -> Any:
    """The backbone with the saved adapter (`ctx.init`) merged in, for decoding."""
    from peft import PeftModel

    from cls_data.benchmark.models.decoder_lm import DecoderLM, load_causal_lm

    with _quiet_peft():
        model = PeftModel.from_pretrained(
            load_causal_lm(ctx.backbone, frozen_bf16=_on_gpu()), str(ctx.init)
        ).merge_and_unload()
    return DecoderLM(model, ctx.codec.pad_id, ctx.codec.eos_ids)


# --- answers
_LEADS = ("summary", "tóm tắt", "摘要", "总结", "概要", "here is the summary", "here's the summary", "the summary is")
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»", "「": "」", "『": "』", "„": "“"}


def clean_answer(text: str, tgt_lang: str | None = None) -> dict[str, Any]:
    """The scored prediction of one answer: code fences, a leading "Summary:" and wrapping quotes removed.

    `language_ok` is False for an answer that is not written in the target language (`cls_data.text.language_problem`,
    the filter's check); it is scored as it is and counted in metrics.json (`wrong_language`).
    """
    answer = text.strip()
    if answer.startswith("```"):
        answer = answer.strip("`").strip()
        first, _, rest = answer.partition("\n")
        answer = rest.strip() if rest and first.isalpha() and len(first) < 12 else answer  # ```text ... ```
    for _ in range(2):  # "Summary: "Hà Nội ..."": a lead, then quotes
        lowered = answer.lower()
        for lead in _LEADS:
            if lowered.startswith(lead):
                rest = answer[len(lead) :].lstrip()
                if rest[:1] in (":", "：", "-"):
                    answer = rest[1:].strip()
                    break
        if len(answer) >= 2 and _QUOTES.get(answer[0]) == answer[-1]:
            answer = answer[1:-1].strip()
    answer = " ".join(answer.split()) if "\n" in answer else answer
    ok = not answer or tgt_lang is None or language_problem(answer, tgt_lang) is None
    return {"prediction": answer, "language_ok": ok, **({"raw_prediction": text} if answer != text.strip() else {})}


# --- the smoke backbone (offline, seconds)
CHATML = (
    "{%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)


def build_tiny_llm(
    texts: list[str],
    out_dir: str | Path,
    *,
    vocab_size: int = 1200,
    hidden: int = 32,
    layers: int = 2,
    heads: int = 2,
    seed: int = 0,
) -> Path:
    """A tiny random Qwen2 causal LM and a byte-level BPE tokenizer trained on `texts` and the prompt, with a ChatML
    template."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    prompt_words = [SYSTEM, INSTRUCTION, "system user assistant Vietnamese Chinese English"]
    bpe.train_from_iterator([*texts, *prompt_words * 20], trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=1024
    )
    tokenizer.chat_template = CHATML
    # An untied head: a tiny random model with tied embeddings echoes the prompt's last token ("\n") forever,
    # which strips to an empty answer and leaves the answer clean-up and language check unexercised in smoke runs.
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=1,
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    Qwen2ForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
