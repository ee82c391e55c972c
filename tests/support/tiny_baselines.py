"""Tiny offline pieces for the baseline tests: dataset-trained vocabularies, pairs to learn, batch builders."""

from __future__ import annotations

from functools import lru_cache

from tests.support.tiny_models import SAMPLE_TEXTS

# (source text, source-language summary, cross-lingual summary)
PAIRS = [
    ("Hà Nội hôm nay trời mưa to, nhiều tuyến phố bị ngập sâu.", "Hà Nội mưa to", "河内下大雨"),
    ("Giá vàng trong nước tăng mạnh trong phiên giao dịch sáng nay.", "Giá vàng tăng", "金价上涨"),
    ("Đội tuyển bóng đá Việt Nam thắng 2-0 trong trận giao hữu.", "Việt Nam thắng", "越南队获胜"),
    ("Bộ Y tế khuyến cáo người dân tiêm vắc xin trước mùa dịch.", "Bộ Y tế khuyến cáo", "卫生部建议接种疫苗"),
]


@lru_cache(maxsize=1)
def ncls_tokenizer():
    from cls_data.benchmark.vocab import train_ncls_tokenizer

    return train_ncls_tokenizer(SAMPLE_TEXTS * 20, vocab_size=300)


@lru_cache(maxsize=1)
def bert_tokenizer():
    from cls_data.benchmark.vocab import train_wordpiece_tokenizer

    return train_wordpiece_tokenizer(SAMPLE_TEXTS * 20, vocab_size=200)


def tiny_bert_encoder(seed: int = 0):
    import torch

    from cls_data.benchmark.models.bert_seq2seq import load_bert_encoder

    torch.manual_seed(seed)
    return load_bert_encoder("tiny", tiny_vocab=len(bert_tokenizer()))


def padded(rows: list[list[int]], value: int):
    import torch

    width = max(map(len, rows))
    return torch.tensor([row + [value] * (width - len(row)) for row in rows])


def batch_for(tokenizer, pairs=PAIRS, *, special_targets: bool = True) -> dict:
    """A model batch as the data pipeline makes it: sources, labels (cls) and mono_labels, padding -100."""
    sources = tokenizer([p[0] for p in pairs], padding=True, return_tensors="pt")
    encode = (lambda texts: tokenizer(texts)["input_ids"]) if special_targets else (
        lambda texts: tokenizer(texts, add_special_tokens=False)["input_ids"])
    return {
        "input_ids": sources["input_ids"], "attention_mask": sources["attention_mask"],
        "mono_labels": padded(encode([p[1] for p in pairs]), -100),
        "labels": padded(encode([p[2] for p in pairs]), -100),
    }
