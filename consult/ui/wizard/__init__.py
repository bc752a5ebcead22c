"""The guided consultation: patient → screening → areas → concerns → adjuncts → plan → finish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWizard

from consult.app.draft import ConsultationDraft, PatientDraft
from consult.domain.catalog import Catalog
from consult.domain.model import ClinicSettings, Consultation, Patient
from consult.domain.plan import Plan
from consult.ui import style
from consult.ui.fonts import use_bundled_fonts
from consult.ui.wizard.pages import (
    AdjunctsPage,
    AreasPage,
    ConcernsPage,
    PatientPage,
    PlanPage,
    ReviewPage,
    ScreeningPage,
)
from consult.ui.wizard.steps import StepList

STEP_NAMES = ["Patient", "Screening", "Areas", "Concerns", "Adjuncts", "Plan", "Finish"]


class ConsultationWizard(QWizard):
    """Emits ``changed`` whenever an input changes (for draft autosave)."""

    changed = Signal()

    def __init__(
        self,
        catalog: Catalog,
        settings: ClinicSettings,
        today: date,
        *,
        providers: list[str] = (),
        find_patients: Callable[[str], list[Patient]] | None = None,
        patient: Patient | None = None,
        draft: ConsultationDraft | None = None,
        replaces: tuple[Consultation, Plan] | None = None,
        parent=None,
    ):
        """``replaces``: amending, the final consultation this one replaces and its agreed
        plan (the wizard opens on the summary, which shows what changed against it)."""
        super().__init__(parent)
        use_bundled_fonts(QApplication.instance())  # a name typed in any script shows
        self.replaces = replaces
        if draft is not None:
            self.state = draft
        else:
            self.state = ConsultationDraft(catalog, settings, today)
            if patient is not None:
                self.state.patient = PatientDraft.of(patient)
        if not self.state.provider and providers:
            self.state.provider = providers[0]
        if replaces is not None:
            self.state.consultation_id = None
            self.state.revision_of = replaces[0].id
        self.setWindowTitle("Amend consultation" if replaces is not None else "New consultation")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.pages = [
            PatientPage(find_patients, list(providers)),
            ScreeningPage(),
            AreasPage(),
            ConcernsPage(),
            AdjunctsPage(),
            PlanPage(),
            ReviewPage(),
        ]
        for page in self.pages:
            self.addPage(page)
        self.steps = StepList(STEP_NAMES, self.go_to)
        self.setSideWidget(self.steps)
        self.currentIdChanged.connect(self._show_step)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish and preview")
        # Besides the buttons' mnemonics: Alt+Right goes forward (Next, or Finish on the last
        # step), Alt+Left goes back, from anywhere on a page, as in a web browser.
        QShortcut(QKeySequence("Alt+Right"), self, self.forward)
        QShortcut(QKeySequence("Alt+Left"), self, self.back)
        for button, keys in (
            (QWizard.WizardButton.NextButton, "Alt+Right"),
            (QWizard.WizardButton.FinishButton, "Alt+Right"),
            (QWizard.WizardButton.BackButton, "Alt+Left"),
        ):
            self.button(button).setToolTip(keys)
        # As large as the exam room's screen allows: the map and the questions need the room.
        screen = QApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        if room is not None:
            self.resize(min(1180, int(room.width() * 0.92)), min(820, int(room.height() * 0.9)))
        else:
            self.resize(1000, 720)
        # A page makes some of its controls when it is shown (initializePage, which runs
        # before the page's id is announced): sized then.
        self.currentIdChanged.connect(lambda _id: style.touch_size(self))
        style.touch_size(self)

    @property
    def amending(self) -> bool:
        return self.replaces is not None

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.amending and not getattr(self, "_opened", False):
            # An amendment opens on the consultation's summary, with what changed; every
            # step is a click away in the step list.
            self._opened = True
            self.go_to(len(self.pages) - 1)

    def _show_step(self, page_id: int) -> None:
        if page_id >= 0:
            self.steps.show_step(self.pageIds().index(page_id))

    def step(self) -> int:
        return self.pageIds().index(self.currentId())

    def go_to(self, index: int) -> None:
        """Back, or forward through the steps in between as long as each is complete."""
        while self.step() > index:
            self.back()
        while self.step() < index:
            before = self.step()
            if not self.currentPage().isComplete():
                return
            self.next()
            if self.step() == before:
                return

    def forward(self) -> None:
        for kind in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.NextButton):
            button = self.button(kind)
            if button.isVisible() and button.isEnabled():
                button.click()
                return

    def consultation(self) -> Consultation:
        return self.state.consultation()
