"""Judgements cached by (judge model, prompt version, document, summary): a rerun asks the judge nothing.

`<out>/judge_cache.jsonl`, one line per judgement, appended as each arrives (an interrupted report
keeps what it paid for). A failure on the judge's answers is cached too (a temperature-0 judge
answers the same again); one on the server (429/5xx after every attempt) is not, so a rerun asks again.
No key, URL or header is written here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cls_data.report.judge.prompt import PROMPT_VERSION

CACHE = "judge_cache.jsonl"


def judgement_key(model: str, document: str, summary: str) -> str:
    text = "\x00".join((model, PROMPT_VERSION, document, summary))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class JudgeCache:
    def __init__(self, out: Path) -> None:
        self.path = out / CACHE
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut off by an interruption: that judgement is asked again
                if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                    self.entries[entry["key"]] = entry

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    def put(self, key: str, model: str, scores: dict[str, int] | None, reason: str | None, failure: str | None) -> dict:
        entry = {
            "key": key,
            "judge": model,
            "prompt_version": PROMPT_VERSION,
            "scores": scores,
            "reason": reason,
            "failure": failure,
        }
        self.entries[key] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry
