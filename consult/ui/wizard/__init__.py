"""The guided consultation: patient → screening → areas → concerns → adjuncts → plan → finish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWizard

from consult.app.draft import ConsultationDraft, PatientDraft
from consult.domain.catalog import Catalog
from consult.domain.model import ClinicSettings, Consultation, Patient
from consult.ui import style
from consult.ui.wizard.pages import (
    AdjunctsPage,
    AreasPage,
    ConcernsPage,
    PatientPage,
    PlanPage,
    ReviewPage,
    ScreeningPage,
)


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
        parent=None,
    ):
        super().__init__(parent)
        if draft is not None:
            self.state = draft
        else:
            self.state = ConsultationDraft(catalog, settings, today)
            if patient is not None:
                self.state.patient = PatientDraft.of(patient)
        if not self.state.provider and providers:
            self.state.provider = providers[0]
        self.setWindowTitle("New consultation")
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
        self.resize(1000, 720)
        # A page makes some of its controls when it is shown (initializePage, which runs
        # before the page's id is announced): sized then.
        self.currentIdChanged.connect(lambda _id: style.touch_size(self))
        style.touch_size(self)

    def forward(self) -> None:
        for kind in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.NextButton):
            button = self.button(kind)
            if button.isVisible() and button.isEnabled():
                button.click()
                return

    def consultation(self) -> Consultation:
        return self.state.consultation()
