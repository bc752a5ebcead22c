"""The treatment course: the tasks the Today list, the visit wizard, the timeline and the
command line share (``clinic.course``, a ``CourseDesk``).

A course is a finished consultation's plan as it goes: its revisions (an amendment, a
clearance recorded) carry it on. ``view`` works out where it stands (``domain.course``) from
the plan and what the records hold: visits charted, changes to its dates. Every task checks
first that the signed-in account may do it: an assistant checks a patient in and books or
moves appointments; a provider charts and signs off; both see the course.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from consult.app.errors import UserFacingError, plain_error
from consult.app.plans import agreed_plan
from consult.app.session import require
from consult.domain.access import Permission
from consult.domain.consent import ConsentStatus
from consult.domain.course import (
    REVIEW,
    Appointment,
    Change,
    ChangeKind,
    Charted,
    Course,
    Kind,
    Rules,
    State,
    appointment_name,
    cancel_problems,
    course,
    date_problems,
    earliest,
    missed_problems,
    proposed_rebooking,
)
from consult.domain.model import Answer, Consultation, Status, normalize_text
from consult.domain.plan import Plan, add_months
from consult.domain.visit import (
    MIN_REASON,
    CheckIn,
    Review,
    TreatmentRecord,
    VisitOutcome,
    check_in,
    record_problems,
    review_problems,
    treated_zones,
)
from consult.storage.audit import Action
from consult.storage.errors import StorageError
from consult.storage.visits import LotRow, NewVisit, StoredChange, StoredVisit

if TYPE_CHECKING:
    from consult.app.consents import ConsentDesk
    from consult.app.session import Session
    from consult.domain.catalog import Catalog
    from consult.storage.protocol import RecordStoreAPI

OVERDUE_DAYS = 60  # a session not charted this long after its day is shown on Today
ACTIVE_MONTHS = 6  # courses with a visit or a change this recent are worked out for Today
WEEK_DAYS = 7  # Today lists today and the days up to a week ahead
TODAY_LIMIT = 150  # courses worked out for one Today list (the rest are counted)


@dataclass(frozen=True)
class CourseView:
    """A course as it stands: its current consultation, plan and dates, and its records."""

    item: Consultation
    plan: Plan
    state: Course
    rules: Rules
    visits: tuple[StoredVisit, ...]  # current revisions, a check-in not signed off too
    changes: tuple[StoredChange, ...]
    consent: ConsentStatus | None
    uid: str  # the course's lasting name (the first revision's uuid): calendar UIDs

    @property
    def checked_in(self) -> StoredVisit | None:
        return next((v for v in self.visits if not v.final), None)

    def last_answers(self) -> dict[str, Answer]:
        """The health answers given last: the newest visit's check-in, else the
        consultation's."""
        for visit in sorted(self.visits, key=lambda v: (v.day, v.id), reverse=True):
            if visit.answers:
                return dict(visit.answers)
        return dict(self.item.screening)

    def course_plan(self) -> Plan:
        """The plan with the course's dates now: what a re-printed plan shows."""
        sessions = tuple(
            replace(s, date=a.day, time=a.time)
            for s in self.plan.sessions
            if (a := self.state.get(s.key)) is not None and a.state is not State.CANCELLED
        )
        visits = tuple(
            replace(v, date=a.day)
            for v in self.plan.adjunct_visits
            if (a := self.state.get(v.key)) is not None and a.state is not State.CANCELLED
        )
        if not sessions:
            return self.plan
        low, high = self.plan.results_from, self.plan.results_to
        if low is not None and high is not None:
            months = (
                (low.year - self.plan.last_session.year) * 12
                + low.month
                - self.plan.last_session.month
            )
            span = (high.year - low.year) * 12 + high.month - low.month
            low = add_months(sessions[-1].date, months)
            high = add_months(sessions[-1].date, months + span)
        return replace(
            self.plan,
            sessions=sessions,
            adjunct_visits=tuple(sorted(visits, key=lambda v: (v.date, v.adjunct_id))),
            results_from=low,
            results_to=high,
        )


@dataclass(frozen=True)
class TodayRow:
    day: date
    time: time | None
    patient_id: int
    patient_name: str
    consultation_id: int
    key: str
    kind: Kind
    what: str  # "Session 2 of 4", "Results review", "Mandelic acid peel"
    consent: str  # the consent line for a session ("" otherwise)
    consent_ok: bool
    attention: tuple[str, ...] = ()
    checked_in: bool = False


