"""The consultation wizard, driven through its real widgets with the mouse and keyboard."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QRadioButton, QWizard
from uihelpers import answer_dialog, on_label, type_text

from consult.app.catalog import load_catalog
from consult.app.drafts import DraftStore
from consult.domain.model import Answer, ClinicSettings, Outcome, Patient
from consult.ui.wizard import ConsultationWizard

pytestmark = pytest.mark.gui

CATALOG = load_catalog().catalog
TODAY = date(2026, 11, 26)
ZOE = Patient("Zoë O'Brien-Łukasiewicz", date(1990, 5, 17), 4, "es", "+1 555 0100", "", 7)


class Clicks:
    """Counts the provider's clicks and key presses (typed text is not counted)."""

    def __init__(self, qtbot):
        self.qtbot = qtbot
        self.count = 0

    def click(self, widget, pos: QPoint | None = None):
        self.count += 1
        if pos is None and isinstance(widget, QCheckBox | QRadioButton):
            pos = on_label(widget)
        if pos is None:
            self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        else:
            self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)

    def key(self, widget, key):
        self.count += 1
        self.qtbot.keyClick(widget, key)


@pytest.fixture
def wizard(qtbot):
    def make(**kwargs):
        wiz = ConsultationWizard(
            CATALOG, ClinicSettings(), TODAY, providers=["Dr Ana Reyes"], **kwargs
        )
        qtbot.addWidget(wiz)
        wiz.show()
        qtbot.waitExposed(wiz)
        return wiz

    return make


def next_button(wiz):
    return wiz.button(QWizard.WizardButton.NextButton)


def map_point(page, key):
    """A point of the view inside the zone's drawn shape, where a person would click."""
    from PySide6.QtCore import QPointF

    item = page.map.items_by_key[key][0]
    box = item.path().boundingRect()
    for fy in (0.5, 0.4, 0.6, 0.3, 0.7):
        for fx in (0.5, 0.3, 0.7, 0.2, 0.8):
            point = QPointF(box.left() + box.width() * fx, box.top() + box.height() * fy)
            if item.path().contains(point):
                return page.map.mapFromScene(item.mapToScene(point))
    raise AssertionError(f"no point inside {key}")


def test_standard_consultation_by_mouse(wizard, qtbot):
    wiz = wizard(patient=ZOE)
    clicks = Clicks(qtbot)
    assert wiz.currentPage().isComplete()
    clicks.click(next_button(wiz))

    screening = wiz.currentPage()
    assert not screening.isComplete()
    assert "Not screened yet" in screening.banner.text()
    seen = answer_dialog(qtbot)
    clicks.click(screening.rest_no)
    clicks.count += 1  # the confirmation
    assert all(screening._asked(q) in seen[0] for q in CATALOG.questions)
    assert screening.isComplete()
    assert "Proceed" in screening.banner.text()
    clicks.click(next_button(wiz))

    areas = wiz.currentPage()
    assert not next_button(wiz).isEnabled()
    for zone in ("cheeks", "forehead"):
        clicks.click(areas.map.viewport(), map_point(areas, ("face", zone)))
    assert wiz.state.areas == {"face": {"cheeks", "forehead"}}
    assert areas.items[("face", "cheeks")].checkState(0) == Qt.CheckState.Checked
    assert areas.items[("face", None)].checkState(0) == Qt.CheckState.PartiallyChecked
    assert areas.map.chosen() >= {("face", "cheeks"), ("face", "forehead")}
    clicks.click(next_button(wiz))

    concerns = wiz.currentPage()
    assert not concerns.isComplete()
    clicks.click(concerns.checks[("face", "acne_scars")])
    clicks.click(next_button(wiz))

    adjuncts = wiz.currentPage()
    assert not adjuncts.checks["peel_jessner"].isEnabled()  # skin type IV
    clicks.click(adjuncts.checks["peel_mandelic"])
    clicks.click(next_button(wiz))

    plan = wiz.currentPage()
    assert plan.count.value() == 4
    assert plan.table.rowCount() == 4 + 3  # sessions and a peel between each
    clicks.click(next_button(wiz))

    finish = wiz.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled()
    consultation = wiz.consultation()
    assert consultation.patient.id == 7
    assert [a.area_id for a in consultation.areas] == ["face"]
    assert set(consultation.areas[0].zones) == {"forehead", "cheeks"}
    assert consultation.areas[0].concerns[0].concern_id == "acne_scars"
    assert consultation.adjuncts == ("peel_mandelic",)
    assert all(a is Answer.NO for a in consultation.screening.values())
    clicks.click(finish)
    assert wiz.result() == QWizard.DialogCode.Accepted
    print(f"\nmouse standard consultation in the wizard: {clicks.count} clicks")
    assert clicks.count <= 25


