"""Screening answers become an outcome with every reason."""

from __future__ import annotations

import pytest

from consult.domain.model import Answer, Outcome, Override, ValidationError
from consult.domain.screening import assess


def all_no(catalog, **answers):
    result = {q.id: Answer.NO for q in catalog.questions}
    result.update({k: Answer(v) for k, v in answers.items()})
    return result


def test_all_no_proceeds(catalog):
    result = assess(catalog, all_no(catalog))
    assert result.outcome is Outcome.PROCEED
    assert result.reasons == ()
    assert result.may_finish


def test_unanswered_questions_block_finishing(catalog):
    answers = all_no(catalog)
    del answers["pregnancy"]
    result = assess(catalog, answers)
    assert result.unanswered == ("pregnancy",)
    assert not result.may_finish


def test_worst_severity_wins_and_every_reason_is_kept(catalog):
    result = assess(catalog, all_no(catalog, keloid="yes", bleeding="yes", pregnancy="yes"))
    assert result.outcome is Outcome.DO_NOT_TREAT
    assert [(r.question_id, r.outcome) for r in result.reasons] == [
        ("pregnancy", Outcome.DO_NOT_TREAT),
        ("bleeding", Outcome.NEEDS_CLEARANCE),
        ("keloid", Outcome.CAUTION),
    ]
    assert not result.may_finish


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        ("keloid", "yes", Outcome.CAUTION),
        ("keloid", "not_sure", Outcome.CAUTION),
        ("isotretinoin", "yes", Outcome.NEEDS_CLEARANCE),
        ("isotretinoin", "not_sure", Outcome.NEEDS_CLEARANCE),
        ("active_infection", "yes", Outcome.DO_NOT_TREAT),
        ("active_infection", "not_sure", Outcome.NEEDS_CLEARANCE),
    ],
)
def test_single_answers(catalog, question, answer, expected):
    assert assess(catalog, all_no(catalog, **{question: answer})).outcome is expected


def test_cold_sore_history_counts_only_near_the_mouth(catalog):
    answers = all_no(catalog, cold_sore_history="yes")
    assert assess(catalog, answers, selected_tags=()).outcome is Outcome.PROCEED
    near_mouth = assess(catalog, answers, selected_tags={"perioral"})
    assert near_mouth.outcome is Outcome.CAUTION
    assert near_mouth.reason_ids() == ("cold_sore_history",)


def test_override_needs_a_written_reason(catalog):
    with pytest.raises(ValidationError, match="Write the reason"):
        Override("   ok   ", "Dr Reyes")
    answers = all_no(catalog, sunburn="yes")
    override = Override("Sunburn is on the back only; treating the face.", "Dr Reyes")
    result = assess(catalog, answers, override=override)
    assert result.outcome is Outcome.DO_NOT_TREAT
    assert result.overridden and result.may_finish
    assert result.override.reason.startswith("Sunburn")


def test_override_is_dropped_when_not_needed(catalog):
    override = Override("No longer needed after re-screening.", "Dr Reyes")
    result = assess(catalog, all_no(catalog, keloid="yes"), override=override)
    assert result.override is None
