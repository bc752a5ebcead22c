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
    # A "yes" to a contraindication on the device's label: it can never be overridden.
    label: bool = False


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
    def label_reasons(self) -> tuple[Reason, ...]:
        """The answers that meet a contraindication on the device's label."""
        return tuple(r for r in self.reasons if r.label)

    @property
    def overridable(self) -> bool:
        """ "Do not treat" that a provider may override with a written reason: none of its
        reasons is a contraindication on the device's label."""
        return self.outcome is Outcome.DO_NOT_TREAT and not self.label_reasons

    @property
    def overridden(self) -> bool:
        return self.overridable and self.override is not None

    @property
    def not_treating(self) -> bool:
        """No sessions are planned: the patient is given a letter saying what happens next."""
        return self.outcome is Outcome.DO_NOT_TREAT and not self.overridden

    @property
    def may_finish(self) -> bool:
        """Every question answered. "Do not treat" finishes too: with a written override (where
        one is allowed) as a plan, without one as a letter."""
        return self.complete

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
    An override is kept only where it can apply: "do not treat" with no contraindication on
    the device's label among the reasons.
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
        label = question.label and answer is Answer.YES
        reasons.append(Reason(question.id, answer, outcome, label))
    reasons.sort(key=lambda r: -r.outcome.rank)
    outcome = reasons[0].outcome if reasons else Outcome.PROCEED
    result = ScreeningResult(outcome, tuple(reasons), tuple(unanswered))
    if override is not None and result.overridable:
        result = ScreeningResult(outcome, tuple(reasons), tuple(unanswered), override)
    return result


def flagged(answers: Mapping[str, Answer]) -> frozenset[str]:
    """The questions answered "yes" or "not sure"."""
    return frozenset(q for q, a in answers.items() if Answer(a) is not Answer.NO)
