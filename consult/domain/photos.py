"""Before-and-after photos: what a photo is tagged with, who may take one, and how two are
lined up for comparison.

A photo belongs to a patient and is tagged with the visit it was taken at (the baseline,
session k of the course, or the review after it), the treated area, a standard view from the
catalog (``catalog.photo_views``), the day it was taken and who took it. Without a valid photo
consent whose "clinical record" choice is yes, no photo is added; its teaching and marketing
choices are kept with each photo as they stood when it was taken.

Lining two photos up (``align``): the provider marks the same two points on each (the pupils,
say); the similarity transform (scale, rotation, shift) that carries the second photo's points
onto the first's makes the two comparable. Pure Python: no Qt, no SQL, no imaging library.
"""

from __future__ import annotations

import cmath
import math
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

#: The photo consent's choices (``resources/catalog/consents.toml``, the "photographs" form).
RECORD_CHOICE = "record"
TEACHING_CHOICE = "teaching"
MARKETING_CHOICE = "marketing"
MAX_SESSION = 99  # a course never has more sessions than this
MIN_REASON = 10  # characters a deletion's reason needs at least
# How far apart two marked points must be, in pixels, for their line to give a direction.
MIN_POINT_DISTANCE = 4.0


class VisitKind(StrEnum):
    BASELINE = "baseline"
    SESSION = "session"
    REVIEW = "review"


class PhotoError(ValueError):
    """A photo's tag or an alignment that cannot be used; ``message`` in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, order=True)
class Visit:
    """When in the course a photo was taken: the baseline, session k, or the review."""

    kind: VisitKind
    session: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", VisitKind(self.kind))  # also from its text
        if (self.kind is VisitKind.SESSION) != (self.session is not None):
            raise PhotoError("Only a session visit has a session number.")
        if self.session is not None and not 1 <= self.session <= MAX_SESSION:
            raise PhotoError(f"A session number is from 1 to {MAX_SESSION}.")

    @classmethod
    def parse(cls, text: str) -> Visit:
        """``baseline``, ``session-3`` (or ``session 3``) or ``review``; PhotoError otherwise."""
        words = text.strip().casefold()
        if words in ("baseline", "review"):
            return cls(VisitKind(words))
        found = re.fullmatch(r"session[-_ ]?(\d{1,3})", words)
        if found:
            return cls(VisitKind.SESSION, int(found[1]))
        raise PhotoError(
            f'"{text}" is not a visit: write baseline, session-N (the session\'s number) or review.'
        )

    @property
    def key(self) -> str:
        """As the records and the command line write it: ``session-3``."""
        return f"session-{self.session}" if self.kind is VisitKind.SESSION else self.kind.value

    @property
    def label(self) -> str:
        """As the screen says it: "Session 3"."""
        return f"Session {self.session}" if self.kind is VisitKind.SESSION else self.kind.title()

    @property
    def order(self) -> tuple[int, int]:
        """Course order: the baseline, then the sessions, then the review."""
        rank = {VisitKind.BASELINE: 0, VisitKind.SESSION: 1, VisitKind.REVIEW: 2}[self.kind]
        return rank, self.session or 0


def progress_label(before: Visit, after: Visit) -> str:
    """What a comparison shows, in course order: "Session 1 → Review"."""
    first, second = sorted((before, after), key=lambda v: v.order)
    return f"{first.label} → {second.label}"


@dataclass(frozen=True)
class PhotoTag:
    """What a new photo is tagged with."""

    patient_id: int
    visit: Visit
    area_id: str
    view_id: str
    taken_on: date
    taken_by: str

    def problems(self, today: date, areas: dict[str, tuple[str, ...]]) -> list[str]:
        """Plain-words problems with this tag; ``areas``: each area's view ids (catalog)."""
        found = []
        if self.area_id not in areas:
            found.append(f'"{self.area_id}" is not an area of the catalog.')
        elif self.view_id not in areas[self.area_id]:
            views = ", ".join(areas[self.area_id])
            found.append(
                f'"{self.view_id}" is not a standard view of this area (its views: {views}).'
            )
        if self.taken_on > today:
            found.append("The day a photo was taken cannot be in the future.")
        if self.taken_on.year < 2000:
            found.append("The day a photo was taken is before 2000: check the date.")
        if not self.taken_by.strip():
            found.append("Who took the photo is missing.")
        return found


