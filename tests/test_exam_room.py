"""What a patient beside the screen sees in the consultation wizard (issue 19), driven through
the real widgets: the screening banner, the questions below the fold, the step list, the
map's caption, why Next waits, suggested adjuncts, booked times and the summary."""

from __future__ import annotations

from datetime import date, time

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QWizard
from uihelpers import answer_dialog, on_label

from consult.app.catalog import load_catalog
from consult.domain.adjuncts import all_eligibility, suggestions
from consult.domain.model import Answer, ClinicSettings, Outcome, Patient
from consult.report import dates
from consult.ui import outcomes, style
from consult.ui.wizard import STEP_NAMES, ConsultationWizard

pytestmark = pytest.mark.gui

CATALOG = load_catalog().catalog
TODAY = date(2026, 11, 26)
AN = Patient("Nguyễn Thị An", date(1988, 2, 3), 4, "es", "+34 600 123 456", "", 7)


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


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=on_label(button))


def answer(qtbot, page, question_id, which):
    click(qtbot, page.groups[question_id].button({"yes": 1, "no": 2, "not_sure": 3}[which]))


def test_every_step_says_where_the_provider_is(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
    wiz.state.areas = {"face": set()}
    wiz.state.concerns = {"face": {"texture": (None, None)}}
    seen = []
    for number, _name in enumerate(STEP_NAMES, start=1):
        seen.append(wiz.steps.heading.text())
        assert wiz.steps.buttons[number - 1].accessibleName().endswith("(current)")
        wiz.next()
    assert seen == [f"{n} of 7 — {name}" for n, name in enumerate(STEP_NAMES, start=1)]
    # A visited step is a click away; one not reached yet is not.
    qtbot.mouseClick(wiz.steps.buttons[1], Qt.MouseButton.LeftButton)
    assert wiz.steps.heading.text() == "2 of 7 — Screening"
    assert wiz.steps.buttons[6].isEnabled()  # reached before: forward again
    fresh = wizard(patient=AN)
    assert not fresh.steps.buttons[3].isEnabled()


def test_the_banner_says_not_screened_until_every_question_is_answered(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.next()
    page = wiz.currentPage()
    total = len(CATALOG.questions)
    assert "Not screened yet" in page.banner.text()
    assert "Proceed" not in page.banner.text()
    assert page.answered.text() == f"<b>0 of {total}</b><br>answered"
    for question in CATALOG.questions[:-1]:
        answer(qtbot, page, question.id, "no")
    assert "Not screened yet" in page.banner.text()
    assert page.answered.text().startswith(f"<b>{total - 1} of {total}")
    assert not page.isComplete()
    answer(qtbot, page, CATALOG.questions[-1].id, "no")
    assert "Proceed" in page.banner.text() and "Not screened yet" not in page.banner.text()
    assert page.isComplete()


def _first(outcome: Outcome) -> str:
    """A question whose "yes" gives ``outcome`` (not one on the device's label, which no
    reason overrides)."""
    return next(
        q.id
        for q in CATALOG.questions
        if q.severity is outcome and not q.only_if_tags and not q.label
    )


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        (Outcome.CAUTION, "Treat with care"),
        (Outcome.NEEDS_CLEARANCE, "Ask the patient's doctor for clearance; the plan will print"),
        (Outcome.DO_NOT_TREAT, "To go ahead anyway, write the reason"),
    ],
)
def test_each_outcome_says_what_happens_next(wizard, qtbot, outcome, words):
    wiz = wizard(patient=AN)
    wiz.next()
    page = wiz.currentPage()
    flagged = _first(outcome)
    for question in CATALOG.questions:
        answer(qtbot, page, question.id, "yes" if question.id == flagged else "no")
    assert wiz.state.screening().outcome is outcome
    assert outcomes.look(outcome).headline in page.banner.text()
    assert words in page.banner.text()
    colour = style.colour(outcomes.look(outcome).colour)
    assert colour in page.banner_box.styleSheet()