@dataclass(frozen=True)
class TodayList:
    day: date
    today: tuple[TodayRow, ...]
    week: tuple[TodayRow, ...]
    attention: tuple[TodayRow, ...]
    left_out: int = 0  # courses not worked out (more than TODAY_LIMIT)


@dataclass(frozen=True)
class VisitStart:
    """What a session visit starts from: the course, the session it charts, the last
    answers, and what would stop it before anything is asked."""

    view: CourseView
    appointment: Appointment
    last_answers: dict[str, Answer]
    consent: ConsentStatus
    blockers: tuple[str, ...]  # consent missing, too soon after the last session…
    today: date

    @property
    def label(self) -> str:
        return self.view.state.label(self.appointment)


class CourseDesk:
    """``clinic.course``: the treatment course's tasks on the clinic's records."""

    def __init__(
        self,
        catalog: Catalog,
        store: RecordStoreAPI,
        consents: ConsentDesk,
        session: Callable[[], Session | None] | None = None,
    ):
        self.catalog = catalog
        self.store = store
        self.consents = consents
        self._session = session

    def require(self, permission: Permission) -> None:
        if self._session is not None:
            require(self._session(), permission)

    def actor(self) -> str:
        session = self._session() if self._session is not None else None
        return session.name if session is not None else self.store.provider

    # ------------------------------------------------------------------ reading

    def rules(self, plan: Plan) -> Rules:
        protocol = self.catalog.protocol
        return Rules(
            plan.interval_weeks,
            protocol.min_interval_weeks,
            protocol.review_months,
            self.store.clinic.settings().calendar,
        )

    def view(self, item: Consultation, *, with_consent: bool = True) -> CourseView:
        """Where ``item``'s course stands (``item``: any revision; its current one is used)."""
        self.require(Permission.VIEW_PATIENTS)
        try:
            chain = self.store.records.revisions(item.id) if item.id is not None else [item]
            current = chain[-1]
            ids = [c.id for c in chain if c.id is not None]
            plan = agreed_plan(self.catalog, self.store, current)
            visits = self.store.visits.for_consultations(ids)
            changes = self.store.visits.changes_for(ids)
            rules = self.rules(plan)
            adjuncts = {a.id: a for a in self.catalog.adjuncts}
            charted = [v.charted() for v in visits if v.final]
            state = course(
                plan.sessions,
                plan.adjunct_visits,
                rules,
                adjuncts,
                charted,
                [c.change for c in changes],
            )
            consent = None
            if with_consent and plan.sessions and current.status is Status.FINAL:
                consent = self.consents.status(current, plan)
            uid = self.store.uuid_of("consultations", chain[0].id) if chain[0].id else ""
        except StorageError as exc:
            raise plain_error(exc) from exc
        return CourseView(
            current, plan, state, rules, tuple(visits), tuple(changes), consent, uid or ""
        )

    def courses_of(self, patient_id: int) -> list[CourseView]:
        """The patient's courses (current finished consultations with sessions), newest
        first."""
        self.require(Permission.VIEW_PATIENTS)
        try:
            items = self.store.records.for_patient(patient_id)
        except StorageError as exc:
            raise plain_error(exc) from exc
        found = []
        for item in items:
            if item.status is not Status.FINAL:
                continue
            view = self.view(item)
            if view.plan.sessions:
                found.append(view)
        return found

    # ------------------------------------------------------------------ Today

    def today(self, day: date) -> TodayList:
        """Who is due today and in the next days, with each session's place in the course
        and consent, and what needs attention (a session not charted, a review due, a
        clearance pending, a missed session)."""
        self.require(Permission.VIEW_PATIENTS)
        start = day - timedelta(days=OVERDUE_DAYS)
        end = day + timedelta(days=WEEK_DAYS - 1)
        try:
            due = self.store.records.sessions_due(start, end)
            active = self.store.visits.active_patients(day - timedelta(days=31 * ACTIVE_MONTHS))
            candidates: dict[int, date] = {}
            for row in due:
                candidates.setdefault(row.consultation_id, row.date)
            for patient_id in active:
                for item in self.store.records.for_patient(patient_id):
                    if item.status is Status.FINAL and item.id is not None:
                        candidates.setdefault(item.id, day)
            checked_in = {v.consultation_id for v in self.store.visits.checked_in(day)}
        except StorageError as exc:
            raise plain_error(exc) from exc
        ordered = sorted(candidates, key=lambda cid: (abs((candidates[cid] - day).days), cid))
        kept, left_out = ordered[:TODAY_LIMIT], max(0, len(ordered) - TODAY_LIMIT)
        today_rows: list[TodayRow] = []
        week: list[TodayRow] = []
        attention: list[TodayRow] = []
        seen: set[tuple[int, str]] = set()
        for cid in kept:
            try:
                item = self.store.records.consultation(cid)
            except StorageError:
                continue
            view = self.view(item)
            if (view.item.id, "") in seen or not view.plan.sessions:
                continue
            seen.add((view.item.id, ""))
            revisions = {c.consultation_id for c in view.changes} | {
                v.consultation_id for v in view.visits
            }
            is_checked_in = bool(checked_in & (revisions | {view.item.id}))
            for row, bucket in self._rows(view, day, start, end, is_checked_in):
                {"today": today_rows, "week": week, "attention": attention}[bucket].append(row)
        order = {Kind.SESSION: 0, Kind.REVIEW: 1, Kind.ADJUNCT: 2}

        def key(r: TodayRow):
            return (r.day, r.time or time.max, order[r.kind], r.patient_name, r.key)

        return TodayList(
            day,
            tuple(sorted(today_rows, key=key)),
            tuple(sorted(week, key=key)),
            tuple(sorted(attention, key=key)),
            left_out,
        )

    def _rows(self, view: CourseView, day: date, start: date, end: date, checked_in: bool):
        state, item, plan = view.state, view.item, view.plan
        consent = view.consent
        consent_line = consent.summary() if consent is not None else ""
        consent_ok = consent is not None and consent.ok
        notes: list[str] = []
        if plan.provisional:
            notes.append("Clearance pending: record the doctor's clearance first")
        for happening in state.happenings:
            if start <= happening.day <= day and happening.what == "missed":
                notes.append(f"Missed on {happening.day.isoformat()}")
        for appointment in state.appointments:
            if appointment.state is not State.PLANNED or not start <= appointment.day <= end:
                continue
            what = appointment_name(self.catalog, state, appointment)
            session = appointment.kind is Kind.SESSION
            row = TodayRow(
                appointment.day,
                appointment.time,
                item.patient.id or 0,
                item.patient.name,
                item.id or 0,
                appointment.key,
                appointment.kind,
                what,
                consent_line if session else "",
                consent_ok if session else True,
                tuple(notes) if session else (),
                checked_in and session and appointment.day <= day,
            )
            if appointment.day < day:
                upcoming = state.next_session()
                if appointment.kind is Kind.ADJUNCT or (
                    appointment.kind is Kind.SESSION
                    and (upcoming is None or appointment.key != upcoming.key)
                ):
                    continue  # the rest of the course follows the first not charted
                why = (
                    "Results review due: record it"
                    if appointment.kind is Kind.REVIEW
                    else "Not charted: chart it, or mark it missed and rebook"
                )
                yield replace(row, attention=(*row.attention, why)), "attention"
            elif appointment.day == day:
                yield row, "today"
            else:
                yield row, "week"

    # ------------------------------------------------------------------ a visit

    def start_visit(self, item: Consultation, today: date) -> VisitStart:
        """The session a visit for ``item``'s course charts now, and what stands in the way."""
        self.require(Permission.CHECK_IN)
        view = self.view(item)
        appointment = view.state.next_session()
        if appointment is None:
            raise UserFacingError(
                "Every session of this course is charted or cancelled. Record the results "
                "review, or start a new course for maintenance sessions.",
                title="No session left",
            )
        consent = view.consent or self.consents.status(view.item, view.plan)
        blockers = []
        if not consent.ok:
            blockers.append(
                "A session cannot be recorded without valid consent: "
                + "; ".join(str(m) for m in consent.missing)
                + ". Use Consent… first."
            )
        first = earliest(view.state, appointment.key, view.rules)
        if first is not None and today < first:
            before = view.state.previous_session(appointment.key)
            blockers.append(
                f"Too soon: {view.state.label(before).lower() if before else 'the last session'} "
                f"was on {before.day.isoformat() if before else '?'}, and sessions are at least "
                f"{view.rules.min_interval_weeks} weeks apart; the earliest is "
                f"{first.isoformat()}."
            )
        return VisitStart(view, appointment, view.last_answers(), consent, tuple(blockers), today)

    def assess(self, start: VisitStart, answers: dict[str, Answer]) -> CheckIn:
        """Today's answers under the consultation's rules (pure; no record written)."""
        view = start.view
        return check_in(
            self.catalog,
            view.item,
            view.plan,
            answers,
            start.last_answers,
            self.store.clinic.settings().placeholders,
        )

    def _new_visit(self, start: VisitStart, answers: dict[str, Answer], **fields) -> NewVisit:
        item = start.view.item
        return NewVisit(
            patient_id=item.patient.id or 0,
            consultation_id=item.id or 0,
            kind=Kind.SESSION,
            day=start.today,
            session=start.appointment.number,
            answers=dict(answers),
            checked_in_by=fields.pop("checked_in_by", self.actor()),
            **fields,
        )

    def check_in(self, start: VisitStart, answers: dict[str, Answer]) -> StoredVisit:
        """Save the check-in (the provider goes on with the treatment record later)."""
        self.require(Permission.CHECK_IN)
        result = self.assess(start, answers)
        if not result.screening.complete:
            raise UserFacingError("Ask every question before saving the check-in.")
        existing = start.view.checked_in
        try:
            return self.store.visits.check_in(
                self._new_visit(start, answers), existing.id if existing else None
            )
        except StorageError as exc:
            raise plain_error(exc) from exc

    def stop(self, start: VisitStart, answers: dict[str, Answer]) -> StoredVisit:
        """The check-in stops the visit: it is kept as not treated, with the reasons."""
        self.require(Permission.CHECK_IN)
        result = self.assess(start, answers)
        if result.may_treat:
            raise UserFacingError("Nothing in the check-in stops this visit.")
        existing = start.view.checked_in
        visit = self._new_visit(
            start,
            answers,
            outcome=VisitOutcome.NOT_TREATED,
            stop_reason="; ".join(result.stops) or "The screening is not complete.",
            provider=self.actor(),
        )
        try:
            return self.store.visits.sign(visit, existing.id if existing else None)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def after_today(self, start: VisitStart) -> Course:
        """The course as it will stand once today's session is charted."""
        view = start.view
        charted = [v.charted() for v in view.visits if v.final]
        charted.append(Charted(Kind.SESSION, start.today, start.appointment.number))
        return course(
            view.plan.sessions,
            view.plan.adjunct_visits,
            view.rules,
            {a.id: a for a in self.catalog.adjuncts},
            charted,
            [c.change for c in view.changes],
        )

    def sign(
        self,
        start: VisitStart,
        answers: dict[str, Answer],
        record: TreatmentRecord,
        next_day: date | None = None,
        next_time: time | None = None,
    ) -> StoredVisit:
        """Sign off today's session: the check-in's answers, the treatment record, and the
        next session's date (when moved from the course's, recorded as a reschedule).
        Refused without valid consent, when the check-in stops it, too soon after the last
        session, or with a problem in the record."""
        self.require(Permission.CONSULT)
        view = start.view
        consent = self.consents.may_record_session(view.item.id)
        if not consent.ok:
            raise UserFacingError(
                "The session was not recorded: it needs valid consent ("
                + "; ".join(str(m) for m in consent.missing)
                + "). Use Consent… first.",
                title="Consent needed",
            )
        result = self.assess(start, answers)
        if not result.may_treat:
            raise UserFacingError(
                "The session was not recorded: "
                + ("; ".join(result.stops) or "the check-in is not complete")
                + ".",
                title="The check-in stops this visit",
            )
        first = earliest(view.state, start.appointment.key, view.rules)
        if first is not None and start.today < first:
            raise UserFacingError(start.blockers[-1], title="Too soon for this session")
        problems = record_problems(
            self.catalog, record, start.today, treated_zones(self.catalog, view.plan)
        )
        if problems:
            raise UserFacingError(
                " ".join(p.message for p in problems), title="The treatment record is not done"
            )
        changes = []
        after = self.after_today(start)
        upcoming = after.next_session()
        if (
            upcoming is not None
            and next_day is not None
            and (next_day != upcoming.day or next_time != upcoming.time)
        ):
            problems = date_problems(after, upcoming.key, next_day, view.rules, start.today)
            if problems:
                raise UserFacingError(" ".join(problems), title="The next date cannot be booked")
            changes.append(
                Change(
                    ChangeKind.RESCHEDULE,
                    upcoming.key,
                    upcoming.day,
                    next_day,
                    next_time,
                    "booked at the visit",
                )
            )
        visit = self._new_visit(
            start,
            answers,
            checked_in_by=view.checked_in.checked_in_by if view.checked_in else self.actor(),
            outcome=VisitOutcome.TREATED,
            record=record,
            provider=record.provider,
        )
        try:
            return self.store.visits.sign(
                visit, view.checked_in.id if view.checked_in else None, changes
            )
        except StorageError as exc:
            raise plain_error(exc) from exc

    def cancel_check_in(self, visit_id: int) -> None:
        self.require(Permission.CHECK_IN)
        try:
            self.store.visits.delete_check_in(visit_id)
        except StorageError as exc:
            raise plain_error(exc) from exc

    def amend(self, visit_id: int, record: TreatmentRecord, reason: str) -> StoredVisit:
        """A signed-off session's treatment record corrected: a new revision, with why."""
        self.require(Permission.CONSULT)
        if len(normalize_text(reason)) < MIN_REASON:
            raise UserFacingError(
                f"Write why the visit is amended (at least {MIN_REASON} characters).",
                title="The amendment was not saved",
            )
        try:
            old = self.store.visits.get(visit_id)
            item = self.store.records.consultation(old.consultation_id)
        except StorageError as exc:
            raise plain_error(exc) from exc
        if old.outcome is not VisitOutcome.TREATED:
            raise UserFacingError("Only a session that was treated has a record to amend.")
        plan = self.view(item, with_consent=False).plan
        problems = record_problems(self.catalog, record, old.day, treated_zones(self.catalog, plan))
        if problems:
            raise UserFacingError(" ".join(p.message for p in problems), title="Not amended")
        visit = NewVisit(
            patient_id=old.patient_id,
            consultation_id=old.consultation_id,
            kind=old.kind,
            day=old.day,
            session=old.session,
            answers=old.answers,
            checked_in_by=old.checked_in_by,
            outcome=old.outcome,
            record=record,
            provider=record.provider,
        )
        try:
            return self.store.visits.amend(visit_id, visit, normalize_text(reason))
        except StorageError as exc:
            raise plain_error(exc) from exc

    def record_review(self, item: Consultation, review: Review, today: date) -> StoredVisit:
        """The results review, with each concern's answers and what happens next."""
        self.require(Permission.CONSULT)
        view = self.view(item, with_consent=False)
        if view.state.review is None or view.state.review.state is State.DONE:
            raise UserFacingError("This course has no results review waiting.")
        problems = review_problems(self.catalog, view.plan, review)
        if problems:
            raise UserFacingError(" ".join(p.message for p in problems), title="Review not saved")
        visit = NewVisit(
            patient_id=view.item.patient.id or 0,
            consultation_id=view.item.id or 0,
            kind=Kind.REVIEW,
            day=today,
            outcome=VisitOutcome.REVIEWED,
            review=review,
            provider=self.actor(),
            checked_in_by=self.actor(),
        )
        try:
            return self.store.visits.sign(visit)
        except StorageError as exc:
            raise plain_error(exc) from exc

    # ------------------------------------------------------------------ changing dates

    def _change(self, view: CourseView, change: Change) -> StoredChange:
        try:
            return self.store.visits.add_change(
                view.item.patient.id or 0, view.item.id or 0, change
            )
        except StorageError as exc:
            raise plain_error(exc) from exc

    def reschedule(
        self,
        item: Consultation,
        key: str,
        day: date,
        at: time | None,
        reason: str,
        today: date,
        words: Callable[[date], str] = date.isoformat,
    ) -> StoredChange:
        """Book session or review ``key`` for ``day``; the rest of the course follows."""
        self.require(Permission.SCHEDULE)
        view = self.view(item, with_consent=False)
        problems = date_problems(view.state, key, day, view.rules, today, words)
        if problems:
            raise UserFacingError(" ".join(problems), title="Not rescheduled")
        appointment = view.state.get(key)
        assert appointment is not None
        return self._change(
            view,
            Change(ChangeKind.RESCHEDULE, key, appointment.day, day, at, normalize_text(reason)),
        )

    def mark_missed(
        self,
        item: Consultation,
        key: str,
        day: date,
        at: time | None,
        reason: str,
        today: date,
        words: Callable[[date], str] = date.isoformat,
    ) -> StoredChange:
        """The patient missed session ``key``: kept as missed, rebooked for ``day``."""
        self.require(Permission.SCHEDULE)
        view = self.view(item, with_consent=False)
        problems = missed_problems(view.state, key, today)
        problems += date_problems(view.state, key, day, view.rules, today, words)
        if problems:
            raise UserFacingError(" ".join(problems), title="Not marked missed")
        appointment = view.state.get(key)
        assert appointment is not None
        return self._change(
            view, Change(ChangeKind.MISSED, key, appointment.day, day, at, normalize_text(reason))
        )

    def proposed(self, item: Consultation, key: str, today: date) -> date:
        """The date the course proposes for rebooking ``key`` now."""
        view = self.view(item, with_consent=False)
        if key == REVIEW:
            review = view.state.review
            return max(review.day, today) if review else today
        return proposed_rebooking(view.state, key, view.rules, today)

    def cancel(self, item: Consultation, key: str, reason: str) -> StoredChange:
        """Session ``key`` will not take place: the course goes on without it."""
        self.require(Permission.SCHEDULE)
        if len(normalize_text(reason)) < 3:
            raise UserFacingError("Say why the session is cancelled.", title="Not cancelled")
        view = self.view(item, with_consent=False)
        problems = cancel_problems(view.state, key)
        if problems:
            raise UserFacingError(" ".join(problems), title="Not cancelled")
        appointment = view.state.get(key)
        assert appointment is not None
        return self._change(
            view,
            Change(ChangeKind.CANCEL, key, appointment.day, None, None, normalize_text(reason)),
        )

    # ------------------------------------------------------------------ recall

    def lots(self, lot: str) -> list[LotRow]:
        """Every patient treated with cartridge lot ``lot``; the search is in the audit
        trail (never the lot's patients, only how many)."""
        self.require(Permission.RECALL)
        lot = normalize_text(lot)
        if not lot:
            raise UserFacingError("Enter the lot number printed on the cartridge's pouch.")
        try:
            rows = self.store.visits.lot(lot)
            with self.store.transaction():
                self.store.audit_event(
                    Action.RECALL, "database", detail=f"lot search: {len(rows)} visits"
                )
        except StorageError as exc:
            raise plain_error(exc) from exc
        return rows

    # ------------------------------------------------------------------ calendar files

    def calendar(self, views: list[CourseView], now: datetime) -> bytes:
        """The appointments of ``views`` as an .ics file (see ``app.calendar``)."""
        self.require(Permission.PRINT_PLAN)
        from consult.app.calendar import calendar_file

        return calendar_file(self.catalog, views, self.store.clinic.settings(), now)

    def save_calendar(
        self, views: list[CourseView], path: Path, records: Path, *, replace: bool, now: datetime
    ) -> Path:
        """Write the .ics where the user asked: never onto the records, a backup or a link;
        an existing file only with ``replace``. In the audit trail before it appears."""
        from consult.storage.protect import check_output
        from consult.system.files import write_private_atomic

        self.require(Permission.PRINT_PLAN)

        def audited() -> None:
            with self.store.transaction():
                for view in views:
                    self.store.audit_event(
                        Action.EXPORT,
                        "consultation",
                        view.item.id,
                        self.store.uuid_of("consultations", view.item.id or 0),
                        detail="calendar file",
                    )

        try:
            target = check_output(path, records=records, replace=replace, what="calendar file")
            data = self.calendar(views, now)
            write_private_atomic(target, data, replace=replace, before_visible=audited)
        except FileExistsError:
            raise UserFacingError(
                f"{path} already exists; nothing was overwritten. Choose a new name (or "
                "--force to replace it)."
            ) from None
        except (StorageError, OSError) as exc:
            raise plain_error(exc) from exc
        return target


def describe_change(change: Change) -> str:
    """A change in the provider's words, for the timeline."""
    words = {
        ChangeKind.RESCHEDULE: "Rescheduled",
        ChangeKind.CANCEL: "Cancelled",
        ChangeKind.MISSED: "Missed",
    }[change.kind]
    text = f"{words} (was {change.was.isoformat()}"
    if change.day is not None:
        text += f", now {change.day.isoformat()}"
    text += ")"
    if change.reason:
        text += f": {change.reason}"
    return text
