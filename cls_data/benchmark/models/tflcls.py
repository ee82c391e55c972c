"""TFLCLS's two-decoder model: one shared encoder, a cross-lingual decoder that generates, a monolingual one that
teaches.

`TwoDecoderSeq2Seq` wraps any Hugging Face encoder-decoder of the BART/mBART architecture
(`get_encoder()`, `get_decoder()`, `get_output_embeddings()`, optional `final_logits_bias`) and a
second decoder of the same architecture. `tflcls` builds it from mBART (`build_tflcls`); `ncls-ms`
can build it from a from-scratch BART/mBART config (`build_two_decoder` with two fresh models).

How weights are shared (README, "How TFLCLS shares embeddings and LM heads"):
- The wrapped seq2seq is the cross-lingual path: encoder, cross-lingual decoder, LM head. For
  `tflcls` it is the stage-1 (translation) checkpoint, so stage 2 starts from exactly those weights.
- The monolingual decoder's own weights (layers, positions, layer norms) are a copy of the
  PRETRAINED backbone's decoder. Its token embedding and LM head are not copies: it uses the very
  modules of the seq2seq (mBART ties token embeddings and LM head into one matrix), so there is
  one 250k x 1024 matrix for encoder, both decoders and both heads. mBART was pretrained with
  that tying; a second head would add 256M parameters that a few thousand pairs cannot train; and
  the paper's code, which left the monolingual head random and untied, started the monolingual task
  from a random head (loss near ln 250k) whose early gradients all flow into the shared encoder.
- The monolingual decoder gets its own decoder inputs (its labels shifted right after its own
  start id, the source-language code) and the source mask for cross-attention, never the
  cross-lingual decoder's mask (a defect of the paper's code). Decoder inputs are right-padded and
  attention is causal, so positions before the padding never see it; no decoder mask is needed.
- Only the cross-lingual path generates; its first token is `cls_start_id`, no forced BOS.

`save(folder)` writes the cross-lingual path as a plain Hugging Face folder (loadable on its own by
`load_mbart` for decoding) plus `mono_decoder.safetensors` and `two_decoder.json`; `load(folder)`
restores the whole model.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cls_data.benchmark.config import DecodeConfig
from cls_data.benchmark.models.base import IGNORE_INDEX, token_cross_entropy
from cls_data.benchmark.models.generation import beam_generate

MONO_WEIGHTS = "mono_decoder.safetensors"
TWO_DECODER_META = "two_decoder.json"


def shift_right(labels: torch.Tensor, start_id: int, pad_id: int) -> torch.Tensor:
    """Decoder inputs from labels: `start` then the labels without their last position (-100 -> pad).

    For mBART labels `Y </s> lang` with start = lang this is exactly mBART's `shift_tokens_right`.
    """
    ids = labels.masked_fill(labels == IGNORE_INDEX, pad_id)
    return torch.cat([ids.new_full((ids.size(0), 1), start_id), ids[:, :-1]], dim=1)


def copy_decoder(source: Any, embed_tokens: nn.Module) -> nn.Module:
    """A deep copy of `source`'s decoder (a seq2seq model or a decoder) that uses `embed_tokens` instead of its own."""
    decoder = source.get_decoder() if hasattr(source, "get_decoder") else source
    own = decoder.embed_tokens
    if own.weight.shape != embed_tokens.weight.shape:
        raise ValueError(
            f"the monolingual decoder's source has a {tuple(own.weight.shape)} token embedding, the model "
            f"{tuple(embed_tokens.weight.shape)}: they must share one vocabulary (pad both heads alike)"
        )
    # The memo makes deepcopy hand back the shared embedding module instead of copying the source's.
    return copy.deepcopy(decoder, memo={id(own): embed_tokens})


