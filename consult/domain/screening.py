"""Safety screening: the provider's answers become an outcome with every reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from consult.domain.catalog import Catalog, Question
from consult.domain.model import Answer, Outcome, Override


@dataclass(frozen=True)
class Reason:
    question_id: str
    answer: Answer
    outcome: Outcome


@dataclass(frozen=True)
class ScreeningResult:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    unanswered: tuple[str, ...]
    override: Override | None = None

    @property
    def complete(self) -> bool:
        return not self.unanswered

    @property
    def overridden(self) -> bool:
        return self.outcome is Outcome.DO_NOT_TREAT and self.override is not None

    @property
    def may_finish(self) -> bool:
        """Every question answered, and no unresolved 'do not treat'."""
        return self.complete and (self.outcome is not Outcome.DO_NOT_TREAT or self.overridden)

    def reason_ids(self, *outcomes: Outcome) -> tuple[str, ...]:
        return tuple(r.question_id for r in self.reasons if not outcomes or r.outcome in outcomes)


def counts(question: Question, selected_tags: Iterable[str]) -> bool:
    """A question limited to some tags counts only when a selected area or zone has one."""
    return not question.only_if_tags or bool(question.only_if_tags & set(selected_tags))


def assess(
    catalog: Catalog,
    answers: Mapping[str, Answer],
    selected_tags: Iterable[str] = (),
    override: Override | None = None,
) -> ScreeningResult:
    """The outcome of a screening: the worst of its reasons, ``proceed`` when there are none.

    A "yes" has the question's severity, a "not sure" its ``not_sure`` severity. Questions
    limited to tags (e.g. cold sores near the mouth) count only when such a zone is chosen.
    """
    tags = set(selected_tags)
    reasons: list[Reason] = []
    unanswered: list[str] = []
    for question in catalog.questions:
        answer = answers.get(question.id)
        if answer is None:
            unanswered.append(question.id)
            continue
        answer = Answer(answer)
        if answer is Answer.NO or not counts(question, tags):
            continue
        outcome = question.severity if answer is Answer.YES else question.not_sure
        reasons.append(Reason(question.id, answer, outcome))
    reasons.sort(key=lambda r: -r.outcome.rank)
    outcome = reasons[0].outcome if reasons else Outcome.PROCEED
    kept_override = override if outcome is Outcome.DO_NOT_TREAT else None
    return ScreeningResult(outcome, tuple(reasons), tuple(unanswered), kept_override)


def flagged(answers: Mapping[str, Answer]) -> frozenset[str]:
    """The questions answered "yes" or "not sure"."""
    return frozenset(q for q, a in answers.items() if Answer(a) is not Answer.NO)
