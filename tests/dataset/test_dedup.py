"""Exact duplicates by content (document or summary), whatever their id or URL."""

import dataclasses

from cls_data.dataset.dedup import Deduplicator


def test_republished_document_and_reused_summary_are_dropped_by_reason(gen):
    a, b, c, d, e = gen.vi_samples(5)
    republished = dataclasses.replace(
        a, id="other-url", url="https://mirror.example.vn/x", text="  " + a.text.upper() + "\n"
    )
    same_lead = dataclasses.replace(b, id="third-url", text=c.text + " thêm", summary=b.summary.replace(" ", "  "))
    same_id = dataclasses.replace(d, text="khác hẳn", summary="cũng khác")
    no_translation = dataclasses.replace(e, id="e2", text="x y", summary="y z", cls_summary=None)
    dedup = Deduplicator()
    kept = [s.id for s in (a, b, c, d, republished, same_lead, same_id, no_translation) if dedup.keep(s)]
    assert kept == [a.id, b.id, c.id, d.id]
    assert dedup.dropped == {"duplicate document": 1, "duplicate summary": 1, "duplicate id": 1, "incomplete record": 1}
