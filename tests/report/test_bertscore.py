"""BERTScore through the bert-score library, with a tiny random BERT built here (no download)."""

import pytest

from cls_data.errors import ClsDataError
from cls_data.report.runs import load_runs
from tests.support.fake_runs import HAN, make_run

pytest.importorskip("bert_score")


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-bert")
    (folder / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *HAN]) + "\n", encoding="utf-8"
    )
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)  # no model_max_length saved, on purpose
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=5 + len(HAN),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).eval().save_pretrained(folder)
    return str(folder)


def _bertscore_markdown(runs, model, out):
    from cls_data.report.metrics import get_metric
    from cls_data.report.metrics.base import MetricOptions
    from cls_data.report.metrics.cache import score_runs
    from cls_data.report.metrics.tables import metric_markdown

    scores = score_runs(runs, get_metric("bertscore"), MetricOptions(bertscore_model=model), out)
    return metric_markdown(runs, scores), scores


def test_bertscore_is_reported_beside_rouge_and_cached(tmp_path, tiny_bert):
    from cls_data.report.metrics.cache import CACHE_DIR

    make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.2, n=6)
    make_run(tmp_path, "Vi2ZhLow", "tflcls", 1000, 1, skill=1.0, n=6)  # predictions == references
    markdown, scores = _bertscore_markdown(load_runs(tmp_path), tiny_bert, tmp_path / "out")
    line = next(row for row in markdown.splitlines() if row.startswith("| tflcls"))
    assert line == "| tflcls | **100.00** |"  # identical texts: F1 of 1 under any encoder
    assert len(list((tmp_path / "out" / CACHE_DIR / "bertscore").glob("*.json"))) == 2 and scores.computed == 2
    assert _bertscore_markdown(load_runs(tmp_path), tiny_bert, tmp_path / "out")[1].computed == 0  # the rerun: cached
    mbart = next(row for row in markdown.splitlines() if row.startswith("| mbart-cls"))
    assert float(mbart.split("|")[2]) < 100.0


def test_an_unloadable_encoder_is_one_line(tmp_path):
    make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.2, n=4)
    with pytest.raises(ClsDataError, match="--bertscore-model .*: cannot load it"):
        _bertscore_markdown(load_runs(tmp_path), str(tmp_path / "no-model"), tmp_path / "out")


def test_the_report_shows_bertscore_when_asked(tmp_path, tiny_bert):
    from cls_data.report.writer import ReportConfig, write_report

    make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.2, n=6)
    make_run(tmp_path, "Vi2ZhLow", "tflcls", 1000, 1, skill=0.9, n=6)
    config = ReportConfig(
        tmp_path,
        tmp_path / "report",
        metrics=("rouge", "bertscore"),
        bertscore_model=tiny_bert,
        figures=False,
        cards=False,
        resamples=100,
    )
    markdown = write_report(config).results_md.read_text(encoding="utf-8")
    assert "## BERTScore" in markdown and "### Table 2" in markdown
    with pytest.raises(ClsDataError, match="--metrics: unknown bleu"):  # before any run is read
        write_report(ReportConfig(tmp_path, metrics=("rouge", "bleu")))
