"""The consultation's data: plain, immutable dataclasses with validation in plain words."""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta

FITZPATRICK_TYPES = (1, 2, 3, 4, 5, 6)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_NAME_LENGTH = 200
MIN_OVERRIDE_REASON = 10


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"


class Outcome(enum.StrEnum):
    """The screening outcome, from best to worst."""

    PROCEED = "proceed"
    CAUTION = "proceed_with_caution"
    NEEDS_CLEARANCE = "needs_clearance"
    DO_NOT_TREAT = "do_not_treat"

    @property
    def rank(self) -> int:
        return list(Outcome).index(self)

    @property
    def label(self) -> str:
        return {
            Outcome.PROCEED: "Proceed",
            Outcome.CAUTION: "Proceed with caution",
            Outcome.NEEDS_CLEARANCE: "Needs clearance",
            Outcome.DO_NOT_TREAT: "Do not treat",
        }[self]


class Status(enum.StrEnum):
    DRAFT = "draft"
    FINAL = "final"


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one input, in words the provider understands."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


class ValidationError(ValueError):
    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def normalize_text(text: str) -> str:
    """NFC-normalise and trim typed text (names look the same whichever way they were typed)."""
    return unicodedata.normalize("NFC", text).strip()


def age_on(date_of_birth: date, day: date) -> int:
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


@dataclass(frozen=True)
class Patient:
    name: str
    date_of_birth: date
    fitzpatrick: int
    language: str = "en"
    phone: str = ""
    email: str = ""
    id: int | None = None

    def age_on(self, day: date) -> int:
        return age_on(self.date_of_birth, day)

    def problems(
        self, today: date, min_age: int, languages: tuple[str, ...] = ("en", "es")
    ) -> list[FieldProblem]:
        found = []
        name = normalize_text(self.name)
        if not name:
            found.append(FieldProblem("name", "Enter the patient's name."))
        elif len(name) > MAX_NAME_LENGTH:
            found.append(
                FieldProblem(
                    "name", f"The name is too long (at most {MAX_NAME_LENGTH} characters)."
                )
            )
        elif any(unicodedata.category(ch) == "Cc" for ch in name):
            found.append(FieldProblem("name", "The name contains control characters."))
        if self.date_of_birth > today:
            found.append(FieldProblem("date_of_birth", "The date of birth is in the future."))
        elif self.age_on(today) < min_age:
            found.append(
                FieldProblem(
                    "date_of_birth",
                    f"The patient is {self.age_on(today)}; this clinic treats patients "
                    f"aged {min_age} or over.",
                )
            )
        elif self.age_on(today) > 130:
            found.append(
                FieldProblem("date_of_birth", "The date of birth is more than 130 years ago.")
            )
        if self.fitzpatrick not in FITZPATRICK_TYPES:
            found.append(FieldProblem("fitzpatrick", "Choose the skin type (Fitzpatrick I to VI)."))
        if self.language not in languages:
            names = ", ".join(languages)
            found.append(
                FieldProblem("language", f"Choose a language the clinic prints ({names}).")
            )
        if self.email and ("@" not in self.email or any(c.isspace() for c in self.email.strip())):
            found.append(FieldProblem("email", "The email address does not look right."))
        return found

    def validated(
        self, today: date, min_age: int, languages: tuple[str, ...] = ("en", "es")
    ) -> Patient:
        """The patient with tidied text, or ValidationError listing every problem."""
        problems = self.problems(today, min_age, languages)
        if problems:
            raise ValidationError(problems)
        return Patient(
            name=normalize_text(self.name),
            date_of_birth=self.date_of_birth,
            fitzpatrick=self.fitzpatrick,
            language=self.language,
            phone=normalize_text(self.phone),
            email=normalize_text(self.email),
            id=self.id,
        )


@dataclass(frozen=True)
class ConcernChoice:
    concern_id: str
    severity: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class AreaChoice:
    area_id: str
    zones: tuple[str, ...] = ()
    concerns: tuple[ConcernChoice, ...] = ()


