import json

from rouge_score import rouge_scorer

from cls_data.text import tokenize_vi


class ViTokens:
    def tokenize(self, text):
        return tokenize_vi(text)


def test_json_output_equals_rouge_score_on_vietnamese_tokens(run_cli, data_dir):
    pred, ref = data_dir / "summaries_vi_back.txt", data_dir / "summaries_vi.txt"
    result = run_cli("rouge", "--lang", "vi", pred, ref, "--json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=ViTokens())
    pairs = [
        scorer.score(r, p)
        for p, r in zip(pred.read_text("utf-8").splitlines(), ref.read_text("utf-8").splitlines(), strict=False)
    ]
    for metric in ("rouge1", "rouge2", "rougeL"):
        expected = 100 * sum(p[metric].fmeasure for p in pairs) / len(pairs)
        assert abs(got[metric] - expected) < 1e-4
    assert got["n"] == 7 and got["tokenizer"] == "vi"


def test_table_output_names_tokenizer_and_pair_count(run_cli, data_dir):
    result = run_cli("rouge", "-l", "zh", data_dir / "summaries_zh.txt", data_dir / "summaries_zh_ref.txt")
    assert result.returncode == 0, result.stderr
    assert "6 pairs" in result.stdout and "tokenizer zh" in result.stdout and "rougeL" in result.stdout


def test_per_sample_file_has_one_row_per_line(run_cli, data_dir, tmp_path):
    out = tmp_path / "per.jsonl"
    result = run_cli(
        "rouge",
        "--lang",
        "zh",
        data_dir / "summaries_zh.txt",
        data_dir / "summaries_zh_ref.txt",
        "--json",
        "--per-sample",
        out,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(0 <= r["rouge2"] <= 100 for r in rows)


def test_unequal_line_counts_are_one_clear_error(run_cli, data_dir):
    result = run_cli("rouge", "--lang", "vi", data_dir / "summaries_vi.txt", data_dir / "summaries_zh.txt")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "has 7 lines but" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unknown_language_is_rejected_with_the_choices(run_cli, data_dir):
    result = run_cli("rouge", "--lang", "fr", data_dir / "summaries_vi.txt", data_dir / "summaries_vi.txt")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'fr' is not one of" in result.stderr and "zh-words" in result.stderr


def test_missing_file_is_one_clear_error(run_cli, tmp_path):
    result = run_cli("rouge", "--lang", "vi", tmp_path / "nope.txt", tmp_path / "nope.txt")
    assert result.returncode == 2 and "no such file" in result.stderr and "Traceback" not in result.stderr


def test_rouge_command_does_not_import_torch_or_transformers():
    import subprocess
    import sys

    code = (
        "import sys; from cls_data.cli import app; from cls_data import rouge_files; "
        "print(sorted(m for m in ('torch', 'transformers', 'datasets', 'scrapy') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


def _one_line_error(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


def test_a_u2028_inside_a_summary_is_not_a_line_break(run_cli, tmp_path):
    (tmp_path / "pred.txt").write_text("Hà Nội mưa to\u2028chiều nay\nGiá xăng giảm\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("Hà Nội mưa to chiều nay\nGiá xăng giảm nhẹ\n", encoding="utf-8")
    result = run_cli("rouge", "--lang", "vi", tmp_path / "pred.txt", tmp_path / "ref.txt", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["n"] == 2  # as `wc -l` counts


def test_a_byte_order_mark_is_accepted_and_a_bad_byte_names_its_line(run_cli, tmp_path):
    (tmp_path / "ref.txt").write_text("Hà Nội mưa to\nGiá xăng giảm\nTrời nắng\n", encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "ref.txt").read_bytes())
    result = run_cli("rouge", "--lang", "vi", tmp_path / "bom.txt", tmp_path / "ref.txt", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["rouge1"] == 100.0
    (tmp_path / "bad.txt").write_bytes("Hà Nội mưa to\nGiá xăng giảm\n".encode() + b"Tr\xe1i n\xe1ng\n")
    line = _one_line_error(run_cli("rouge", "--lang", "vi", tmp_path / "bad.txt", tmp_path / "ref.txt"))
    assert "bad.txt:3: not UTF-8" in line


def test_empty_input_is_an_error_not_a_table_of_zeros(run_cli, tmp_path):
    (tmp_path / "pred.txt").write_text("", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("", encoding="utf-8")
    line = _one_line_error(run_cli("rouge", "--lang", "vi", tmp_path / "pred.txt", tmp_path / "ref.txt"))
    assert "empty" in line and "nothing to score" in line


def test_an_unusable_per_sample_path_is_refused_before_scoring(run_cli, data_dir, tmp_path):
    pred, ref = data_dir / "summaries_zh.txt", data_dir / "summaries_zh_ref.txt"
    (tmp_path / "file").write_text("x")
    for bad in (tmp_path, tmp_path / "file" / "per.jsonl"):
        line = _one_line_error(run_cli("rouge", "--lang", "zh", pred, ref, "--per-sample", bad))
        assert line.startswith("error: --per-sample") and "cannot write there" in line