@dataclass(frozen=True)
class PhotoUses:
    """The patient's photo choices a photo keeps (from the photo consent it was taken under)."""

    consent_id: int
    teaching: bool
    marketing: bool


def photo_uses(consent_id: int | None, choices: dict[str, bool] | None) -> PhotoUses:
    """The uses a new photo may be kept for; PhotoError (in plain words) when there is no
    valid photo consent, or its "clinical record" choice is no."""
    if consent_id is None or choices is None:
        raise PhotoError(
            "This patient has no valid consent to photographs, so no photo can be added. Ask "
            "them to read and sign the photo consent first (Consent… on the main window)."
        )
    if not choices.get(RECORD_CHOICE, False):
        raise PhotoError(
            "The patient said no to photographs in their clinical record, so no photo can be "
            "added. They can change that choice by signing the photo consent again."
        )
    return PhotoUses(
        consent_id, bool(choices.get(TEACHING_CHOICE)), bool(choices.get(MARKETING_CHOICE))
    )


def reason_problem(reason: str) -> str | None:
    """Why a deletion's reason cannot be taken (None when it can)."""
    if len(reason.strip()) < MIN_REASON:
        return (
            f"Say why the photo is deleted, in at least {MIN_REASON} characters (for example "
            "“taken of the wrong patient”). The reason is kept in the record."
        )
    return None


# --------------------------------------------------------------------------- alignment

Point = tuple[float, float]


@dataclass(frozen=True)
class Similarity:
    """x' = scale · R(rotation) · x + (dx, dy): what carries one photo onto another. Image
    coordinates (x to the right, y downwards); ``rotation`` in radians, clockwise on screen
    for a positive angle (y points down)."""

    scale: float = 1.0
    rotation: float = 0.0
    dx: float = 0.0
    dy: float = 0.0

    @property
    def degrees(self) -> float:
        return math.degrees(self.rotation)

    def apply(self, point: Point) -> Point:
        z = self._z * complex(*point) + complex(self.dx, self.dy)
        return z.real, z.imag

    def inverse(self) -> Similarity:
        z = 1 / self._z
        shift = -z * complex(self.dx, self.dy)
        return Similarity(abs(z), cmath.phase(z), shift.real, shift.imag)

    @property
    def _z(self) -> complex:
        return cmath.rect(self.scale, self.rotation)

    def matrix(self) -> tuple[float, float, float, float, float, float]:
        """(m11, m12, m21, m22, dx, dy) for x' = m11·x + m21·y + dx, y' = m12·x + m22·y + dy
        (the order Qt's QTransform takes)."""
        z = self._z
        return z.real, z.imag, -z.imag, z.real, self.dx, self.dy


def align(fixed: tuple[Point, Point], moving: tuple[Point, Point]) -> Similarity:
    """The similarity that carries ``moving``'s two points onto ``fixed``'s (the first onto
    the first, the second onto the second): the scale is the ratio of their distances, the
    rotation the angle between their lines. PhotoError when either pair is too close to give
    a direction."""
    a1, a2 = (complex(*p) for p in fixed)
    b1, b2 = (complex(*p) for p in moving)
    for first, second, whose in ((a1, a2, "first"), (b1, b2, "second")):
        if abs(second - first) < MIN_POINT_DISTANCE:
            raise PhotoError(
                f"The two points marked on the {whose} photo are on top of each other: mark "
                "two points far apart (the pupils, say)."
            )
    z = (a2 - a1) / (b2 - b1)
    shift = a1 - z * b1
    return Similarity(abs(z), cmath.phase(z), shift.real, shift.imag)
