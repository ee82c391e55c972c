"""Nguyen & Luu (AAAI 2022): a CLS student distilled from a monolingual teacher with an optimal-transport term.

Stage `teacher` trains a monolingual summariser (text -> summary) on the small training set; stage
`student` copies it into a trainable student and a frozen teacher, trains the student on
text -> cls_summary, and adds the Sinkhorn divergence between the student decoder's final hidden
states on the cross-lingual summary and the teacher decoder's final hidden states on the
monolingual summary of the same document (both teacher-forced). OT compares the two sets of
states without a position-to-position alignment, which two summaries in two languages lack.

The teacher is a full frozen copy (encoder and decoder, eval mode, no gradient): its states are a
fixed target. The public code instead ran a second decoder on the student's own, still-training
encoder and let the OT gradient reach that decoder too.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from cls_data.benchmark.config import DecodeConfig
from cls_data.benchmark.models.base import IGNORE_INDEX, token_cross_entropy
from cls_data.benchmark.models.bert_seq2seq import BertSummarizer, frame
from cls_data.benchmark.models.ot import sinkhorn_divergence

OT_WEIGHT = 0.1


class NguyenKD(nn.Module):
    """Student (trainable) and teacher (frozen) `BertSummarizer`s; losses "cls" and "ot" (weight 0.1 in the scheme)."""

    task_names = ("cls", "ot")

    def __init__(self, student: BertSummarizer, teacher: BertSummarizer) -> None:
        super().__init__()
        self.student = student
        # Not a registered submodule: the teacher stays out of parameters(), the optimizer, DDP and the
        # saved weights (it is rebuilt from the teacher stage's weights), and `.train()` never reaches
        # it (no dropout in the targets). `_apply` still moves it with the student.
        self._frozen = (teacher.requires_grad_(False).eval(),)
        self.markers = student.markers

    @property
    def teacher(self) -> BertSummarizer:
        return self._frozen[0]

    def _apply(self, fn, recurse: bool = True):  # .to(), .cuda(), .float(): keep the teacher alongside
        super()._apply(fn, recurse)
        self.teacher._apply(fn, recurse)
        return self

    def param_groups(self) -> list[tuple[list[nn.Parameter], float]]:
        return self.student.param_groups()

    def save(self, folder: Any) -> Any:
        """The student alone, as a Hugging Face folder (the teacher is rebuilt from its own stage)."""
        self.student.model.save_pretrained(folder)
        return folder

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        decoder_input_ids, labels = frame(batch["labels"], self.markers)
        out = self.student.decode_states(batch, decoder_input_ids, hidden=True)
        with torch.no_grad():
            mono_inputs, mono_labels = frame(batch["mono_labels"], self.markers)
            teacher_states = self.teacher.decoder_states(batch, mono_inputs)
        student_mask, teacher_mask = labels != IGNORE_INDEX, mono_labels != IGNORE_INDEX
        per_example = sinkhorn_divergence(out.decoder_hidden_states[-1], student_mask, teacher_states, teacher_mask)
        return {
            "cls": token_cross_entropy(out.logits, labels, self.student.label_smoothing),
            # Per target token, like the cross-entropy it is added to: the public code adds 0.1 x the
            # batch-mean divergence to a token-summed loss that it then divides by the batch's tokens.
            "ot": per_example.sum() / student_mask.sum().clamp(min=1),
        }

    @torch.no_grad()
    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, decode: DecodeConfig) -> torch.Tensor:
        return self.student.generate(input_ids, attention_mask, decode)
