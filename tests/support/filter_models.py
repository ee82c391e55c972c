"""Tiny random models for the filter stage, built in a folder (no download): an NLLB-style
translation model for the `hf` backend and a BERT encoder for xsim."""

from __future__ import annotations

from pathlib import Path

SYLLABLES = "xin chào thế giới hôm nay trời đẹp tin tức việt nam hà nội mưa".split()


def build_tiny_nllb(path: Path) -> Path:
    """An M2M100 model with an NLLB tokenizer that knows vie_Latn, zho_Hans and eng_Latn."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in SYLLABLES + list("abcdefghijklmnopqrstuvwxyz"):
        vocab.setdefault("▁" + piece, len(vocab))
        vocab.setdefault(piece, len(vocab))
    tokenizer = NllbTokenizer(vocab=vocab, extra_special_tokens=["vie_Latn", "zho_Hans", "eng_Latn"])
    torch.manual_seed(0)
    config = M2M100Config(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=128,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    model = M2M100ForConditionalGeneration(config)
    # A random model may say nothing; keep it to ordinary pieces so every answer is a text.
    model.generation_config.suppress_tokens = [0, 1, 3]
    model.generation_config.min_new_tokens = 3
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_tiny_encoder(path: Path) -> Path:
    """A one-layer BERT with a character vocabulary (Vietnamese letters included)."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    letters = sorted(
        set("abcdefghijklmnopqrstuvwxyzàáảãạăâđêôơườìíọộệ.") | {"##" + c for c in "abcdefghijklmnopqrstuvwxyz"}
    )
    (path / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *letters]) + "\n")
    tokenizer = BertTokenizer(str(path / "vocab.txt"), do_lower_case=True, strip_accents=False)
    torch.manual_seed(0)
    model = BertModel(
        BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=256,
        )
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