@dataclass(frozen=True)
class Override:
    """A provider's decision to go ahead despite a 'do not treat' screening, with the reason."""

    reason: str
    provider: str

    def __post_init__(self) -> None:
        if len(normalize_text(self.reason)) < MIN_OVERRIDE_REASON:
            raise ValidationError(
                [
                    FieldProblem(
                        "override",
                        f"Write the reason for going ahead (at least {MIN_OVERRIDE_REASON} "
                        "characters).",
                    )
                ]
            )


@dataclass(frozen=True)
class Clearance:
    """A doctor's clearance of a patient whose screening needs one: who gave it, when, a note
    (what they said, where their letter is), and who recorded it. ``covers`` lists the
    screening questions it answers; a later answer it does not cover needs a new clearance."""

    cleared_by: str
    cleared_on: date
    note: str
    recorded_by: str
    covers: tuple[str, ...] = ()

    def problems(self, today: date) -> list[FieldProblem]:
        found = []
        if not normalize_text(self.cleared_by):
            found.append(
                FieldProblem("cleared_by", "Enter who gave the clearance (the doctor's name).")
            )
        if self.cleared_on > today:
            found.append(FieldProblem("cleared_on", "The date of the clearance is in the future."))
        if len(normalize_text(self.note)) < MIN_OVERRIDE_REASON:
            found.append(
                FieldProblem(
                    "note",
                    "Write a note on the clearance: what the doctor said, or where their letter "
                    f"is kept (at least {MIN_OVERRIDE_REASON} characters).",
                )
            )
        if not normalize_text(self.recorded_by):
            found.append(FieldProblem("recorded_by", "Choose who is recording the clearance."))
        return found

    def validated(self, today: date) -> Clearance:
        problems = self.problems(today)
        if problems:
            raise ValidationError(problems)
        return Clearance(
            normalize_text(self.cleared_by),
            self.cleared_on,
            normalize_text(self.note),
            normalize_text(self.recorded_by),
            tuple(self.covers),
        )


