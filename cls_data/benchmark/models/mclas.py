"""MCLAS (Bai et al. 2021): mBERT encoder, one decoder generating `mono [LSEP] cross` in one sequence.

Low-resource schedule (as the TFLCLS paper ran it): stage `mono` trains monolingual summarisation
(text -> summary) on the same small training set; stage `sequential` continues from it on the
sequential target. Only the text after the separator is the cross-lingual summary that is scored;
a generation without a separator scores as an empty summary and is counted.
"""

from __future__ import annotations

import re
from typing import Any

from cls_data.benchmark.models.bert_seq2seq import BOS, EOS, LSEP, BertSummarizer, DecoderSize, Markers, build_encoder_decoder
from cls_data.text import CJK

# BERT's decoder puts a space around every Han character ("今 天"); glue them back for the saved text.
_SPACED_CJK = re.compile(rf"(?<=[{CJK}\u3000-\u303f\uff00-\uffef])\s+(?=[{CJK}\u3000-\u303f\uff00-\uffef])")


def build_mclas(encoder: Any, tokenizer: Any, size: DecoderSize, *, sequential: bool, seed: int = 0,
                init_state: dict | None = None) -> BertSummarizer:
    """Stage `mono` (`sequential=False`, loss "mls") or `sequential` (loss "cls") MCLAS model."""
    model = build_encoder_decoder(encoder, size, seed=seed)
    wrapped = BertSummarizer(model, Markers.of(tokenizer), task="cls" if sequential else "mls", sequential=sequential)
    if init_state is not None:
        wrapped.load_state_dict(init_state)
    return wrapped


def glue_cjk(text: str) -> str:
    return _SPACED_CJK.sub("", text)


def split_at_separator(decoded: str) -> dict[str, Any]:
    """The scored prediction of one MCLAS generation: the text after the first separator, "" when there is none.

    `decoded` is the generation decoded with its markers kept as text; start/end markers are dropped.
    """
    raw = " ".join(decoded.replace(BOS, " ").replace(EOS, " ").split())
    found = LSEP in raw
    after = raw.split(LSEP, 1)[1] if found else ""
    return {"prediction": glue_cjk(" ".join(after.split())), "raw_prediction": glue_cjk(raw), "separator_found": found}