class TwoDecoderSeq2Seq(nn.Module):
    """Shared encoder + cross-lingual decoder (the wrapped seq2seq) + monolingual decoder; losses `cls` and `mls`."""

    task_names = ("cls", "mls")

    def __init__(
        self, seq2seq: Any, mono_decoder: nn.Module, cls_start_id: int, mono_start_id: int, label_smoothing: float = 0.0
    ) -> None:
        super().__init__()
        if mono_decoder.embed_tokens is not seq2seq.get_decoder().embed_tokens:
            raise ValueError("the monolingual decoder must use the model's token embedding (see copy_decoder)")
        self.seq2seq = seq2seq
        self.mono_decoder = mono_decoder
        self.cls_start_id, self.mono_start_id = int(cls_start_id), int(mono_start_id)
        self.label_smoothing = float(label_smoothing)  # NCLS uses 0.1; never with a -inf padded head (models.base)
        self.seq2seq.generation_config.decoder_start_token_id = self.cls_start_id
        self.seq2seq.generation_config.forced_bos_token_id = None

    @property
    def pad_id(self) -> int:
        return self.seq2seq.config.pad_token_id

    def lm_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The shared LM head (and its bias, -inf on padded rows) applied to decoder states."""
        logits = self.seq2seq.get_output_embeddings()(hidden)
        bias = getattr(self.seq2seq, "final_logits_bias", None)
        return logits if bias is None else logits + bias.to(logits.dtype)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        mask = batch["attention_mask"]
        encoded = self.seq2seq.get_encoder()(input_ids=batch["input_ids"], attention_mask=mask)
        cls_logits = self.seq2seq(
            encoder_outputs=encoded,
            attention_mask=mask,
            use_cache=False,
            decoder_input_ids=shift_right(batch["labels"], self.cls_start_id, self.pad_id),
        ).logits
        mono_hidden = self.mono_decoder(
            input_ids=shift_right(batch["mono_labels"], self.mono_start_id, self.pad_id),
            encoder_hidden_states=encoded.last_hidden_state,
            encoder_attention_mask=mask,
            use_cache=False,
        ).last_hidden_state
        return {
            "cls": token_cross_entropy(cls_logits, batch["labels"], self.label_smoothing),
            "mls": token_cross_entropy(self.lm_logits(mono_hidden), batch["mono_labels"], self.label_smoothing),
        }

    @torch.no_grad()
    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, decode: DecodeConfig) -> torch.Tensor:
        """Cross-lingual summaries from the cross-lingual decoder only, starting with `cls_start_id`."""
        return beam_generate(self.seq2seq, input_ids, attention_mask, self.cls_start_id, decode)

    def save(self, folder: str | Path) -> Path:
        """A Hugging Face folder of the cross-lingual path, plus the monolingual decoder's own weights."""
        from safetensors.torch import save_file

        out = Path(folder)
        self.seq2seq.save_pretrained(out)
        own = {
            k: v.detach().contiguous()
            for k, v in self.mono_decoder.state_dict().items()
            if not k.startswith("embed_tokens.")
        }
        save_file(own, str(out / MONO_WEIGHTS))
        meta = {
            "cls_start_id": self.cls_start_id,
            "mono_start_id": self.mono_start_id,
            "label_smoothing": self.label_smoothing,
            "shared": "mono_decoder.embed_tokens and its LM head are the seq2seq's",
        }
        (out / TWO_DECODER_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, folder: str | Path, **from_pretrained: Any) -> TwoDecoderSeq2Seq:
        """The model `save` wrote (keyword arguments go to `from_pretrained`, e.g. `attn_implementation`)."""
        from safetensors.torch import load_file
        from transformers import AutoModelForSeq2SeqLM

        folder = Path(folder)
        meta = json.loads((folder / TWO_DECODER_META).read_text(encoding="utf-8"))
        seq2seq = AutoModelForSeq2SeqLM.from_pretrained(folder, **from_pretrained)
        mono = copy_decoder(seq2seq, seq2seq.get_decoder().embed_tokens)
        missing, unexpected = mono.load_state_dict(load_file(str(folder / MONO_WEIGHTS)), strict=False)
        if unexpected or any(not k.startswith("embed_tokens.") for k in missing):
            raise ValueError(
                f"{folder / MONO_WEIGHTS} does not match the decoder: missing {missing}, unexpected {unexpected}"
            )
        return cls(seq2seq, mono, meta["cls_start_id"], meta["mono_start_id"], meta.get("label_smoothing", 0.0))


def build_two_decoder(
    seq2seq: Any, mono_decoder_source: Any, cls_start_id: int, mono_start_id: int, *, label_smoothing: float = 0.0
) -> TwoDecoderSeq2Seq:
    """Two decoders over `seq2seq`'s encoder; the monolingual one is a copy of `mono_decoder_source`'s decoder.

    `seq2seq` (used as is, not copied) gives the encoder, the cross-lingual decoder and the shared
    embedding/LM head; `mono_decoder_source` is a seq2seq model or a decoder of the same architecture
    and vocabulary (for `ncls-ms`: a second model built from the same config).
    """
    return TwoDecoderSeq2Seq(
        seq2seq,
        copy_decoder(mono_decoder_source, seq2seq.get_decoder().embed_tokens),
        cls_start_id,
        mono_start_id,
        label_smoothing,
    )


def build_tflcls(
    backbone: str | Path, *, stage1: str | Path | None, src_lang_id: int, tgt_lang_id: int
) -> TwoDecoderSeq2Seq:
    """TFLCLS stage 2 from mBART: cross-lingual path from the stage-1 folder (or, with `stage1=None`
    for `tflcls-no-tra`, from the backbone), monolingual decoder from the pretrained backbone."""
    from cls_data.benchmark.models.mbart import load_mbart

    pretrained, _ = load_mbart(backbone)
    seq2seq = pretrained if stage1 is None else load_mbart(stage1)[0]
    return build_two_decoder(seq2seq, pretrained, cls_start_id=tgt_lang_id, mono_start_id=src_lang_id)
