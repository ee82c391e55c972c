"""Vocabularies trained on a dataset's own texts with `tokenizers`, wrapped as transformers fast tokenizers.

Two kinds, both offline and deterministic for a given list of texts:

- `train_ncls_tokenizer`: the joint source/target vocabulary of the from-scratch Transformer
  baselines (`ncls`, `ncls-ms`). Han characters and CJK punctuation are always single units
  (NCLS's own choice for Chinese, and what the character-level ROUGE scores), everything else is
  BPE over whitespace-separated words with punctuation split off. One joint vocabulary serves
  every pair (vi/en/zh), so encoder and decoder share one embedding matrix.
- `train_wordpiece_tokenizer`: a small WordPiece vocabulary laid out like multilingual BERT's
  (`[PAD]`, `[unused1..99]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`), the offline stand-in for
  `bert-base-multilingual-cased` in the smoke preset and tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from cls_data.text import CJK

# Ideographic punctuation (、。「」…) and full-width forms (，！？０-９) split like Han characters.
CJK_UNITS = CJK + "\u3000-\u303f\uff00-\uffef"
NCLS_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")

# Joint vocabulary sizes (Han characters seen in training + BPE merges up to the total). The
# low-resource splits hold 0.7M-3.6M source words: 12k types keeps Vietnamese syllables and frequent
# English words whole while every zh character seen (~3-4k) stays its own unit; larger vocabularies
# leave most types seen a handful of times (Sennrich & Zhang 2019: small BPE vocabularies win in low
# resource). Zh2En has short Chinese sources (LCSTS) and short English summaries: fewer merges are needed.
NCLS_VOCAB_SIZES = {"vi-zh": 12000, "en-zh": 12000, "zh-en": 10000}
NCLS_DEFAULT_VOCAB = 12000


def ncls_vocab_size(src_lang: str, tgt_lang: str) -> int:
    """The joint vocabulary size for a language pair (base codes: "vi", "zh-CN" -> "vi", "zh")."""
    from cls_data.text import tokenizer_for_language

    pair = f"{tokenizer_for_language(src_lang)}-{tokenizer_for_language(tgt_lang)}"
    return NCLS_VOCAB_SIZES.get(pair, NCLS_DEFAULT_VOCAB)


def train_ncls_tokenizer(texts: Iterable[str], vocab_size: int = NCLS_DEFAULT_VOCAB, min_frequency: int = 2):
    """A `PreTrainedTokenizerFast` (`<s> <pad> </s> <unk>`, every encoding ends in `</s>`) trained on `texts`."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(f"[{CJK_UNITS}]"), behavior="isolated"),
        pre_tokenizers.Punctuation(behavior="isolated"),
    ])
    bpe.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=list(NCLS_SPECIALS))
    bpe.train_from_iterator(texts, trainer)
    eos = bpe.token_to_id("</s>")
    bpe.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)])
    return PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=1024)


BERT_SPECIALS = ["[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece_tokenizer(texts: Iterable[str], vocab_size: int = 1000):
    """A cased `BertTokenizer` over a WordPiece vocabulary of `texts`, with mBERT's special-token layout.

    Ids 0-103 are mBERT's: `[PAD]` 0, `[unused1..99]` 1-99, `[UNK]` 100, `[CLS]` 101, `[SEP]` 102, `[MASK]` 103.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizer

    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    trainer_model = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    trainer_model.normalizer, trainer_model.pre_tokenizer = normalizer, pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size + len(BERT_SPECIALS), special_tokens=BERT_SPECIALS)
    trainer_model.train_from_iterator(texts, trainer)
    # Rebuilt from the plain vocabulary: as in mBERT, the [unused] markers are ordinary tokens (a decode
    # that skips special tokens keeps them); only [PAD]/[UNK]/[CLS]/[SEP]/[MASK] are special.
    wordpiece = Tokenizer(models.WordPiece(trainer_model.get_vocab(), unk_token="[UNK]"))
    wordpiece.normalizer, wordpiece.pre_tokenizer = normalizer, pre_tokenizers.BertPreTokenizer()
    wordpiece.decoder = decoders.WordPiece()
    cls, sep = wordpiece.token_to_id("[CLS]"), wordpiece.token_to_id("[SEP]")
    wordpiece.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    return BertTokenizer(tokenizer_object=wordpiece, do_lower_case=False, model_max_length=512, pad_token="[PAD]",
                         unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