@dataclass(frozen=True)
class ClinicCalendar:
    """The days the clinic sees patients."""

    closed_weekdays: frozenset[int] = frozenset({5, 6})  # Monday is 0
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not all(0 <= d <= 6 for d in self.closed_weekdays):
            raise ValueError("closed weekdays are numbered 0 (Monday) to 6 (Sunday)")
        if len(self.closed_weekdays) >= 7:
            raise ValidationError(
                [
                    FieldProblem(
                        "closed_weekdays", "The clinic must be open on at least one weekday."
                    )
                ]
            )

    def is_open(self, day: date) -> bool:
        return day.weekday() not in self.closed_weekdays and day not in self.holidays

    def next_open_day(self, day: date) -> date:
        """``day`` itself when open, otherwise the first open day after it."""
        # Holidays are finite, so this ends; the bound only guards against absurd input.
        for _ in range(len(self.holidays) + 8):
            if self.is_open(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no open day found")


@dataclass(frozen=True)
class ClinicSettings:
    """What a clinic sets for itself; the defaults come from the catalog's protocol."""

    name: str = ""
    address: str = ""
    phone: str = ""
    interval_weeks: int = 4
    closed_weekdays: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = frozenset()
    min_age: int = 18
    isotretinoin_window_months: int = 6
    paper_size: str = "a4"
    logo_path: str = ""  # an image printed at the top of the patient's plan; "" for none
    lock_minutes: int = 5  # the window locks after this many minutes without a key or click
    consent_valid_months: int = 12  # a signed consent counts this long; then the patient re-signs
    # Calendar files (.ics) name the treatment ("Microneedling session 2 of 4"); off, they
    # say only "Appointment at <clinic>" (calendars are often shared).
    calendar_details: bool = False

    @property
    def calendar(self) -> ClinicCalendar:
        return ClinicCalendar(self.closed_weekdays, self.holidays)

    def missing_for_print(self) -> list[str]:
        """What a printed plan needs of the clinic and is not set: the plan is headed with
        the clinic's name and tells the patient to call its phone."""
        missing = []
        if not normalize_text(self.name):
            missing.append("name")
        if not any(ch.isdigit() for ch in self.phone):
            missing.append("phone")
        return missing

    @property
    def placeholders(self) -> dict[str, int]:
        """What the screening questions' placeholders stand for at this clinic."""
        return {
            "isotretinoin_window_months": self.isotretinoin_window_months,
            "min_age": self.min_age,
        }

    def problems(self, min_interval_weeks: int = 1) -> list[FieldProblem]:
        """What is wrong with these settings; ``min_interval_weeks`` is the catalog's floor."""
        found = []
        if self.interval_weeks < min_interval_weeks:
            found.append(
                FieldProblem(
                    "interval_weeks",
                    f"Sessions cannot be planned closer than {min_interval_weeks} weeks apart: "
                    "that is the minimum interval in the clinic's catalog, so the skin has time "
                    "to heal between sessions. Choose "
                    f"{min_interval_weeks} weeks or more.",
                )
            )
        elif not 1 <= self.interval_weeks <= 26:
            found.append(
                FieldProblem("interval_weeks", "The interval must be between 1 and 26 weeks.")
            )
        if not 0 <= self.min_age <= 120:
            found.append(FieldProblem("min_age", "The minimum age must be between 0 and 120."))
        if not 0 <= self.isotretinoin_window_months <= 60:
            found.append(
                FieldProblem(
                    "isotretinoin_window_months",
                    "The isotretinoin window must be between 0 and 60 months.",
                )
            )
        if len(self.closed_weekdays) >= 7:
            found.append(
                FieldProblem("closed_weekdays", "The clinic must be open on at least one weekday.")
            )
        if not 1 <= self.lock_minutes <= 60:
            found.append(
                FieldProblem("lock_minutes", "The window must lock after 1 to 60 idle minutes.")
            )
        if not 1 <= self.consent_valid_months <= 120:
            found.append(
                FieldProblem(
                    "consent_valid_months",
                    "A signed consent must count for between 1 and 120 months.",
                )
            )
        if self.paper_size not in ("a4", "letter"):
            found.append(FieldProblem("paper_size", "The paper size must be A4 or Letter."))
        if any(not 0 <= day <= 6 for day in self.closed_weekdays):
            found.append(FieldProblem("closed_weekdays", "A weekday is a number from 0 to 6."))
        if len(self.holidays) > MAX_HOLIDAYS:
            found.append(FieldProblem("holidays", f"At most {MAX_HOLIDAYS} holidays can be kept."))
        for name, limit in (("name", 200), ("address", 1000), ("phone", 100), ("logo_path", 4096)):
            text = getattr(self, name)
            if len(text) > limit:
                found.append(FieldProblem(name, f"The {name} is too long (at most {limit})."))
            elif any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text):
                found.append(FieldProblem(name, f"The {name} holds control characters."))
        return found


MAX_HOLIDAYS = 1000


@dataclass(frozen=True)
class Consultation:
    patient: Patient
    provider: str
    date: date
    screening: Mapping[str, Answer] = field(default_factory=dict)
    areas: tuple[AreaChoice, ...] = ()
    adjuncts: tuple[str, ...] = ()
    override: Override | None = None
    start_date: date | None = None
    session_count: int | None = None
    notes: str = ""
    status: Status = Status.DRAFT
    clearance: Clearance | None = None
    catalog_version: str = ""
    id: int | None = None
    revision_of: int | None = None
    # The time of day the appointments are booked at (the clinic books slots), and the
    # appointments booked at another time, by ``plan.appointment_key``.
    appointment_time: time | None = None
    times: Mapping[str, time] = field(default_factory=dict)
    # Why an amendment was made (an amendment only; kept with the new revision).
    amend_reason: str = ""

    @property
    def area_ids(self) -> tuple[str, ...]:
        return tuple(a.area_id for a in self.areas)

    @property
    def concern_choices(self) -> tuple[ConcernChoice, ...]:
        return tuple(c for a in self.areas for c in a.concerns)
