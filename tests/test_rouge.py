from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from cls_data.rouge import corpus_f1, lcs_length, score_texts, score_token_pairs, score_tokens
from cls_data.text import get_tokenizer

DATA = Path(__file__).parent / "data"
METRICS = ("rouge1", "rouge2", "rougeL")


class GivenTokens:
    """A rouge-score tokenizer that returns the tokens we hand it, so both see the same tokens."""

    def __init__(self, tokenize=None):
        self.tokenize_text = tokenize

    def tokenize(self, text):
        if self.tokenize_text:
            return self.tokenize_text(text)
        return text.split("\x00") if text else []


def reference_scores(pred, ref, tokenizer):
    scorer = rouge_scorer.RougeScorer(list(METRICS), tokenizer=tokenizer)
    return scorer.score(ref, pred)  # rouge-score takes (target, prediction)


def assert_same(ours, theirs):
    for metric in METRICS:
        mine = getattr(ours, metric)
        other = theirs[metric]
        assert mine.precision == pytest.approx(other.precision, abs=1e-9)
        assert mine.recall == pytest.approx(other.recall, abs=1e-9)
        assert mine.fmeasure == pytest.approx(other.fmeasure, abs=1e-9)


tokens = st.lists(st.sampled_from(["a", "b", "c", "d", "hà", "nội", "越", "南"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(pred=tokens, ref=tokens)
def test_scores_equal_rouge_score_on_random_token_lists(pred, ref):
    theirs = reference_scores("\x00".join(pred), "\x00".join(ref), GivenTokens())
    assert_same(score_tokens(pred, ref), theirs)


@settings(max_examples=200, deadline=None)
@given(a=st.lists(st.integers(0, 5).map(str), max_size=120), b=st.lists(st.integers(0, 5).map(str), max_size=120))
def test_bit_parallel_lcs_equals_dynamic_programming(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    assert lcs_length(a, b) == table[-1][-1]


@pytest.mark.parametrize(
    "tokenizer, pred_file, ref_file",
    [
        ("vi", "summaries_vi_back.txt", "summaries_vi.txt"),
        ("zh", "summaries_zh.txt", "summaries_zh_ref.txt"),
        ("zh-words", "summaries_zh.txt", "summaries_zh_ref.txt"),
        ("en", "summaries_en.txt", "summaries_en_ref.txt"),
    ],
)
def test_scores_equal_rouge_score_on_real_summaries(tokenizer, pred_file, ref_file):
    preds = (DATA / pred_file).read_text(encoding="utf-8").splitlines()
    refs = (DATA / ref_file).read_text(encoding="utf-8").splitlines()
    n = min(len(preds), len(refs))
    ours = score_texts(preds[:n], refs[:n], tokenizer)
    tokenize = GivenTokens(get_tokenizer(tokenizer))
    for mine, pred, ref in zip(ours, preds, refs, strict=False):
        assert_same(mine, reference_scores(pred, ref, tokenize))
    assert any(0 < pair.rouge2.fmeasure < 1 for pair in ours)  # the data really exercises partial overlap


def test_repeated_ngrams_are_clipped_not_counted_once():
    # The `rouge` package counts "a a a b" vs "a b b b" as R1 = 1.0; clipped counts give 0.5.
    assert score_tokens("a a a b".split(), "a b b b".split()).rouge1.fmeasure == 0.5


def test_empty_prediction_or_reference_scores_zero():
    for pred, ref in ([], ["a"]), (["a"], []), ([], []):
        assert score_tokens(pred, ref).f1() == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


def test_long_texts_do_not_recurse_or_slow_down():
    long = [str(i % 97) for i in range(5000)]
    assert score_tokens(long, long).rougeL.fmeasure == 1.0


def test_corpus_score_is_the_mean_of_pair_f1():
    pairs = score_token_pairs([["a", "b"], ["x"]], [["a", "b"], ["y"]])
    assert corpus_f1(pairs) == {"rouge1": 0.5, "rouge2": 0.5, "rougeL": 0.5}


def test_unequal_batches_are_rejected():
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        score_token_pairs([["a"], ["b"]], [["a"]])


def test_worker_pool_returns_exactly_the_serial_scores_in_order():
    preds = (DATA / "summaries_vi_back.txt").read_text(encoding="utf-8").splitlines() * 5
    refs = (DATA / "summaries_vi.txt").read_text(encoding="utf-8").splitlines() * 5
    assert score_texts(preds, refs, "vi", workers=2) == score_texts(preds, refs, "vi", workers=1)


def test_unknown_tokenizer_is_a_clear_error_before_any_work():
    from cls_data.errors import ClsDataError

    with pytest.raises(ClsDataError, match="unknown tokenizer 'fr'; choose one of: vi, zh"):
        score_texts(["a"], ["a"], "fr", workers=2)
