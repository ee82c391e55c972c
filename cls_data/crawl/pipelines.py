"""Item pipelines: normalise -> validate -> deduplicate -> write JSONL. Each drop names its reason."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.logformatter import LogFormatter

from cls_data.crawl.clean import (
    content_hash,
    is_boilerplate,
    is_vietnamese,
    remove_summary_from_body,
    strip_lead_prefix,
)
from cls_data.crawl.config import Bounds, Limits
from cls_data.crawl.generic import text_units
from cls_data.records import Article, stable_id
from cls_data.text import count_words, language_problem, normalize, normalize_paragraphs


class Drop(DropItem):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class _Step:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.sink = crawler.settings["CLS_SINK"]
        self.limits: Limits = crawler.settings["CLS_LIMITS"]
        self.bounds: Bounds = crawler.settings["CLS_BOUNDS"]

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def drop(self, reason: str, item: dict[str, Any], detail: str = "") -> Drop:
        self.stats.inc_value(f"cls/dropped/{reason}")
        self.sink.reject(reason, item, [("fetched", item["_fetched"])])
        return Drop(reason, detail)


class NormalizePipeline(_Step):
    """NFC and whitespace everywhere; agency prefixes and location stamps out of the sapo; no sapo in the body."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        for key in ("title", "author", "category"):
            if item.get(key):
                item[key] = normalize(item[key])
        summary = strip_lead_prefix(item.get("summary") or "")
        item["summary"] = summary
        body = normalize_paragraphs(item.get("text") or "")
        item["text"] = remove_summary_from_body(summary, body) if summary else body
        return item


class ValidatePipeline(_Step):
    """Title, summary and body present and plausible; the summary in the article's language (Vietnamese
    for the site spiders); the date within bounds."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        lim = self.limits
        summary, body = item["summary"], item["text"]
        size = len(summary) + len(body) + len(item.get("title") or "")
        if size > lim.max_record_chars:
            raise self.drop("record_too_long", item, f"{size} characters")
        if not summary:
            raise self.drop("no_summary", item)
        if len((item.get("title") or "").strip()) < lim.min_title_chars:
            raise self.drop("no_title", item)
        if not body:
            raise self.drop("no_body", item)
        lang = item.get("lang") or "vi"  # the site spiders' articles are Vietnamese; a generic site's say
        count = count_words if lang == "vi" else text_units
        n_summary = count(summary)
        if n_summary < lim.min_summary_words:
            raise self.drop("summary_too_short", item, f"{n_summary} words")
        if n_summary > lim.max_summary_words:
            raise self.drop("summary_too_long", item, f"{n_summary} words")
        n_body = count(body)
        if n_body < lim.min_body_words:
            raise self.drop("body_too_short", item, f"{n_body} words")
        if is_boilerplate(summary):
            raise self.drop("summary_boilerplate", item)
        if lang == "vi" and not is_vietnamese(summary, lim.vi_threshold):
            raise self.drop("summary_not_vietnamese", item)
        if lang != "vi" and (problem := language_problem(summary, lang)):
            raise self.drop("summary_wrong_language", item, problem)
        if not self.bounds.admits(item.get("published")):
            raise self.drop("out_of_date_range", item, item["published"][:10])
        return item


class DedupPipeline(_Step):
    """Drop an article whose canonical URL or content hash was already written, in this run or before."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        item["_hash"] = content_hash(item["summary"], item["text"])
        if self.sink.seen("url", item["url"]):
            raise self.drop("duplicate_url", item)
        if self.sink.seen("hash", item["_hash"]):
            raise self.drop("duplicate_content", item)
        return item


class JsonlWriterPipeline(_Step):
    """Append the article to the output and record its keys in the seen-set, in that order."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.bounds.reached(self.stats.get_value("cls/articles", 0)):
            raise DropItem("limit reached")  # in-flight pages finishing after --limit: not a rejection
        article = Article(
            id=stable_id(item["url"]),
            url=item["url"],
            site=item["site"],
            title=item["title"],
            summary=item["summary"],
            text=item["text"],
            lang=item.get("lang") or "vi",
            published=item.get("published"),
            category=item.get("category"),
            author=item.get("author"),
            crawled_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        )
        self.sink.write(article, [("url", item["url"]), ("hash", item["_hash"]), ("fetched", item["_fetched"])])
        self.stats.inc_value("cls/articles")
        for field, rule in item["_rules"].items():
            self.stats.inc_value(f"cls/rule/{field}/{rule}")
        return item


class DropLogFormatter(LogFormatter):
    """One short log line per dropped page (Scrapy's default dumps the whole item)."""

    def dropped(self, item, exception, response, spider=None):
        url = item.get("_fetched") if isinstance(item, dict) else None
        return {
            "level": logging.INFO,
            "msg": "Dropped (%(reason)s): %(url)s",
            "args": {"reason": exception, "url": url},
        }