def _answer_yes_then_rest_no(wiz, qtbot, question_id):
    qtbot.mouseClick(next_button(wiz), Qt.MouseButton.LeftButton)
    screening = wiz.currentPage()
    yes = screening.groups[question_id].button(1)
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton, pos=on_label(yes))
    answer_dialog(qtbot)
    qtbot.mouseClick(screening.rest_no, Qt.MouseButton.LeftButton)
    wiz.state.areas = {"face": set()}
    wiz.state.concerns = {"face": {"acne_scars": ("mild", None)}}
    return screening


def test_a_label_contraindication_finishes_as_a_letter_and_cannot_be_overridden(wizard, qtbot):
    wiz = wizard(patient=ZOE)
    screening = _answer_yes_then_rest_no(wiz, qtbot, "pregnancy")
    assert wiz.state.screening().outcome is Outcome.DO_NOT_TREAT
    banner = screening.banner.text()
    assert "Do not treat" in banner and "on the device's label" in banner
    assert "cannot be overridden" in banner and "Source: SkinPen IFU" in banner
    assert not screening.override_box.isVisible()
    for _ in range(4):
        wiz.next()
    plan_page = wiz.currentPage()
    assert "Not treating" in plan_page.status.text()
    assert not plan_page.start.isEnabled() and plan_page.table.rowCount() == 0
    wiz.next()
    assert wiz.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert wiz.state.plan().not_treating and wiz.consultation().override is None


def test_other_do_not_treat_finishes_as_a_letter_unless_a_reason_is_written(wizard, qtbot):
    wiz = wizard(patient=ZOE)
    screening = _answer_yes_then_rest_no(wiz, qtbot, "sunburn")
    assert screening.override_box.isVisible()
    assert "finishing gives the patient a letter" in screening.banner.text()
    assert wiz.state.plan().not_treating
    qtbot.keyClicks(screening.override, "Sunburn is on the back only; treating the face.")
    assert wiz.state.screening().overridden
    for _ in range(4):
        wiz.next()
    plan_page = wiz.currentPage()
    assert "Confirmed" in plan_page.status.text()
    assert plan_page.table.rowCount() == 4
    assert (
        "Source: " not in plan_page.rules.text() and "source: Clinic page" in plan_page.rules.text()
    )
    wiz.next()
    assert wiz.button(QWizard.WizardButton.FinishButton).isEnabled()
    consultation = wiz.consultation()
    assert consultation.override.reason == "Sunburn is on the back only; treating the face."


def test_needs_clearance_plans_proposed_dates(wizard, qtbot):
    wiz = wizard(patient=ZOE)
    _answer_yes_then_rest_no(wiz, qtbot, "anticoagulants")
    for _ in range(4):
        wiz.next()
    plan_page = wiz.currentPage()
    assert "Provisional" in plan_page.status.text()
    assert plan_page.table.item(0, 2).text().startswith("Proposed: ")
    assert "Anticoagulant" not in plan_page.rules.text()  # the question, in its words
    assert "anticoagulant or antiplatelet" in plan_page.rules.text()
    assert "source: SkinPen IFU; Chu 2021" in plan_page.rules.text()


def test_new_patient_by_keyboard_with_a_future_birth_date(wizard, qtbot):
    wiz = wizard()
    page = wiz.currentPage()
    type_text(page.name, "李小龍")
    assert page.name.text() == "李小龍"
    qtbot.mouseClick(page.dob, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.dob, "20300101")  # a date of birth in the future
    assert page.dob.text() == "2030-01-01"
    qtbot.mouseClick(
        page.skin_buttons[3], Qt.MouseButton.LeftButton, pos=on_label(page.skin_buttons[3])
    )
    assert page.isComplete()
    qtbot.mouseClick(next_button(wiz), Qt.MouseButton.LeftButton)
    assert wiz.currentPage() is page
    assert "future" in page.problems.text()


def test_wizard_restores_a_draft(wizard, tmp_path):
    first = wizard(patient=ZOE)
    first.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
    first.state.areas = {"neck": set()}
    first.state.concerns = {"neck": {"fine_lines": ("moderate", None)}}
    first.state.notes = "Prefers mornings."
    store = DraftStore(tmp_path / "drafts")
    store.save("k", first.state)
    second = wizard(draft=store.load("k").resume(CATALOG, first.state.settings, first.state.today))
    assert second.consultation() == first.consultation()
