"""A multilingual-BERT encoder with a BERT-layer Transformer decoder (PreSumm style), shared by `mclas` and `nguyen-kd`.

Built from existing classes: `EncoderDecoderModel(BertModel, BertLMHeadModel)`. The decoder has
its own word embeddings initialised from BERT's (PreSumm copies them, it does not share them) and
its generator tied to them. Targets use BERT's unused tokens as markers, as MCLAS does:
`[unused1]` starts a summary, `[unused2]` ends it, `[unused5]` separates the monolingual summary
from the cross-lingual one. Label tensors handed to these models hold content ids only (no
`[CLS]`/`[SEP]`, padding -100); the model frames them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from cls_data.benchmark.config import DecodeConfig
from cls_data.benchmark.models.base import IGNORE_INDEX, token_cross_entropy

BOS, EOS, LSEP = "[unused1]", "[unused2]", "[unused5]"
LABEL_SMOOTHING = 0.1
# PreSumm/MCLAS train the pretrained encoder at a far lower rate than the fresh decoder (Noam peaks
# 0.002 vs 0.2 before the schedule's scaling): the encoder's group gets the decoder's lr x this.
ENCODER_LR_SCALE = 0.01


@dataclass(frozen=True)
class DecoderSize:
    layers: int
    heads: int
    ffn: int
    dropout: float


# MCLAS/PreSumm: 6 layers, 8 heads, FFN 2048, dropout 0.2; hidden = the encoder's (768 for mBERT).
DECODER_SIZES = {
    "paper": DecoderSize(layers=6, heads=8, ffn=2048, dropout=0.2),
    "fast": DecoderSize(layers=6, heads=8, ffn=2048, dropout=0.2),
    "smoke": DecoderSize(layers=2, heads=2, ffn=64, dropout=0.0),
}


@dataclass(frozen=True)
class Markers:
    pad: int
    bos: int
    eos: int
    lsep: int

    @classmethod
    def of(cls, tokenizer: Any) -> Markers:
        ids = tokenizer.convert_tokens_to_ids([BOS, EOS, LSEP])
        if tokenizer.unk_token_id in ids:
            raise ValueError(f"tokenizer lacks BERT's unused marker tokens {BOS}, {EOS}, {LSEP}")
        return cls(tokenizer.pad_token_id, *ids)


def frame(content: torch.Tensor, markers: Markers) -> tuple[torch.Tensor, torch.Tensor]:
    """(decoder_input_ids `BOS y`, labels `y EOS`) from right-padded content ids (-100 = padding)."""
    lengths = (content != IGNORE_INDEX).sum(1)
    labels = torch.cat([content, content.new_full((content.size(0), 1), IGNORE_INDEX)], dim=1)
    labels.scatter_(1, lengths[:, None], markers.eos)
    inputs = torch.cat([content.new_full((content.size(0), 1), markers.bos), content], dim=1)
    return inputs.masked_fill(inputs == IGNORE_INDEX, markers.pad), labels


def join_sequential(mono: torch.Tensor, cross: torch.Tensor, lsep: int) -> torch.Tensor:
    """Right-padded rows `mono LSEP cross` (padding -100) from two right-padded content tensors, without Python
    loops."""
    batch, mono_len, cross_len = mono.size(0), mono.size(1), cross.size(1)
    n_mono = (mono != IGNORE_INDEX).sum(1, keepdim=True)
    n_cross = (cross != IGNORE_INDEX).sum(1, keepdim=True)
    out = mono.new_full((batch, mono_len + 1 + cross_len), IGNORE_INDEX)
    out[:, :mono_len] = mono
    # Cross tokens go right after each row's separator; padding lands beyond the row's end (still -100).
    out.scatter_(1, n_mono + 1 + torch.arange(cross_len, device=mono.device), cross)
    out.scatter_(1, n_mono, lsep)
    return out[:, : int((n_mono + 1 + n_cross).max())]


class BertSummarizer(nn.Module):
    """One summary per source (`BOS y EOS`), or MCLAS's sequential target (`BOS mono LSEP cross EOS`)."""

    def __init__(
        self,
        model: Any,
        markers: Markers,
        *,
        task: str = "cls",
        sequential: bool = False,
        label_smoothing: float = LABEL_SMOOTHING,
    ) -> None:
        super().__init__()
        self.model = model
        self.markers = markers
        self.task_names = (task,)
        self.sequential = sequential
        self.label_smoothing = label_smoothing
        gen = self.model.generation_config
        gen.decoder_start_token_id, gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = (
            markers.bos,
            markers.bos,
            markers.eos,
            markers.pad,
        )

    def param_groups(self) -> list[tuple[list[nn.Parameter], float]]:
        """(parameters, relative learning rate): the fresh decoder first (its lr is the one logged), the pretrained
        encoder slower."""
        encoder = list(self.model.get_encoder().parameters())
        ids = {id(p) for p in encoder}
        return [([p for p in self.parameters() if id(p) not in ids], 1.0), (encoder, ENCODER_LR_SCALE)]

    def target(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        content = (
            join_sequential(batch["mono_labels"], batch["labels"], self.markers.lsep)
            if self.sequential
            else batch["labels"]
        )
        return frame(content, self.markers)

    def decode_states(
        self, batch: dict[str, torch.Tensor], decoder_input_ids: torch.Tensor, hidden: bool = False
    ) -> Any:
        return self.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            decoder_input_ids=decoder_input_ids,
            decoder_attention_mask=(decoder_input_ids != self.markers.pad).long(),
            output_hidden_states=hidden,
        )

    def decoder_states(self, batch: dict[str, torch.Tensor], decoder_input_ids: torch.Tensor) -> torch.Tensor:
        """The decoder's final hidden states, without the LM head (a 119k-row matmul the OT term does not need)."""
        mask = batch["attention_mask"]
        encoded = self.model.get_encoder()(input_ids=batch["input_ids"], attention_mask=mask).last_hidden_state
        return self.model.decoder.bert(
            input_ids=decoder_input_ids,
            attention_mask=(decoder_input_ids != self.markers.pad).long(),
            encoder_hidden_states=encoded,
            encoder_attention_mask=mask,
            use_cache=False,
        ).last_hidden_state

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        decoder_input_ids, labels = self.target(batch)
        logits = self.decode_states(batch, decoder_input_ids).logits
        return {self.task_names[0]: token_cross_entropy(logits, labels, self.label_smoothing)}

    @torch.no_grad()
    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, decode: DecodeConfig) -> torch.Tensor:
        # The sequential target holds two summaries and a separator: room for both.
        budget = 2 * decode.max_new_tokens + 1 if self.sequential else decode.max_new_tokens
        return self.model.generate(
            input_ids=input_ids,
            attention_mask=attention_mask,
            num_beams=decode.num_beams,
            no_repeat_ngram_size=decode.no_repeat_ngram_size,
            max_new_tokens=budget,
            length_penalty=decode.length_penalty,
            early_stopping=False,
        )


