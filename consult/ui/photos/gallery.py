"""A patient's photos: the gallery, taking photos in, comparing, deleting, exporting.

``PhotoWindow`` shows one patient's photos (never another's) as thumbnails, by view and in
course order, each captioned with its visit, day and view; a view can be chosen to see its
progress in a row. Photos come in from files (**Import photos…**, or dropped onto the window
or the patient's page), or from the camera where QtMultimedia is installed
(**Take photo…**). Files are read, turned and stripped off the window's thread; the provider
then tags them (visit, area, each one's view, the day) and they are kept together.

The window's title never names the patient, tooltips never hold a photo, and the lock screen
hides the window (``MainWindow.lock``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QDate, QModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consult.app.clinic import Clinic, plain_error
from consult.app.photos import Gallery, ReadFile, Refusal, read_files
from consult.domain.access import Permission
from consult.domain.photos import Visit, VisitKind, reason_problem
from consult.ui import dialogs
from consult.ui.photos.camera import camera_available
from consult.ui.worker import run_in_background

THUMBNAIL = 200  # pixels: the gallery's thumbnails on screen
IMAGE_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif);;All files (*)"


def day_text(day: date) -> str:
    from consult.report import dates

    return dates.day(day)


class PhotoModel(QAbstractListModel):
    """A patient's photos (not deleted), thumbnails decoded only when first shown."""

    def __init__(self, view_name: Callable[[str], str], parent=None):
        super().__init__(parent)
        self._view_name = view_name
        self._photos: list = []
        self._thumbnails: dict[int, bytes] = {}
        self._decoded: dict[int, QPixmap] = {}

    def set_gallery(self, gallery: Gallery | None, view_id: str | None = None) -> None:
        self.beginResetModel()
        if gallery is None:
            self._photos, self._thumbnails = [], {}
        else:
            photos = [p for p in gallery.photos if view_id is None or p.view_id == view_id]
            order = {v: i for i, v in enumerate(dict.fromkeys(p.view_id for p in gallery.photos))}
            photos.sort(key=lambda p: (order[p.view_id], p.visit.order, p.taken_on, p.id))
            self._photos, self._thumbnails = photos, gallery.thumbnails
        self._decoded = {k: v for k, v in self._decoded.items() if k in self._thumbnails}
        self.endResetModel()

    def clear(self) -> None:
        self.set_gallery(None)
        self._decoded = {}

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._photos)

    def photo(self, row: int):
        return self._photos[row]

    def photos(self) -> list:
        return list(self._photos)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        photo = self._photos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"{photo.visit.label}\n{day_text(photo.taken_on)}\n{self._view_name(photo.view_id)}"
            )
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap(photo.id)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{photo.visit.label}, {day_text(photo.taken_on)}, {photo.view_id}"
        if role == Qt.ItemDataRole.UserRole:
            return photo.id
        return None

    def _pixmap(self, photo_id: int) -> QPixmap | None:
        found = self._decoded.get(photo_id)
        if found is None:
            data = self._thumbnails.get(photo_id)
            if data is None:
                return None
            image = QImage.fromData(data, "JPG").scaled(
                THUMBNAIL,
                THUMBNAIL,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            found = QPixmap.fromImage(image)
            self._decoded[photo_id] = found
        return found


class PhotoWindow(QDialog):
    """One patient's photos. ``privacy(on)``: the main window hides other patients while a
    comparison is shown."""

    def __init__(
        self,
        clinic: Clinic,
        patient_id: int,
        parent: QWidget | None = None,
        privacy: Callable[[bool], None] | None = None,
    ):
        super().__init__(parent)
        self.clinic = clinic
        self.desk = clinic.photos
        self.patient_id = patient_id
        self._privacy = privacy
        self._gallery: Gallery | None = None
        self.compare_dialog = None
        self.camera_dialog = None
        self.setWindowTitle("Photos")  # never the patient's name
        self.setAccessibleName("Photos")
        self.setAcceptDrops(True)
        self.resize(1100, 760)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setAccessibleName("Whose photos, and their consent")
        self.view_filter = QComboBox()
        self.view_filter.setAccessibleName("Which view")
        self.view_filter.activated.connect(lambda _i: self._show())
        self.import_button = QPushButton("&Import photos…")
        self.import_button.clicked.connect(self.choose_files)
        self.folder_button = QPushButton("Import a &folder…")
        self.folder_button.setToolTip("Every photo in a folder: a phone's export, a USB stick")
        self.folder_button.clicked.connect(self.choose_folder)
        self.camera_button = QPushButton("&Take photo…")
        self.camera_button.clicked.connect(self.open_camera)
        self.camera_button.setVisible(camera_available())
        self.compare_button = QPushButton("&Compare…")
        self.compare_button.clicked.connect(self.compare_selected)
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button = QPushButton("E&xport…")
        self.export_button.clicked.connect(self.export_all)
        self.model = PhotoModel(self.desk.view_name, self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.list.setGridSize(QSize(THUMBNAIL + 40, THUMBNAIL + 84))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(True)
        self.list.setSpacing(6)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setAccessibleName("The patient's photos")
        self.list.doubleClicked.connect(lambda _index: self.compare_selected())
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No photos yet")
        top = QHBoxLayout()
        top.addWidget(QLabel("View:"))
        top.addWidget(self.view_filter, 1)
        for button in (
            self.import_button,
            self.folder_button,
            self.camera_button,
            self.compare_button,
            self.delete_button,
            self.export_button,
        ):
            button.setMinimumHeight(40)
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        may = clinic.may
        self.delete_button.setVisible(may(Permission.DELETE_PHOTO))
        self.export_button.setVisible(may(Permission.EXPORT_PHOTOS))
        self.refresh()

    # -- what is shown

    def refresh(self) -> None:
        """The patient's photos read again (audited as a view of the gallery)."""
        try:
            patient = self.clinic.patient(self.patient_id)
            self._gallery = self.desk.gallery(self.patient_id)
        except Exception as exc:
            self._explain(exc, "The photos could not be shown")
            return
        from html import escape

        problem = self.desk.consent_problem(self.patient_id)
        if problem is None:
            found = self.clinic.consents.photo_consent(self.patient_id)
            choices = found[1] if found else {}
            uses = ", ".join(
                f"{word} {'yes' if choices.get(key) else 'no'}"
                for key, word in (
                    ("record", "clinical record"),
                    ("teaching", "teaching"),
                    ("marketing", "marketing"),
                )
            )
            consent = f"Photo consent: {escape(uses)}."
        else:
            consent = f"<span style='color:#b3261e'><b>{escape(problem)}</b></span>"
        count = len(self._gallery.photos)
        self.header.setText(
            f"<h2>Photos of {escape(patient.name)}</h2>{count} photo"
            f"{'s' if count != 1 else ''} · {consent}"
        )
        self.import_button.setEnabled(problem is None)
        self.folder_button.setEnabled(problem is None)
        self.camera_button.setEnabled(problem is None)
        chosen = self.view_filter.currentData()
        self.view_filter.clear()
        self.view_filter.addItem("All views", None)
        for view_id in dict.fromkeys(p.view_id for p in self._gallery.photos):
            self.view_filter.addItem(self.desk.view_name(view_id), view_id)
        index = self.view_filter.findData(chosen)
        self.view_filter.setCurrentIndex(max(0, index))
        self._show()

    def _show(self) -> None:
        self.model.set_gallery(self._gallery, self.view_filter.currentData())
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty)
        if empty:
            self.empty.setText(
                "No photos yet. Import photos from files (or drop them here), or take them "
                "with the camera, at the baseline and at each visit."
            )
        self._update_buttons()

    def selected(self) -> list:
        rows = sorted(i.row() for i in self.list.selectionModel().selectedIndexes())
        return [self.model.photo(r) for r in rows]

    def select(self, photo_ids: list[int]) -> None:
        selection = self.list.selectionModel()
        selection.clear()
        for row in range(self.model.rowCount()):
            if self.model.photo(row).id in photo_ids:
                selection.select(self.model.index(row), selection.SelectionFlag.Select)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        same_view = len({p.view_id for p in chosen}) == 1
        self.compare_button.setEnabled(1 <= len(chosen) <= 2 and same_view)
        self.delete_button.setEnabled(len(chosen) == 1)
        self.export_button.setEnabled(self.model.rowCount() > 0)

    # -- taking photos in

    def choose_files(self) -> None:
        paths = dialogs.open_files(self, "Import photos", IMAGE_FILTER)
        if paths:
            self.import_files(paths)

    def choose_folder(self) -> None:
        folder = dialogs.choose_folder(self, "Import the photos in a folder")
        if folder is not None:
            self.import_files([folder])

    def import_files(self, paths: list[Path]) -> None:
        """Read the files off the window's thread, then ask how to tag them."""
        problem = self.desk.consent_problem(self.patient_id)
        if problem is not None:
            dialogs.warning(self, "No consent to photographs", problem)
            return
        self.import_button.setEnabled(False)
        self.empty.setText(f"Reading {len(paths)} file(s)…")
        self.empty.setVisible(True)
        run_in_background(
            lambda: read_files(paths),
            lambda result: self._files_read(*result),
            lambda exc: self._explain(exc, "The photos could not be read"),
        )

    def _files_read(self, done: list[ReadFile], refused: list[Refusal]) -> None:
        self.import_button.setEnabled(True)
        self._show()
        if not self.isVisible():
            return
        if not done:
            dialogs.warning(
                self,
                "No photo was taken in",
                "\n".join(f"{r.path.name}: {r.message}" for r in refused),
            )
            return
        dialog = ImportDialog(self.desk, self.patient_id, done, refused, self)
        if dialogs.run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        try:
            added = self.desk.add(
                self.patient_id,
                dialog.items(),
                visit=dialog.visit(),
                area_id=dialog.area(),
                taken_on=dialog.taken_on(),
            )
        except Exception as exc:
            self._explain(exc, "The photos were not added")
            return
        self.refresh()
        self.select([p.id for p in added])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)

    def open_camera(self) -> None:
        from consult.ui.photos.camera import CameraDialog

        if self.camera_dialog is None:
            self.camera_dialog = CameraDialog(self.desk, self.patient_id, self)
            self.camera_dialog.taken.connect(lambda _photo: self.refresh())
        self.camera_dialog.show()
        self.camera_dialog.raise_()

    # -- comparing, deleting, exporting

    def compare_selected(self) -> None:
        chosen = self.selected()
        if not chosen:
            return
        view = chosen[0].view_id
        same = [p for p in self._gallery.photos if p.view_id == view] if self._gallery else []
        same.sort(key=lambda p: (p.visit.order, p.taken_on, p.id))
        if len(chosen) == 2:
            first, second = chosen
        else:
            first = same[0] if same[0].id != chosen[0].id else chosen[0]
            second = (
                chosen[0] if first.id != chosen[0].id else (same[-1] if len(same) > 1 else None)
            )
        self.compare(first.id, second.id if second is not None else None)

    def compare(self, first_id: int, second_id: int | None):
        """The compare view of two photos of one view (or one, alone)."""
        from consult.ui.photos.compare import CompareDialog

        photos = [p for p in self._gallery.photos] if self._gallery else []
        by_id = {p.id: p for p in photos}
        view = by_id[first_id].view_id
        same = sorted(
            (p for p in photos if p.view_id == view),
            key=lambda p: (p.visit.order, p.taken_on, p.id),
        )

        def load(a: int, b: int | None) -> tuple[bytes, bytes | None]:
            if b is None:
                return self.desk.image(a), None
            return self.desk.compare(a, b)

        if self.compare_dialog is not None:
            self.compare_dialog.close()
            self.compare_dialog.deleteLater()
        try:
            dialog = CompareDialog(
                same,
                lambda p: f"{p.visit.label} · {day_text(p.taken_on)}",
                load,
                first_id,
                second_id,
                self,
                on_visible=self._privacy,
            )
        except Exception as exc:
            self._explain(exc, "The photos could not be compared")
            return None
        self.compare_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def delete_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        dialog = DeleteDialog(self)
        if dialogs.run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        try:
            self.desk.delete(chosen[0].id, dialog.reason())
        except Exception as exc:
            self._explain(exc, "The photo was not deleted")
            return
        self.refresh()

    def export_all(self) -> None:
        folder = dialogs.choose_folder(self, "Export the patient's photos to a folder")
        if folder is None:
            return
        try:
            written = self.desk.export(self.patient_id, folder)
        except Exception as exc:
            self._explain(exc, "The photos were not exported")
            return
        dialogs.information(
            self, "Photos exported", f"{len(written)} photo(s) were written to {folder}."
        )

    # -- privacy

    def hideEvent(self, event) -> None:
        """Hidden (the screen locked, or closed): decoded thumbnails are dropped."""
        self.model.clear()
        super().hideEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._gallery is not None and self.model.rowCount() == 0:
            self._show()

    def closeEvent(self, event) -> None:
        for child in (self.compare_dialog, self.camera_dialog):
            if child is not None:
                child.close()
        self._gallery = None
        self.model.clear()
        super().closeEvent(event)

    def _explain(self, exc: Exception, title: str) -> None:
        explained = plain_error(exc)
        dialogs.error(self, explained.title or title, explained.message)


