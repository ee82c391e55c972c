"""A decoder-only causal LM (an instruction model, optionally with LoRA adapters) behind the `models.base` interface.

The engine hands every model the same batch: prompts right-padded in `input_ids`/`attention_mask`,
answers in `labels` (padding -100). A decoder-only model needs each prompt directly followed by its
answer, so the prompts are moved to the right edge of their block (left padding) and the answers
appended: a row is `pad.. prompt answer pad..`, positions count only real tokens, and the loss is
taken on the answer positions alone (every prompt token is masked, no answer token is). Generation
uses the same left-padded prompts and returns only the new tokens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from cls_data.benchmark.config import DecodeConfig
from cls_data.benchmark.models.base import IGNORE_INDEX, token_cross_entropy


def left_align(input_ids: torch.Tensor, attention_mask: torch.Tensor, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded rows moved to the right edge (left padding), the same width; one gather, no Python loop per row."""
    width = input_ids.shape[1]
    lengths = attention_mask.sum(dim=1, keepdim=True)
    columns = torch.arange(width, device=input_ids.device).unsqueeze(0)
    source = (columns - (width - lengths)).clamp(min=0)  # column j reads source column j - (width - length)
    mask = (columns >= width - lengths).long()
    ids = torch.gather(input_ids, 1, source).masked_fill(mask == 0, pad_id)
    return ids, mask


def prompt_and_answer(batch: dict[str, torch.Tensor], pad_id: int) -> dict[str, torch.Tensor]:
    """The training row of each pair: `input_ids`, `attention_mask`, `position_ids` and the `labels` (-100 on the
    prompt)."""
    prompt, prompt_mask = left_align(batch["input_ids"], batch["attention_mask"], pad_id)
    answer = batch["labels"]
    answer_mask = answer != IGNORE_INDEX
    attention = torch.cat([prompt_mask, answer_mask.long()], dim=1)
    return {
        "input_ids": torch.cat([prompt, answer.masked_fill(~answer_mask, pad_id)], dim=1),
        "attention_mask": attention,
        "position_ids": (attention.cumsum(dim=1) - 1).clamp(min=0),
        "labels": torch.cat([torch.full_like(prompt, IGNORE_INDEX), answer], dim=1),
    }


class DecoderLM(nn.Module):
    """A `transformers` causal LM (or a `peft` model around one) as a benchmark model with the loss "cls"."""

    task_names = ("cls",)

    def __init__(self, model: Any, pad_id: int, eos_ids: list[int]) -> None:
        super().__init__()
        self.model, self.pad_id, self.eos_ids = model, pad_id, eos_ids

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        row = prompt_and_answer(batch, self.pad_id)
        answer_width = batch["labels"].shape[1]
        # Logits only where an answer token is predicted (the last prompt position and the answer):
        # a 150k-token vocabulary over a 2k-token prompt would cost more memory than the model.
        out = self.model(
            input_ids=row["input_ids"],
            attention_mask=row["attention_mask"],
            position_ids=row["position_ids"],
            logits_to_keep=answer_width + 1,
        )
        return {"cls": token_cross_entropy(out.logits[:, :-1].contiguous(), batch["labels"])}

    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, decode: DecodeConfig) -> torch.Tensor:
        ids, mask = left_align(input_ids, attention_mask, self.pad_id)
        out = self.model.generate(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=decode.max_new_tokens,
            num_beams=decode.num_beams,
            no_repeat_ngram_size=decode.no_repeat_ngram_size,
            length_penalty=decode.length_penalty,
            # instruction models ship sampling defaults (Qwen2.5: temperature 0.7, top-p 0.8, repetition penalty 1.05):
            # the benchmark decodes deterministically with the run's own settings only
            do_sample=False,
            temperature=None,
            top_p=None,
            top_k=None,
            repetition_penalty=None,
            pad_token_id=self.pad_id,
            eos_token_id=self.eos_ids,
        )
        return out[:, ids.shape[1] :]

    def save(self, folder: Path) -> None:
        """A folder `transformers`/`peft` load as is: the LoRA adapter (adapter_config.json + weights) or the full
        model."""
        self.model.save_pretrained(folder)


def load_causal_lm(backbone: str | Path, *, frozen_bf16: bool = False) -> Any:
    """The backbone's causal LM (local folder, HF cache or Hub; offline without a copy is one line)."""
    from transformers import AutoModelForCausalLM

    from cls_data.benchmark.pretrained import from_pretrained

    dtype = torch.bfloat16 if frozen_bf16 else torch.float32
    return from_pretrained(
        lambda name: AutoModelForCausalLM.from_pretrained(name, dtype=dtype), backbone, "the LLM backbone"
    )


def with_lora(model: Any, rank: int, alpha: int, dropout: float) -> Any:
    """`model` with fresh LoRA adapters (peft) on every linear layer of its blocks (not the head); only the
    adapters train, and peft keeps them in fp32 over a bf16 base (the master weights)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules="all-linear", task_type="CAUSAL_LM"
    )
    return get_peft_model(model, config)


class ServerLM(nn.Module):
    """`llm-prompt` through an OpenAI-compatible server: the engine hands it the prompts' token ids, it sends
    each document's conversation (`codec.messages`) and returns the answers as text (`generate_texts`)."""

    task_names = ("cls",)

    def __init__(self, client: Any, codec: Any) -> None:
        super().__init__()
        self.client, self.codec = client, codec

    def generate_texts(self, sources: list[list[int]], decode: DecodeConfig, on_progress: Any = None) -> list[str]:
        conversations = [self.codec.messages(self.codec.document(list(source))) for source in sources]
        return self.client.complete_all(conversations, decode.max_new_tokens, on_progress)
