"""Judgements for many summaries: the cache first, then the misses asked concurrently (`workers` requests at a time).

Each distinct (document, summary) is asked once per report; answers are written to the cache by the
calling thread as they arrive, so an interrupted report keeps every judgement it paid for.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from cls_data.report.judge.cache import JudgeCache, judgement_key
from cls_data.report.judge.client import Judge, Outcome
from cls_data.report.judge.config import JudgeConfig

Task = tuple[str, str, str, str]  # (document, summary, source language, target language)
Scores = dict[str, int]


class Asker:
    def __init__(self, config: JudgeConfig, out: Path):
        self.judge = Judge(config.url, config.model, config.attempts, config.timeout)
        self.cache, self.model, self.workers = JudgeCache(out), config.model, max(1, config.workers)
        self.hits = self.failed = self.judged = 0
        self._checked = False

    def ask_all(self, tasks: Sequence[Task]) -> list[Scores | None]:
        """The scores of every task (None: a failed judgement), in order."""
        keys = [judgement_key(self.model, document, summary) for document, summary, _, _ in tasks]
        answers: dict[str, Scores | None] = {}
        missing: dict[str, Task] = {}
        for key, task in zip(keys, tasks, strict=True):
            if key in answers or key in missing:
                continue
            entry = self.cache.get(key)
            if entry is None:
                missing[key] = task
            else:
                self.hits += 1
                answers[key] = self._count(entry.get("scores"))
        if missing:
            answers.update(self._ask(missing))
        return [answers[key] for key in keys]

    def _ask(self, missing: dict[str, Task]) -> dict[str, Scores | None]:
        if not self._checked:
            self.judge.check()
            self._checked = True
        answers: dict[str, Scores | None] = {}
        pool = ThreadPoolExecutor(self.workers)
        try:
            futures = {pool.submit(self.judge.judge, *task): key for key, task in missing.items()}
            for future in as_completed(futures):
                answers[futures[future]] = self._record(futures[future], future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # an unreachable judge: no further request starts
        return answers

    def _record(self, key: str, outcome: Outcome) -> Scores | None:
        if outcome.transient:  # the server failed, not the judge's answer: not cached, asked again next time
            return self._count(None)
        verdict = outcome.verdict
        scores, reason = (verdict.scores, verdict.reason) if verdict else (None, None)
        entry = self.cache.put(key, self.model, scores, reason, outcome.failure)
        return self._count(entry.get("scores"))

    def _count(self, scores: Scores | None) -> Scores | None:
        if scores is None:
            self.failed += 1
        else:
            self.judged += 1
        return scores
