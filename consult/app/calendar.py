"""The patient's appointments as a calendar file (iCalendar, RFC 5545), made with icalendar.

Every appointment of the course — each session, add-on visit and the results review — is an
event at the clinic's address, with a reminder the day before. Each has a lasting UID (the
course's first revision's uuid and the appointment's key, hashed), so a file issued again after a
date moved updates the event already in the patient's calendar instead of adding a second
one; its SEQUENCE counts the course's recorded events so the newer one wins. A cancelled
appointment is sent as cancelled, so it leaves the calendar. An appointment with a booked
time lasts an hour from it; one without is an all-day event.

Calendars are often shared (a family calendar, a work calendar): an event says only
"Appointment at <clinic>" and the clinic's phone, unless the clinic turns on
``calendar_details`` in Settings ("Microneedling session 2 of 4 at <clinic>").

icalendar is imported here, when a calendar file is made, never at start-up.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from consult.domain.course import Kind, State, appointment_name

if TYPE_CHECKING:
    from consult.app.course import CourseView
    from consult.domain.catalog import Catalog
    from consult.domain.model import ClinicSettings

PRODID = "-//consult//treatment course//EN"
UID_DOMAIN = "consult.invalid"  # a domain that can never be anyone's: the UIDs stay ours
LENGTH = timedelta(hours=1)


def uid(view: CourseView, key: str) -> str:
    """An appointment's lasting UID: from the course's first revision's uuid and the
    appointment's key, hashed (UUID 5) so that it says nothing of the treatment."""
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, f'consult:{view.uid}/{key}')}@{UID_DOMAIN}"


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-")


def calendar_file(
    catalog: Catalog, views: list[CourseView], settings: ClinicSettings, now: datetime
) -> bytes:
    """The .ics bytes for the appointments of ``views`` (one patient's courses)."""
    from icalendar import Alarm, Calendar, Event

    clinic = settings.name.strip() or "the clinic"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Appointments at {clinic}")
    stamp = now.astimezone(UTC).replace(microsecond=0)
    for view in views:
        provisional = view.plan.provisional
        for appointment in view.state.appointments:
            event = Event()
            event.add("uid", uid(view, appointment.key))
            event.add("dtstamp", stamp)
            event.add("sequence", view.state.events)
            if settings.calendar_details:
                what = appointment_name(catalog, view.state, appointment)
                if appointment.kind is Kind.SESSION:
                    what = f"Microneedling {what[0].lower()}{what[1:]}"
                summary = f"{what} at {clinic}"
            else:
                summary = f"Appointment at {clinic}"
            event.add("summary", summary)
            if appointment.time is not None:
                start = datetime.combine(appointment.day, appointment.time)
                event.add("dtstart", start)  # the clinic's local time
                event.add("dtend", start + LENGTH)
            else:
                event.add("dtstart", appointment.day)
                event.add("dtend", appointment.day + timedelta(days=1))
                event.add("transp", "TRANSPARENT")
            address = [line.strip() for line in settings.address.splitlines() if line.strip()]
            if address:
                event.add("location", ", ".join(address))
            lines = []
            if settings.phone.strip():
                lines.append(f"To change or cancel it, call {settings.phone.strip()}.")
            if provisional and appointment.state is State.PLANNED:
                lines.append("The date is proposed: we will confirm it.")
            if lines:
                event.add("description", " ".join(lines))
            if appointment.state is State.CANCELLED:
                event.add("status", "CANCELLED")
            elif provisional and appointment.state is State.PLANNED:
                event.add("status", "TENTATIVE")
            else:
                event.add("status", "CONFIRMED")
            if appointment.state is State.PLANNED:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", summary)
                # A day before a timed appointment; at 9:00 the day before an all-day one.
                before = timedelta(days=1) if appointment.time is not None else timedelta(hours=15)
                alarm.add("trigger", -before)
                event.add_component(alarm)
            cal.add_component(event)
    return cal.to_ical()


def suggested_name(patient_name: str, day: date) -> str:
    return f"appointments-{_slug(patient_name) or 'patient'}-{day.isoformat()}.ics"