def test_the_outcomes_differ_in_colour_shape_and_words_in_light_and_dark(qapp):
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    looks = [outcomes.look(o) for o in (None, *Outcome)]
    assert len({look.shape for look in looks}) == len(looks)
    assert len({look.headline for look in looks}) == len(looks)
    light = {look.colour: style.colour(look.colour) for look in looks}
    assert len(set(light.values())) == len(looks)
    saved = QGuiApplication.palette()
    dark = QPalette(saved)
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    QGuiApplication.setPalette(dark)
    try:
        assert style.is_dark()
        on_dark = {look.colour: style.colour(look.colour) for look in looks}
        assert len(set(on_dark.values())) == len(looks)
        assert all(QColor(c).lightness() > 110 for c in on_dark.values())  # readable on dark
    finally:
        QGuiApplication.setPalette(saved)
    assert all(QColor(c).lightness() < 110 for c in light.values())  # readable on white
    # Every icon is drawn, in its own colour.
    for look in looks:
        image = outcomes.icon(look.shape, light[look.colour], 40).toImage()
        assert not image.isNull()
        centre = image.pixelColor(image.width() // 2, image.height() // 4)
        assert centre.alpha() > 0 or look.shape in ("question", "warning")


def test_answer_the_rest_no_asks_first_listing_each_question(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.next()
    page = wiz.currentPage()
    answer(qtbot, page, CATALOG.questions[0].id, "no")
    left = CATALOG.questions[1:]
    seen = answer_dialog(qtbot, accept=False)
    qtbot.mouseClick(page.rest_no, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    for number, question in enumerate(left, start=2):
        assert f"{number}. {page._asked(question)}" in seen[0]
    assert page._asked(CATALOG.questions[0]) not in seen[0]
    assert len(wiz.state.answers) == 1  # "Go back and ask": nothing marked
    seen = answer_dialog(qtbot, accept=True)
    qtbot.mouseClick(page.rest_no, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    assert all(wiz.state.answers[q.id] is Answer.NO for q in left)
    assert not page.rest_no.isEnabled()


def test_questions_below_the_fold_are_counted_and_reached(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.resize(1000, 620)
    wiz.next()
    page = wiz.currentPage()
    qtbot.waitUntil(lambda: "more questions below" in page.below.text())
    text = page.below.text()
    assert "more questions below" in text and "not answered" in text
    hidden = int(text.split()[1])
    assert f", {hidden} not answered" in text
    # Answering one that is out of sight lowers the unanswered count, not the hidden one.
    last = CATALOG.questions[-1]
    wiz.state.answers[last.id] = Answer.NO
    page.refresh()
    assert f"{hidden} more questions below, {hidden - 1} not answered" in page.below.text()
    # "Next unanswered" brings the first unanswered question into view.
    for question in CATALOG.questions[:-4]:
        wiz.state.answers[question.id] = Answer.NO
    page.load_from_state()
    qtbot.mouseClick(page.next_unanswered, Qt.MouseButton.LeftButton)
    target = page.labels[CATALOG.questions[-4].id]
    bar = page.scroll.verticalScrollBar()
    top, bottom = bar.value(), bar.value() + page.scroll.viewport().height()
    assert top <= target.geometry().top() and target.geometry().bottom() <= bottom
    bar.setValue(bar.maximum())
    assert page.below.text() == ""
    # One left unanswered at the top, out of sight: the line says so too.
    del wiz.state.answers[CATALOG.questions[0].id]
    page.load_from_state()
    bar.setValue(bar.maximum())
    assert page.below.text() == "▲ 1 not answered above"


def test_the_caption_lists_everything_chosen(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
    wiz.next()
    wiz.next()
    page = wiz.currentPage()
    assert "nothing yet" in page.caption.text()
    page._map_clicked("face", "forehead")
    page._map_clicked("face", "cheeks")
    page._map_clicked("neck", None)
    text = page.caption.text()
    assert "Face (forehead, cheeks)" in text and "Neck" in text
    page._map_clicked("face", "forehead")
    assert "Face (cheeks)" in page.caption.text() and "Neck" in page.caption.text()


def test_concerns_say_which_area_still_needs_one(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
    wiz.state.areas = {"face": set(), "neck": set()}
    for _ in range(3):
        wiz.next()
    page = wiz.currentPage()
    next_button = wiz.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    assert "Face, Neck" in page.missing.text()
    click(qtbot, page.checks[("face", "acne_scars")])
    assert not next_button.isEnabled()
    assert page.missing.text() == "To go on, tick at least one concern for: Neck."
    click(qtbot, page.checks[("neck", "fine_lines")])
    assert next_button.isEnabled() and page.missing.text() == ""


def test_only_what_the_rules_suggest_is_marked_with_why(wizard, qtbot):
    wiz = wizard(patient=AN)  # skin type IV
    wiz.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
    wiz.state.areas = {"face": set()}
    wiz.state.concerns = {"face": {"acne_scars": ("moderate", None)}}
    for _ in range(4):
        wiz.next()
    page = wiz.currentPage()
    peels = [a.id for a in CATALOG.adjuncts if a.kind == "peel"]
    marked = [p for p in peels if "suggested" in page.checks[p].text()]
    assert marked == ["peel_salicylic"]  # not every peel that lists acne scars
    assert (
        page.checks["peel_salicylic"]
        .accessibleDescription()
        .startswith("Suggested: Treats acne scars.")
    )
    assert "suggested" not in page.checks["peel_mandelic"].text()


def test_suggestions_follow_the_concerns_and_the_skin_type():
    face = ["face"]
    verdicts = all_eligibility(CATALOG, 2, (), face)
    found = suggestions(CATALOG, 2, ["acne_scars", "texture"], face, verdicts)
    assert [a for a in found if a.startswith("peel")] == ["peel_salicylic"]
    assert "every concern chosen" in found["peel_salicylic"].reason
    # Nothing for a kind none of whose adjuncts treat the concerns chosen.
    found = suggestions(CATALOG, 2, ["stretch_marks"], ["abdomen"], verdicts)
    assert not any(a.startswith("peel") for a in found)
    # A skin type that darkens easily: among equals, one offered for every skin type.
    dark = all_eligibility(CATALOG, 4, (), face)
    found = suggestions(CATALOG, 4, ["fine_lines", "pigmentation"], face, dark)
    peels = [a for a in found if a.startswith("peel")]
    assert "peel_glycolic" not in peels and peels
    assert all("every skin type" in found[p].reason for p in peels)
    # Ruled out by screening: never suggested.
    ruled = all_eligibility(CATALOG, 2, ("pregnancy",), face)
    assert "peel_salicylic" not in suggestions(CATALOG, 2, ["acne_scars"], face, ruled)


def test_times_are_booked_on_the_plan_and_one_can_differ(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
    wiz.state.areas = {"face": set()}
    wiz.state.concerns = {"face": {"acne_scars": ("moderate", None)}}
    wiz.state.adjuncts = ["peel_mandelic"]
    for _ in range(5):
        wiz.next()
    page = wiz.currentPage()
    assert page.table.item(0, 1).text() == "—" and "no time booked" in page.time_note.text()
    click(qtbot, page.book)
    page.time.setTime(QTime(10, 30))
    assert wiz.state.appointment_time == time(10, 30)
    assert all(edit.time() == QTime(10, 30) for edit in page.row_times.values())
    page.row_times["session-2"].setTime(QTime(16, 0))
    assert wiz.state.times == {"session-2": time(16, 0)}
    plan = wiz.state.plan()
    assert [s.time for s in plan.sessions][:3] == [time(10, 30), time(16, 0), time(10, 30)]
    assert {v.time for v in plan.adjunct_visits} == {time(10, 30)}
    assert "1 at its own time" in page.time_note.text()
    # A slot is picked from the list, or typed as a person writes it.
    page.time.lineEdit().setText("4:15 pm")
    page.time.lineEdit().editingFinished.emit()
    assert wiz.state.appointment_time == time(16, 15)
    page.time.lineEdit().setText("lunch")  # not a time: the box shows the time it had
    page.time.lineEdit().editingFinished.emit()
    assert wiz.state.appointment_time == time(16, 15)
    assert page.time.currentText() == dates.time_of_day(time(16, 15))
    page.time.setTime(QTime(10, 30))
    wiz.next()
    summary = wiz.currentPage().summary.toPlainText()
    assert "at 10:30" in summary.replace("\u202f", " ").replace("10:30 AM", "10:30")


def test_the_summary_lists_severities_and_kinds(wizard):
    wiz = wizard(patient=AN)
    wiz.state.answers = {q.id: Answer.NO for q in CATALOG.questions}
    severity = CATALOG.concern("acne_scars").severities[1]
    kind = CATALOG.concern("pigmentation").kinds[1]
    wiz.state.areas = {"face": {"cheeks"}, "neck": set()}
    wiz.state.concerns = {
        "face": {"acne_scars": (severity.id, None), "pigmentation": (None, kind.id)},
        "neck": {"fine_lines": (None, None)},
    }
    for _ in range(6):
        wiz.next()
    text = wiz.currentPage().summary.toPlainText()
    assert f"acne scars ({severity.name['en'].lower()})" in text
    assert f"uneven tone and dark spots ({kind.name['en'].lower()})" in text
    assert "Face (cheeks)" in text and "Neck: fine lines and wrinkles" in text
    assert "Spanish (español)" in text


def test_a_contraindication_on_the_label_says_it_cannot_be_overridden(wizard, qtbot):
    wiz = wizard(patient=AN)
    wiz.next()
    page = wiz.currentPage()
    on_label = next(q.id for q in CATALOG.questions if q.label)
    for question in CATALOG.questions:
        answer(qtbot, page, question.id, "yes" if question.id == on_label else "no")
    text = page.banner.text()
    assert "Do not treat" in text and "cannot be overridden" in text
    assert "write the reason" not in text  # no way round the device's label is offered
    assert not page.override_box.isVisible()


def test_a_name_searched_and_not_found_becomes_the_new_patients_name(qtbot):
    """Found in the exam room: the nurse typed the new patient's name in the search box."""
    from uihelpers import type_text

    wiz = ConsultationWizard(
        CATALOG, ClinicSettings(), TODAY, providers=["Dr Ana Reyes"], find_patients=lambda t: []
    )
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    wiz.activateWindow()
    qtbot.waitUntil(wiz.isActiveWindow)
    page = wiz.currentPage()
    type_text(page.search, "Nguyễn Thị Thu Hà")
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert page.name.text() == "Nguyễn Thị Thu Hà" and page.search.text() == ""
    assert wiz.state.patient.name == "Nguyễn Thị Thu Hà"
    assert page.dob.hasFocus()  # on to the date of birth


def test_the_confirmation_of_the_rest_keeps_its_buttons_on_a_small_screen(qtbot):
    """Found under Xvfb: 27 questions in a message box pushed its buttons off the screen.
    The list scrolls; the dialog fits the screen and its buttons are inside it."""
    from PySide6.QtWidgets import QApplication

    from consult.ui.dialogs import ListQuestion

    items = [f"{n}. {q.question['en']}" for n, q in enumerate(CATALOG.questions, start=1)]
    dialog = ListQuestion(
        None, "Answer the rest “No”?", "Did the patient say no?", items, "&Yes", "&Go back"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    room = QApplication.primaryScreen().availableGeometry()
    assert dialog.frameGeometry().height() <= room.height()
    for button in dialog.buttons():
        bottom = button.mapTo(dialog, button.rect().bottomLeft()).y()
        assert button.isVisible() and bottom <= dialog.height()
    assert all(item in dialog.text() for item in items)


def test_what_an_amendment_changes_is_said_once_and_only_if_it_changed():
    from dataclasses import replace

    from consult.domain.amendment import changes
    from consult.domain.model import AreaChoice, ConcernChoice, Consultation
    from consult.domain.plan import build_plan

    old = Consultation(
        patient=AN,
        provider="Dr Ana Reyes",
        date=TODAY,
        screening={q.id: Answer.NO for q in CATALOG.questions},
        areas=(AreaChoice("face", ("cheeks",), (ConcernChoice("acne_scars", "moderate"),)),),
        adjuncts=("peel_mandelic",),
        start_date=date(2026, 12, 1),
        session_count=4,
        appointment_time=time(10, 30),
    )

    def said(new):
        return changes(CATALOG, old, new, build_plan(CATALOG, old), build_plan(CATALOG, new))

    assert said(old) == []
    assert said(replace(old, session_count=5)) == ["Sessions: 4 → 5"]  # nothing else moved
    assert said(replace(old, times={"session-2": time(16, 0)})) == ["Appointment times changed"]
    moved = said(replace(old, start_date=date(2026, 12, 8)))
    assert len(moved) == 1 and moved[0].startswith("First session:")
    assert said(replace(old, adjuncts=())) == ["Removed: Mandelic acid peel"]