def tiny_bert_config(vocab_size: int, d_model: int = 32, layers: int = 2, heads: int = 2, ffn: int = 64) -> Any:
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=d_model,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ffn,
        max_position_embeddings=512,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=0,
    )


def build_encoder_decoder(encoder: Any, size: DecoderSize, *, seed: int = 0) -> Any:
    """`EncoderDecoderModel` of `encoder` (a `BertModel`) and a fresh BERT-layer decoder of `size`."""
    from transformers import BertConfig, BertLMHeadModel, EncoderDecoderModel

    enc = encoder.config
    torch.manual_seed(seed)
    decoder = BertLMHeadModel(
        BertConfig(
            vocab_size=enc.vocab_size,
            hidden_size=enc.hidden_size,
            num_hidden_layers=size.layers,
            num_attention_heads=size.heads,
            intermediate_size=size.ffn,
            hidden_dropout_prob=size.dropout,
            attention_probs_dropout_prob=size.dropout,
            max_position_embeddings=512,
            pad_token_id=enc.pad_token_id,
            is_decoder=True,
            add_cross_attention=True,
            tie_word_embeddings=True,
        )
    )
    with torch.no_grad():  # decoder embeddings start as a copy of BERT's (PreSumm's use_bert_emb)
        decoder.get_input_embeddings().weight.copy_(encoder.get_input_embeddings().weight)
    return EncoderDecoderModel(encoder=encoder, decoder=decoder)


def load_bert_encoder(backbone: str, *, tiny_vocab: int | None = None) -> Any:
    """`BertModel` from a Hub id or local folder (`tiny_vocab`: a random tiny one instead); one clear line offline."""
    from transformers import BertModel

    from cls_data.benchmark.pretrained import from_pretrained

    if tiny_vocab is not None:
        return BertModel(tiny_bert_config(tiny_vocab), add_pooling_layer=False)
    return from_pretrained(lambda name: BertModel.from_pretrained(name, add_pooling_layer=False), backbone, "encoder")
