"""Extraction accuracy on saved real news pages: the generic extractor against trafilatura.

Same pages (tests/data/news_pages: 14 pages, 12 publishers, 8 languages, 7 scripts), same hand
labels (labels.json; the labelling rule is in that folder's README). Per field:

- title, lead: exact (after case, punctuation and space folding) and mean character-bigram F1;
- date: the publication day right;
- body: the story's first words found in the body, and no junk line before them (a line that is
  neither the title, the lead nor the story).

trafilatura is asked the way its docs show: `bare_extraction(html, url=..., with_metadata=True)`.

    python bench/bench_extract.py [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repo root: the saved pages come from tests.support

from cls_data.crawl.generic import extract_page  # noqa: E402
from cls_data.text import normalize  # noqa: E402
from tests.support.news_pages import SavedPage, saved_pages  # noqa: E402


def fold(text: str | None) -> str:
    return re.sub(r"[\W_]+", "", normalize(text or "").casefold())


def bigram_f1(pred: str | None, gold: str) -> float:
    a, b = fold(pred), fold(gold)
    ga, gb = Counter(a[i : i + 2] for i in range(len(a) - 1)), Counter(b[i : i + 2] for i in range(len(b) - 1))
    hit = sum((ga & gb).values())
    if not hit:
        return 0.0
    p, r = hit / sum(ga.values()), hit / sum(gb.values())
    return 2 * p * r / (p + r)


def body_scores(body: str | None, page: SavedPage) -> tuple[bool, bool]:
    """(the story's first words are in the body, and no junk line comes before them)."""
    lines = [line for line in (body or "").split("\n") if line.strip()]
    start = fold(page.body_start)
    at = next((i for i, line in enumerate(lines) if start in fold(line)), None)
    if at is None:
        return False, False
    ok = {fold(page.title), fold(page.lead)}
    return True, all(fold(line) in ok or fold(line) in fold(page.lead) for line in lines[:at])


def ours(page: SavedPage) -> dict:
    e = extract_page(page.html, page.url or "https://example.org/", site_lang=None)
    return {"title": e.title, "lead": e.lead, "date": e.published, "body": e.body, "lang": e.lang}


def trafilatura_fields(page: SavedPage) -> dict:
    from trafilatura import bare_extraction

    doc = bare_extraction(page.html, url=page.url, with_metadata=True)
    get = (
        (lambda k: getattr(doc, k, None))
        if doc is not None and not isinstance(doc, dict)
        else (lambda k: (doc or {}).get(k))
    )
    return {
        "title": get("title"),
        "lead": get("description"),
        "date": get("date"),
        "body": get("text"),
        "lang": get("language"),
    }


def score(pages: list[SavedPage], extract) -> tuple[dict, list[dict], float]:
    rows, t0 = [], time.perf_counter()
    for page in pages:
        got = extract(page)
        found, clean = body_scores(got["body"], page)
        rows.append(
            {
                "page": page.page,
                "title_exact": fold(got["title"]) == fold(page.title),
                "title_f1": bigram_f1(got["title"], page.title),
                "lead_exact": fold(got["lead"]) == fold(page.lead),
                "lead_f1": bigram_f1(got["lead"], page.lead),
                "date": (got["date"] or "")[:10] == page.published,
                "body_start": found,
                "body_clean_start": clean,
                "lang": (got["lang"] or "").split("-")[0].lower() == page.lang,
            }
        )
    elapsed = time.perf_counter() - t0
    n = len(rows)
    total = {key: sum(r[key] for r in rows) / n for key in rows[0] if key != "page"}
    return total, rows, elapsed


def vietnamese_fixtures(n: int = 10) -> list[tuple[str, list[int]]]:
    """The generic rules on the fixture pages in each Vietnamese site's markup (tests/support/fixture_site),
    through the same clean-up the pipelines do: [title, lead, body, day] right, of n. The site
    spiders get all of them right (tests/crawl/test_sites.py)."""
    from cls_data.crawl.clean import remove_summary_from_body, strip_lead_prefix
    from cls_data.text import normalize_paragraphs
    from tests.support.fixture_site import SPECS, render

    rows = []
    for site in SPECS:
        right = [0, 0, 0, 0]
        for i in range(n):
            html, exp = render(site, i, "https://example.vn")
            got = extract_page(html, "https://example.vn" + exp.path, site_lang="vi")
            lead = strip_lead_prefix(got.lead or "")
            body = remove_summary_from_body(lead, normalize_paragraphs(got.body or "")).split("\n")
            day = (got.published or "")[:10] == exp.published.isoformat()[:10]
            for k, ok in enumerate((got.title == exp.title, lead == exp.summary, body == exp.paragraphs, day)):
                right[k] += ok
        rows.append((site, right))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print per-page rows as JSON too")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    pages = saved_pages()
    ours_total, ours_rows, ours_s = score(pages, ours)
    traf_total, traf_rows, traf_s = score(pages, trafilatura_fields)
    langs = sorted({p.lang for p in pages})
    print(f"{len(pages)} pages, languages: {', '.join(langs)}")
    print(f"{'field':<18}{'ours':>8}{'trafilatura':>13}")
    for key in ours_total:
        fmt = "{:.3f}" if key.endswith("f1") else "{:.0%}"
        theirs = "n/a" if key == "lang" else fmt.format(traf_total[key])  # trafilatura names no page language
        print(f"{key:<18}{fmt.format(ours_total[key]):>8}{theirs:>13}")
    print(f"{'seconds (all)':<18}{ours_s:>8.2f}{traf_s:>13.2f}")
    fields = ("title_exact", "lead_exact", "date", "body_start")
    misses = [(o["page"], k) for o in ours_rows for k in fields if not o[k]]
    print("ours wrong on:", ", ".join(f"{p}:{k}" for p, k in misses) or "-")
    print("\ngeneric rules on the Vietnamese sites' fixture markup (right of 10; site spiders: 10 each)")
    print(f"{'site':<13}{'title':>6}{'lead':>6}{'body':>6}{'day':>6}")
    for site, right in vietnamese_fixtures():
        print(f"{site:<13}" + "".join(f"{v:>6}" for v in right))
    if args.json:
        print(json.dumps({"ours": ours_rows, "trafilatura": traf_rows}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
