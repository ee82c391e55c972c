import json
import random

import pytest

from cls_data.paper_rouge import pieces_text, score_pair, score_paper
from tests.support.release import LATIN_CROWDED, NAMED, chinese_words

rouge_pkg = pytest.importorskip("rouge")  # the dev extra: the package the paper's code scored with


def _chinese_pairs(n: int = 300, seed: int = 5) -> list[tuple[str, str]]:
    """(prediction, reference) pairs of real Chinese words: references with punctuation, numbers with a "." in
    them, Latin names; predictions copy, drop, repeat and reorder parts of them, as a model's summary does."""
    rng = random.Random(seed)
    vocab = chinese_words(6000)
    pairs = []
    for i in range(n):
        parts = [rng.choice(vocab) for _ in range(rng.randint(8, 30))]
        if i % 5 == 0:
            parts.insert(rng.randrange(len(parts)), rng.choice(NAMED))
        if i % 7 == 0:
            parts.insert(rng.randrange(len(parts)), f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%")
        cut = rng.randrange(1, len(parts))
        reference = "".join(parts[:cut]) + "，" + "".join(parts[cut:]) + "。"
        kept = [p for p in parts if rng.random() < 0.7] or parts[:1]
        if i % 3 == 0:
            kept = kept + kept[: rng.randint(1, 4)]  # a repeated stretch, as beam search without blocking gives
        if i % 4 == 0:
            rng.shuffle(kept)
        prediction = "".join(kept) + ("。" if i % 2 else "")
        if i % 11 == 0:
            prediction = LATIN_CROWDED[i % 2]
        pairs.append((prediction, reference))
    return pairs


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    from cls_data.benchmark.families.mbart import train_mbart_tokenizer

    texts = [text for pair in _chinese_pairs() for text in pair]
    folder = tmp_path_factory.mktemp("tok")
    train_mbart_tokenizer(texts, vocab_size=800).save_pretrained(folder)
    return folder


def _package_means(hyps: list[str], refs: list[str]) -> dict[str, float]:
    results = rouge_pkg.Rouge().get_scores(hyps, refs)
    return {
        ours: 100 * sum(r[theirs]["f"] for r in results) / len(results)
        for ours, theirs in (("rouge1", "rouge-1"), ("rouge2", "rouge-2"), ("rougeL", "rouge-l"))
    }


def test_paper_unit_equals_the_rouge_package_on_mbart_pieces_of_real_chinese(tokenizer_dir, tmp_path, run_cli):
    from transformers import AutoTokenizer

    pairs = _chinese_pairs()
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    hyps = [pieces_text(tokenizer, p) for p, _ in pairs]
    refs = [pieces_text(tokenizer, r) for _, r in pairs]
    assert sum(" " in h for h in hyps) > 250 and any(h.count(".") for h in hyps)  # pieces, and "." inside numbers
    expected = _package_means(hyps, refs)
    pred, ref = tmp_path / "pred.txt", tmp_path / "ref.txt"
    pred.write_text("\n".join(p for p, _ in pairs) + "\n", encoding="utf-8")
    ref.write_text("\n".join(r for _, r in pairs) + "\n", encoding="utf-8")
    result = run_cli("rouge", "--lang", "zh", pred, ref, "--paper-tokens", str(tokenizer_dir), "--json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["n"] == len(pairs) and "pltrdy" in got["tokenizer"] and str(tokenizer_dir) in got["tokenizer"]
    for metric, value in expected.items():
        assert abs(got[metric] - value) < 1e-4, metric
    # and per pair, to the float
    scores, refused = score_paper([p for p, _ in pairs], [r for _, r in pairs], "zh", tokenizer)
    package = rouge_pkg.Rouge().get_scores(hyps, refs)
    assert refused == 0
    for ours, theirs in zip(scores, package, strict=True):
        assert ours.rouge1.fmeasure == pytest.approx(theirs["rouge-1"]["f"], abs=1e-12)
        assert ours.rouge2.fmeasure == pytest.approx(theirs["rouge-2"]["f"], abs=1e-12)
        assert ours.rougeL.fmeasure == pytest.approx(theirs["rouge-l"]["f"], abs=1e-12)


@pytest.mark.parametrize(
    "hyp, ref",
    [
        ("a a a b", "a b b b"),  # a repeated n-gram counts once: R-1 = 1.0
        ("x . y z . . w", "y z w . x"),  # sentences at every "." and an LCS union across them
        (" . a b", "a  b . c"),  # an empty sentence and a double space: empty words count
        ("the cat sat on the mat", "on the mat the cat sat"),
    ],
)
def test_pair_scores_equal_the_package_on_its_edge_cases(hyp, ref):
    theirs = rouge_pkg.Rouge().get_scores(hyp, ref)[0]
    ours = score_pair(hyp, ref)
    assert ours.rouge1.fmeasure == pytest.approx(theirs["rouge-1"]["f"], abs=1e-12)
    assert ours.rouge2.fmeasure == pytest.approx(theirs["rouge-2"]["f"], abs=1e-12)
    assert ours.rougeL.fmeasure == pytest.approx(theirs["rouge-l"]["f"], abs=1e-12)


def test_an_empty_prediction_scores_zero_and_is_reported_where_the_package_raises(tokenizer_dir, tmp_path, run_cli):
    with pytest.raises(ValueError):
        rouge_pkg.Rouge().get_scores([""], ["中国 经济"])
    pred, ref = tmp_path / "pred.txt", tmp_path / "ref.txt"
    pred.write_text("中国经济增长。\n\n", encoding="utf-8")
    ref.write_text("中国经济增长。\n中国经济。\n", encoding="utf-8")
    result = run_cli("rouge", "--lang", "zh", pred, ref, "--paper-tokens", str(tokenizer_dir), "--json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["n"] == 2 and got["rouge1"] == pytest.approx(50.0, abs=1e-4)  # 1.0 and 0, both counted
    assert "1 of 2 pairs" in got["notes"][0] and "whole test batch" in got["notes"][0]


def test_missing_tokenizer_is_one_clear_line(tmp_path, run_cli):
    pred = tmp_path / "p.txt"
    pred.write_text("中国\n", encoding="utf-8")
    result = run_cli("rouge", "--lang", "zh", pred, pred, "--paper-tokens", str(tmp_path / "nowhere"))
    assert result.returncode != 0
    assert "--paper-tokens" in result.stderr and "Traceback" not in result.stderr
