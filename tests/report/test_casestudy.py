import html
from html.parser import HTMLParser

from cls_data.report.casestudy import highlight, write_case_study
from cls_data.report.runs import load_runs
from tests.support.fake_runs import NASTY, make_run

VOID = {"meta", "br", "link", "img", "input", "hr"}


class _Checker(HTMLParser):
    """Collects text and external references, and fails on a closing tag that does not match."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.external, self.tags = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.external += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith("#")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def test_the_page_parses_holds_every_variant_output_escaped_and_needs_nothing_external(runs, tmp_path):
    result = write_case_study(runs, tmp_path / "case.html", ids=["Vi2ZhLow-0000"], size=1000)
    page = result.path.read_text(encoding="utf-8")
    checker = _parse(page)
    text = "".join(checker.text)
    assert checker.external == [] and "script" not in checker.tags and "<script>" not in page
    assert NASTY in text  # mbart-cls's output on sample 0, shown as text, not markup
    for row in runs.done():
        if row.dataset == "Vi2ZhLow" and row.train_size == 1000 and row.seed == 1:
            assert row.system in text
            prediction = next(
                line
                for line in (runs.run_path(row) / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
                if '"Vi2ZhLow-0000"' in line
            )
            import json

            assert json.loads(prediction)["prediction"] in text
    assert result.systems == 8 and "từ" in text  # the source documents come from the dataset's parquet


def test_words_shared_with_the_reference_are_marked_and_the_rest_escaped():
    marked = highlight("<b>中国 & 美国", "中国人", "zh")
    assert marked == "&lt;b&gt;<mark>中</mark><mark>国</mark> &amp; 美<mark>国</mark>"
    assert highlight("Hà Nội mưa", "hà nội nắng", "vi") == "<mark>Hà</mark> <mark>Nội</mark> mưa"


def test_ten_variants_stay_on_one_readable_grid(tmp_path):
    for i in range(10):
        make_run(tmp_path, "Vi2ZhLow", f"variant-{i}", 1000, 1, skill=0.1 * i, n=8)
    result = write_case_study(load_runs(tmp_path), tmp_path / "out" / "case.html", samples=3)
    page = result.path.read_text(encoding="utf-8")
    _parse(page)
    assert result.systems == 10 and result.samples == 3
    assert page.count('class="card') == 30 and "flex:1 1 19rem" in page
    assert page.count('class="card best"') <= 3  # one per sample at most: a shared best has none (test below)
    assert "source document not available" in page and any("not shown" in note for note in result.notes)


def test_random_samples_are_reproducible_with_the_seed(runs, tmp_path):
    first = write_case_study(runs, tmp_path / "a.html", samples=3, seed=4).path.read_text(encoding="utf-8")
    again = write_case_study(runs, tmp_path / "b.html", samples=3, seed=4).path.read_text(encoding="utf-8")
    other = write_case_study(runs, tmp_path / "c.html", samples=3, seed=5).path.read_text(encoding="utf-8")
    assert first == again != other
    assert html.escape("Vi2ZhLow, trained on 3,000 samples") in first


def test_the_best_border_goes_only_to_a_unique_best_with_an_output(tmp_path):
    """A shared best ROUGE-2 (two identical outputs, or every output empty) has no "best" card."""
    import json

    from cls_data.rouge import score_texts

    plan = {  # system -> its output per sample: "ref" (a perfect answer), "" (empty) or "junk" (no shared word)
        "mbart-cls": ["ref", "", "ref", ""],
        "ncls": ["ref", "", "junk", ""],
        "tflcls-no-mul": ["junk", "", "junk", ""],
    }
    for variant, outputs in plan.items():
        folder = make_run(tmp_path, "Vi2ZhLow", variant, 1000, 1, skill=0.5, n=4)
        rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
        for row, output in zip(rows, outputs, strict=False):
            row["prediction"] = {"ref": row["reference"], "": "", "junk": "Zzz"}[output]
            row.update(score_texts([row["prediction"]], [row["reference"]], "zh")[0].f1())
        (folder / "predictions.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    ids = ("Vi2ZhLow-0000", "Vi2ZhLow-0001", "Vi2ZhLow-0002", "Vi2ZhLow-0003")
    page = write_case_study(load_runs(tmp_path), tmp_path / "case.html", ids=ids).path.read_text(encoding="utf-8")
    samples = page.split('<div class="sample">')[1:]
    assert [sample.count('class="card best"') for sample in samples] == [0, 0, 1, 0]
    assert '<div class="card best"><div class="name">mbart-cls</div>' in samples[2]
