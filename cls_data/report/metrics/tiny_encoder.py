"""A tiny random sentence-transformers encoder (BERT, 2 layers, width 32, mean pooling), built offline.

For the demo and the tests: it exercises LaSE's real code path (sentence-transformers loads it
from a folder like any Hub encoder) without LaBSE's 1.8 GB. Its scores mean nothing; whatever shows
them must say so.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TINY_LABEL = "a tiny random encoder built offline, NOT LaBSE: its LaSE shows the code path, not quality"
MARKER = "TINY_RANDOM_ENCODER"  # a file in the folder: whatever shows its scores labels them (`is_tiny`)


def is_tiny(model: str) -> bool:
    return bool(model) and (Path(model).expanduser() / MARKER).exists()


def _vocabulary(texts: Iterable[str]) -> list[str]:
    """BERT's basic tokenizer splits every CJK character off and Latin text at spaces and punctuation."""
    pieces: dict[str, None] = {}
    for text in texts:
        for piece in re.findall(r"[\u3400-\u9fff]|[^\W_]+|[^\w\s]", text.lower()):
            pieces[piece] = None
    return [*SPECIAL, *pieces]


def build_tiny_encoder(texts: Iterable[str], folder: Path, seed: int = 0) -> Path:
    """Write the encoder to `folder` once (a vocabulary of the texts' characters and words) and return it."""
    folder = Path(folder)
    if (folder / "modules.json").exists():
        return folder
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer import modules as models  # 6.x
    except ImportError:
        from sentence_transformers import models
    from transformers import BertConfig, BertModel, BertTokenizer

    backbone = folder.with_name(folder.name + ".bert")
    backbone.mkdir(parents=True, exist_ok=True)
    vocab = _vocabulary(texts)
    (backbone / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(backbone / "vocab.txt"), do_lower_case=True, model_max_length=128).save_pretrained(backbone)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).eval().save_pretrained(backbone)
    word = models.Transformer(str(backbone), max_seq_length=128)
    dimension = getattr(word, "get_embedding_dimension", None) or word.get_word_embedding_dimension
    pooling = models.Pooling(dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(folder))
    shutil.rmtree(backbone, ignore_errors=True)  # saved into `folder`; the source copy is not needed
    (folder / MARKER).write_text(TINY_LABEL + "\n", encoding="utf-8")
    return folder
