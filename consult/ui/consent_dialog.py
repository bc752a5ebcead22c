"""Signing consent in the exam room: the patient reads the form, signs, then the provider.

One form at a time (microneedling, then each add-on treatment that needs one, then the photo
consent with its separate choices): the text in the patient's language, in type large enough
to read from the patient's chair, scrolled to the end before signing is possible; then the
patient's signature, then the provider's. The date and time are the computer's, taken when
the provider presses Sign. The patient may refuse, or take time to think about it: that is
recorded too, with no signature. The PDF is made and sealed off the window's thread.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from consult.app.consents import ConsentDesk
from consult.app.errors import plain_error
from consult.domain.catalog import LANGUAGE_NAMES, ConsentDocument
from consult.domain.consent import ANSWER_SEPARATOR, ConsentText, Decision
from consult.domain.model import Consultation
from consult.domain.plan import Plan
from consult.ui import dialogs, style
from consult.ui.signature_pad import SignaturePad
from consult.ui.worker import run_in_background

READING_POINTS = 19  # the form's text: readable from the patient's chair, an arm's length away
LANGUAGE_LABELS = {"en": "English", "es": "Español"}
READ, PATIENT, PROVIDER = range(3)


def consent_html(text: ConsentText) -> str:
    """The form as the patient reads it on screen: every word of the snapshot, escaped. The
    photo choices (and their heading) are not in the text: they are the rows of yes and no
    under it, where the patient answers them."""
    parts = []
    blocks = text.blocks
    for n, block in enumerate(blocks):
        if block.kind == "choice" or (
            block.kind == "heading" and n + 1 < len(blocks) and blocks[n + 1].kind == "choice"
        ):
            continue
        words = escape(block.text)
        if block.kind == "title":
            parts.append(f"<h1>{words}</h1>")
        elif block.kind == "heading":
            parts.append(f"<h2>{words}</h2>")
        elif block.kind == "paragraph":
            parts.append(f"<p>{words}</p>")
        elif block.kind == "item":
            parts.append(f"<p style='margin-left:24px'>•&nbsp;{words}</p>")
        elif block.kind == "answer":
            asked, _, answer = block.text.rpartition(ANSWER_SEPARATOR)
            shown = f"{escape(asked)} — <b>{escape(answer)}</b>" if asked else words
            parts.append(f"<p style='margin-left:24px'>•&nbsp;{shown}</p>")
        elif block.kind == "note":
            parts.append(f"<p style='background:#fff5dc; padding:6px'><b>{words}</b></p>")
        elif block.kind == "agreement":
            parts.append(f"<p style='background:#fff5dc; padding:8px'><b>{words}</b></p>")
    return "".join(parts)


def register_bundled_fonts() -> None:
    """The fonts the printed plan uses, for the screen too: a name in Chinese, Arabic or Hebrew
    shows as typed on a computer that has no such font of its own (once per process)."""
    global _FONTS_REGISTERED
    if _FONTS_REGISTERED:
        return
    from PySide6.QtGui import QFontDatabase

    from consult.system.resources import resource_path

    for path in sorted(resource_path("fonts").glob("*.ttf")):
        QFontDatabase.addApplicationFont(str(path))
    _FONTS_REGISTERED = True


_FONTS_REGISTERED = False


class ConsentDialog(QDialog):
    """Goes through ``documents`` for ``item``; ``saved`` lists the records made. Emits
    ``recorded(stored)`` after each one is saved."""

    recorded = Signal(object)

    def __init__(
        self,
        desk: ConsentDesk,
        item: Consultation,
        plan: Plan,
        documents: list[ConsentDocument],
        providers: list[str],
        parent=None,
    ):
        super().__init__(parent)
        register_bundled_fonts()
        self.desk = desk
        self.item = item
        self.plan = plan
        self.documents = list(documents)
        self.saved: list = []
        self.index = 0
        self.text: ConsentText | None = None
        self.read_to_end = False
        self.busy = False
        self.setWindowTitle("Informed consent")  # never the patient's name
        self.setAccessibleName("Informed consent")

        self.step = QLabel()
        self.step.setWordWrap(True)
        self.step.setAccessibleName("Which form")
        language_label = QLabel("&Language:")
        self.language = QComboBox()
        for lang in desk.catalog.languages:
            self.language.addItem(LANGUAGE_LABELS.get(lang, LANGUAGE_NAMES.get(lang, lang)), lang)
        language_label.setBuddy(self.language)
        self.language.setAccessibleName("Language of the form")
        top = QHBoxLayout()
        top.addWidget(self.step, 1)
        top.addWidget(language_label)
        top.addWidget(self.language)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._reading_page())
        self.pages.addWidget(self._patient_page())
        self.pages.addWidget(self._provider_page(providers))
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(style.problem_css())
        self.problem.setAccessibleName("What is missing")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.problem)
        self.resize(1100, 900)
        self.language.currentIndexChanged.connect(lambda _i: self._compose())
        self._start_document()
        style.touch_size(self)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reader.setFocus()
        self._check_read()

    # ------------------------------------------------------------------ pages

    def _reading_page(self) -> QWidget:
        page = QWidget()
        self.reader = QTextBrowser()
        self.reader.setOpenLinks(False)
        font = QFont(self.reader.font())
        font.setPointSize(READING_POINTS)
        self.reader.setFont(font)
        self.reader.document().setDefaultStyleSheet(
            "h1 { font-size: x-large; } h2 { font-size: large; margin-top: 18px; }"
        )
        self.reader.setAccessibleName("The consent form")
        self.reader.document().setDocumentMargin(24)
        self.reader.verticalScrollBar().valueChanged.connect(lambda _v: self._check_read())
        self.reader.verticalScrollBar().rangeChanged.connect(lambda _a, _b: self._check_read())
        self.choices_box = QGroupBox()
        title = QFont(self.font())
        title.setPointSize(16)
        title.setBold(True)
        self.choices_box.setFont(title)
        self.choices_box.setAccessibleName("The patient's choices")
        self.choices_grid = QGridLayout(self.choices_box)
        self.choice_groups: dict[str, QButtonGroup] = {}
        self.read_hint = QLabel()
        self.read_hint.setWordWrap(True)
        self.read_hint.setAccessibleName("Reading the form")
        self.refuse_button = QPushButton("Patient &refuses")
        self.defer_button = QPushButton("Wants to &think about it")
        self.to_sign_button = QPushButton("&Continue to sign")
        self.to_sign_button.setDefault(True)
        # Enter never records a refusal: only a click (or the button's own key) does.
        for button in (self.refuse_button, self.defer_button):
            button.setAutoDefault(False)
        self.refuse_button.clicked.connect(lambda: self._decline(Decision.REFUSED))
        self.defer_button.clicked.connect(lambda: self._decline(Decision.DEFERRED))
        self.to_sign_button.clicked.connect(self._to_patient)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refuse_button)
        buttons.addWidget(self.defer_button)
        buttons.addStretch(1)
        buttons.addWidget(self.to_sign_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.reader, 1)
        layout.addWidget(self.choices_box)
        layout.addWidget(self.read_hint)
        layout.addLayout(buttons)
        return page

    def _pad_page(self, heading: QLabel, pad: SignaturePad, extra: QWidget | None, buttons):
        page = QWidget()
        heading.setWordWrap(True)
        font = QFont(heading.font())
        font.setPointSize(16)
        heading.setFont(font)
        layout = QVBoxLayout(page)
        layout.addWidget(heading)
        if extra is not None:
            layout.addWidget(extra)
        layout.addWidget(pad, 1)
        row = QHBoxLayout()
        for button in buttons:
            if button is None:
                row.addStretch(1)
            else:
                row.addWidget(button)
        layout.addLayout(row)
        return page

    def _patient_page(self) -> QWidget:
        self.patient_heading = QLabel()
        self.patient_pad = SignaturePad("The patient signs above the line")
        self.patient_pad.setAccessibleName("The patient's signature")
        self.patient_clear = QPushButton("C&lear")
        self.patient_back = QPushButton("&Back to the form")
        self.patient_next = QPushButton("&Next: the provider signs")
        self.patient_next.setDefault(True)
        self.patient_clear.setAutoDefault(False)
        self.patient_back.setAutoDefault(False)
        self.patient_clear.clicked.connect(self.patient_pad.clear)
        self.patient_back.clicked.connect(lambda: self._go(READ))
        self.patient_next.clicked.connect(self._to_provider)
        self.patient_pad.changed.connect(lambda: self.problem.setText(""))
        return self._pad_page(
            self.patient_heading,
            self.patient_pad,
            None,
            (self.patient_clear, self.patient_back, None, self.patient_next),
        )

    def _provider_page(self, providers: list[str]) -> QWidget:
        self.provider_heading = QLabel(
            "The provider signs. The date and time are taken from this computer when you "
            "press Sign."
        )
        self.provider = QComboBox()
        self.provider.setEditable(True)
        self.provider.addItems(providers)
        self.provider.setCurrentText(self.desk.signer(self.item))
        # Signed in: the account signs for the clinic; no one else may be chosen.
        self.provider.setEnabled(not self.desk.signer_is_fixed())
        self.provider.setAccessibleName("Provider")
        who = QWidget()
        row = QHBoxLayout(who)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("&Provider:")
        label.setBuddy(self.provider)
        row.addWidget(label)
        row.addWidget(self.provider, 1)
        self.provider_pad = SignaturePad("The provider signs above the line")
        self.provider_pad.setAccessibleName("The provider's signature")
        self.provider_clear = QPushButton("Cl&ear")
        self.provider_back = QPushButton("Bac&k")
        self.sign_button = QPushButton("&Sign")
        self.sign_button.setDefault(True)
        self.provider_clear.setAutoDefault(False)
        self.provider_back.setAutoDefault(False)
        self.provider_clear.clicked.connect(self.provider_pad.clear)
        self.provider_back.clicked.connect(lambda: self._go(PATIENT))
        self.sign_button.clicked.connect(self.sign)
        self.provider_pad.changed.connect(lambda: self.problem.setText(""))
        return self._pad_page(
            self.provider_heading,
            self.provider_pad,
            who,
            (self.provider_clear, self.provider_back, None, self.sign_button),
        )

    # ------------------------------------------------------------------ one form

    @property
    def document(self) -> ConsentDocument:
        return self.documents[self.index]

    def _start_document(self) -> None:
        self.patient_pad.clear()
        self.provider_pad.clear()
        self.problem.setText("")
        lang = self.item.patient.language
        at = self.language.findData(lang if lang in self.desk.catalog.languages else "en")
        self.language.blockSignals(True)
        self.language.setCurrentIndex(max(at, 0))
        self.language.blockSignals(False)
        self._compose()

    def _compose(self) -> None:
        """The form in the chosen language; reading starts again from the top."""
        lang = self.language.currentData()
        try:
            self.text = self.desk.text(self.item, self.plan, self.document.id, lang)
        except Exception as exc:
            dialogs.error(self, "The consent form could not be shown", plain_error(exc).message)
            return
        count = len(self.documents)
        self.step.setText(f"<b>Form {self.index + 1} of {count}:</b> {escape(self.text.title)}")
        self.step.setTextFormat(Qt.TextFormat.RichText)
        self.reader.setHtml(consent_html(self.text))
        self.reader.verticalScrollBar().setValue(0)
        self._build_choices()
        # Words the patient reads: in the form's language, from the catalog.
        labels = self.desk.catalog.consent_labels
        lang = self.text.language
        self.patient_heading.setText(
            labels["sign_here"].format(lang, {"name": self.item.patient.name})
        )
        self.patient_pad.set_hint(labels["sign_line"][lang])
        self.read_to_end = False
        self._go(READ)
        self._check_read()

    def _build_choices(self) -> None:
        while self.choices_grid.count():
            widget = self.choices_grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.choice_groups = {}
        choices = self.text.choices if self.text else ()
        self.choices_box.setVisible(bool(choices))
        if choices:  # the form's own heading for them, in the patient's language
            blocks = list(self.text.blocks)
            at = blocks.index(choices[0])
            if at > 0 and blocks[at - 1].kind == "heading":
                self.choices_box.setTitle(blocks[at - 1].text)
        labels = self.desk.catalog.consent_labels
        lang = self.text.language if self.text else "en"
        font = QFont(self.font())
        font.setPointSize(16)
        for row, block in enumerate(choices):
            label = QLabel(block.text)
            label.setWordWrap(True)
            label.setFont(font)
            yes = QRadioButton(labels["choice_yes"][lang])
            no = QRadioButton(labels["choice_no"][lang])
            for button in (yes, no):
                button.setFont(font)
                button.setAccessibleName(f"{block.text}: {button.text()}")
            group = QButtonGroup(self)
            group.addButton(yes, 1)
            group.addButton(no, 0)
            group.idToggled.connect(lambda _id, _on: self._check_read())
            self.choice_groups[block.ref] = group
            self.choices_grid.addWidget(label, row, 0)
            self.choices_grid.addWidget(yes, row, 1)
            self.choices_grid.addWidget(no, row, 2)
        self.choices_grid.setColumnStretch(0, 1)
        style.touch_size(self.choices_box)

    def choices(self) -> dict[str, bool]:
        return {ref: group.checkedId() == 1 for ref, group in self.choice_groups.items()}

    def _choices_made(self) -> bool:
        return all(group.checkedId() in (0, 1) for group in self.choice_groups.values())

    def _check_read(self) -> None:
        bar = self.reader.verticalScrollBar()
        # Only what the patient can see counts: the form laid out on screen, scrolled to its
        # end (or short enough to fit).
        shown = self.reader.isVisible() and self.pages.currentIndex() == READ
        if shown and (bar.maximum() == 0 or bar.value() >= bar.maximum() - 2):
            self.read_to_end = True
        ready = self.read_to_end and self._choices_made() and not self.busy
        self.to_sign_button.setEnabled(ready)
        if not self.read_to_end:
            self.read_hint.setText("Scroll to the end of the form: signing opens once it is read.")
        elif not self._choices_made():
            self.read_hint.setText("The patient chooses yes or no for each use above.")
        else:
            self.read_hint.setText("The form has been read to the end.")

    def _go(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self.problem.setText("")
        focus = {READ: self.reader, PATIENT: self.patient_pad, PROVIDER: self.provider_pad}
        focus[page].setFocus()

    def _to_patient(self) -> None:
        if self.to_sign_button.isEnabled():
            self._go(PATIENT)

    def _to_provider(self) -> None:
        problem = self.patient_pad.signature().problem()
        if problem is not None:
            self.problem.setText(problem)
            return
        self._go(PROVIDER)

    # ------------------------------------------------------------------ recording

    def sign(self) -> None:
        """Both signatures are there: make and seal the PDF off the window's thread, then
        record it."""
        if self.busy or self.text is None:
            return
        for who, pad in (("patient", self.patient_pad), ("provider", self.provider_pad)):
            problem = pad.signature().problem()
            if problem is not None:
                self.problem.setText(f"The {who}'s signature: {problem}")
                return
        desk, item, text = self.desk, self.item, self.text
        try:
            provider = desk.signer(item, self.provider.currentText())
            record_id = desk.next_id()
            settings = desk.settings()
        except Exception as exc:
            self.problem.setText(plain_error(exc).message)
            return
        signed_at = desk._now()
        patient, clinician, choices = (
            self.patient_pad.signature(),
            self.provider_pad.signature(),
            self.choices(),
        )
        self._set_busy(True, "Sealing the signed form…")
        run_in_background(
            lambda: desk.prepare(
                item,
                text,
                patient_signature=patient,
                provider_signature=clinician,
                provider=provider,
                choices=choices,
                signed_at=signed_at,
                record_id=record_id,
                settings=settings,
            ),
            self._prepared,
            self._failed,
        )

    def _prepared(self, prepared) -> None:
        try:
            stored = self.desk.save(prepared, self.item)
        except Exception as exc:
            self._failed(exc)
            return
        self._set_busy(False)
        self._recorded(stored)

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        message = plain_error(exc).message
        self.problem.setText(message)
        dialogs.error(self, "The consent was not saved", message)

    def _set_busy(self, busy: bool, note: str = "") -> None:
        self.busy = busy
        for button in (self.sign_button, self.provider_back, self.provider_clear):
            button.setEnabled(not busy)
        self.problem.setText(note)
        self._check_read()

    def _decline(self, decision: Decision) -> None:
        if self.text is None or self.busy:
            return
        what = {
            Decision.REFUSED: "that the patient refuses this consent",
            Decision.DEFERRED: "that the patient wants to think about it (not signed)",
        }[decision]
        if not dialogs.ask(
            self,
            "Record the patient's decision",
            f"Record {what}? Nothing is signed; the decision is kept in the record.",
            "Record it",
            "Cancel",
        ):
            return
        try:
            stored = self.desk.decline(
                self.item, self.text, decision, provider=self.provider.currentText()
            )
        except Exception as exc:
            self._failed(exc)
            return
        self._recorded(stored)

    def _recorded(self, stored) -> None:
        self.saved.append(stored)
        self.recorded.emit(stored)
        if self.index + 1 < len(self.documents):
            self.index += 1
            self._start_document()
        else:
            self.accept()
