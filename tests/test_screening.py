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
    result = assess(catalog, all_no(catalog, koebner="yes", anticoagulants="yes", sunburn="yes"))
    assert result.outcome is Outcome.DO_NOT_TREAT
    assert [(r.question_id, r.outcome) for r in result.reasons] == [
        ("sunburn", Outcome.DO_NOT_TREAT),
        ("anticoagulants", Outcome.NEEDS_CLEARANCE),
        ("koebner", Outcome.CAUTION),
    ]
    # Complete: it finishes, as a letter unless a provider writes a reason to go ahead.
    assert result.may_finish and result.not_treating and result.overridable


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        # The device's label: current isotretinoin, a bleeding disorder, skin cancer, allergy.
        ("isotretinoin_current", "yes", Outcome.DO_NOT_TREAT),
        ("isotretinoin_current", "not_sure", Outcome.NEEDS_CLEARANCE),
        ("bleeding_disorder", "yes", Outcome.DO_NOT_TREAT),
        ("skin_cancer", "yes", Outcome.DO_NOT_TREAT),
        ("allergy", "yes", Outcome.DO_NOT_TREAT),
        ("active_infection", "yes", Outcome.DO_NOT_TREAT),
        ("active_infection", "not_sure", Outcome.NEEDS_CLEARANCE),
        # Past isotretinoin: the 2017 consensus found no evidence to delay.
        ("isotretinoin_recent", "yes", Outcome.CAUTION),
        ("isotretinoin_recent", "not_sure", Outcome.CAUTION),
        ("anticoagulants", "yes", Outcome.NEEDS_CLEARANCE),
        ("keloid", "yes", Outcome.NEEDS_CLEARANCE),
        ("keloid", "not_sure", Outcome.NEEDS_CLEARANCE),
        # The rules the review added.
        ("actinic_keratosis", "yes", Outcome.DO_NOT_TREAT),
        ("warts_molluscum", "yes", Outcome.DO_NOT_TREAT),
        ("collagen_vascular", "yes", Outcome.NEEDS_CLEARANCE),
        ("granuloma_history", "yes", Outcome.NEEDS_CLEARANCE),
        ("koebner", "yes", Outcome.CAUTION),
        ("implants_tattoo", "yes", Outcome.CAUTION),
        ("photosensitising", "yes", Outcome.CAUTION),
        ("salicylate_allergy", "yes", Outcome.CAUTION),
        ("g6pd", "yes", Outcome.CAUTION),
    ],
)
def test_single_answers(catalog, question, answer, expected):
    result = assess(catalog, all_no(catalog, **{question: answer}))
    assert result.outcome is expected
    assert result.reason_ids() == (question,)


def test_label_contraindications_cannot_be_overridden(catalog):
    override = Override("The patient insists and signed a waiver.", "Dr Reyes")
    for question in (
        "pregnancy",
        "isotretinoin_current",
        "bleeding_disorder",
        "skin_cancer",
        "active_infection",
        "allergy",
    ):
        result = assess(catalog, all_no(catalog, **{question: "yes"}), override=override)
        assert result.outcome is Outcome.DO_NOT_TREAT
        assert [r.question_id for r in result.label_reasons] == [question]
        assert not result.overridable and not result.overridden and result.override is None
        assert result.not_treating and result.may_finish  # finished as a letter
    # With an overridable reason beside a label one, the label one still rules.
    both = assess(catalog, all_no(catalog, sunburn="yes", allergy="yes"), override=override)
    assert both.not_treating and both.override is None
    # "Not sure" of a label question is not the contraindication itself: clearance.
    unsure = assess(catalog, all_no(catalog, pregnancy="not_sure"))
    assert unsure.outcome is Outcome.NEEDS_CLEARANCE and unsure.label_reasons == ()


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