class ImportDialog(QDialog):
    """How the files read are tagged: one visit, area and day for all, a view for each."""

    def __init__(self, desk, patient_id: int, done: list[ReadFile], refused: list[Refusal], parent):
        super().__init__(parent)
        self.setWindowTitle("Tag the photos")
        self.desk = desk
        self.done = done
        self.kind = QComboBox()
        for kind, label in (
            (VisitKind.BASELINE, "Baseline"),
            (VisitKind.SESSION, "Session"),
            (VisitKind.REVIEW, "Review"),
        ):
            self.kind.addItem(label, kind)
        self.session = QSpinBox()
        self.session.setRange(1, 99)
        self.session.setPrefix("number ")
        self.session.setEnabled(False)
        self.kind.currentIndexChanged.connect(
            lambda _i: self.session.setEnabled(
                VisitKind(self.kind.currentData()) is VisitKind.SESSION
            )
        )
        self.area_box = QComboBox()
        for area_id in desk.areas_for(patient_id):
            self.area_box.addItem(desk.catalog.area(area_id).name["en"], area_id)
        self.area_box.currentIndexChanged.connect(lambda _i: self._fill_views())
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        first_day = next((f.prepared.taken_on for f in done if f.prepared.taken_on), None)
        today = desk.today()
        shown = first_day if first_day and first_day <= today else today
        self.day.setDate(QDate(shown.year, shown.month, shown.day))
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        form = QFormLayout()
        visit_row = QHBoxLayout()
        visit_row.addWidget(self.kind)
        visit_row.addWidget(self.session)
        form.addRow("Visit:", visit_row)
        form.addRow("Area:", self.area_box)
        form.addRow("Taken on:", self.day)
        self.table = QTableWidget(len(done), 3)
        self.table.setHorizontalHeaderLabels(["", "File", "View"])
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(96, 96))
        self.view_boxes: list[QComboBox] = []
        for row, item in enumerate(done):
            cell = QTableWidgetItem()
            image = QImage.fromData(item.prepared.thumbnail, "JPG")
            cell.setData(
                Qt.ItemDataRole.DecorationRole,
                QPixmap.fromImage(image).scaled(
                    96,
                    96,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                ),
            )
            self.table.setItem(row, 0, cell)
            self.table.setItem(row, 1, QTableWidgetItem(item.path.name))
            box = QComboBox()
            box.setAccessibleName(f"View of {item.path.name}")
            self.view_boxes.append(box)
            self.table.setCellWidget(row, 2, box)
            self.table.setRowHeight(row, 104)
        self.table.setColumnWidth(0, 104)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.resizeColumnToContents(1)
        self._fill_views()
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"{len(done)} photo(s) ready: each was turned upright, and its metadata (GPS "
                "position, camera, time) removed. Say which visit they are from and each one's "
                "view."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        if refused:
            note = QLabel(
                "Not taken in:\n" + "\n".join(f"• {r.path.name}: {r.message}" for r in refused)
            )
            note.setWordWrap(True)
            palette = note.palette()
            palette.setColor(note.foregroundRole(), QColor(179, 38, 30))
            note.setPalette(palette)
            note.setAccessibleName("Files not taken in")
            layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Keep the photos")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 620)

    def _fill_views(self) -> None:
        views = self.desk.views(self.area())
        for box in self.view_boxes:
            chosen = box.currentData()
            box.clear()
            for view in views:
                box.addItem(view.name["en"], view.id)
            box.setCurrentIndex(max(0, box.findData(chosen)))

    def visit(self) -> Visit:
        kind = VisitKind(self.kind.currentData())
        return Visit(kind, self.session.value() if kind is VisitKind.SESSION else None)

    def area(self) -> str:
        return self.area_box.currentData()

    def taken_on(self) -> date:
        return self.day.date().toPython()

    def items(self) -> list:
        return [
            (f.prepared, box.currentData())
            for f, box in zip(self.done, self.view_boxes, strict=True)
        ]


class DeleteDialog(QDialog):
    """Why a photo is deleted (kept with the deletion's record)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Delete the photo")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Why the photo is deleted")
        self.text.setPlaceholderText("For example: taken of the wrong patient")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Delete the photo")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "The photo's picture is erased. The record keeps that it was taken and deleted, "
                "by whom, when and why. Say why:"
            )
        )
        layout.addWidget(self.text)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def reason(self) -> str:
        return self.text.toPlainText().strip()

    def _check(self) -> None:
        problem = reason_problem(self.reason())
        if problem is not None:
            self.problem.setText(problem)
            return
        self.accept()
