"""Demo treatment courses for ``consult db seed-demo``: Today and the timeline have
something to show.

A few demo patients are in the middle of a course, as a clinic would have them: the
consultation some weeks ago, the consent signed that day (sealed, as on the signing screen),
sessions charted on their days with demo devices and cartridge lots, one session missed and
rebooked, one moved to later this week, one due today, and a finished course whose results
review (three months after its last session) is due about now. Everything is built through
the same rules as a real course (the plan engine, the course engine, the record checks) and
marked as demo data.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from consult.app.consents import ConsentDesk
from consult.app.demo_consents import demo_signature
from consult.domain.catalog import Catalog
from consult.domain.course import Change, ChangeKind, Charted, Kind, Rules, course
from consult.domain.model import Answer, AreaChoice, ConcernChoice, Consultation, Patient, Status
from consult.domain.plan import build_plan
from consult.domain.visit import (
    TreatmentRecord,
    VisitOutcome,
    ZoneDepth,
    record_problems,
    treated_zones,
)
from consult.storage import audit, rows
from consult.storage.audit import Action
from consult.storage.protocol import RecordStoreAPI
from consult.storage.visits import NewVisit, insert_change, insert_visit

# (name, language, skin type, weeks since the consultation, what happens in the course)
COURSES = (
    ("Inés Calderón Peña", "es", 3, 9, "due_today"),
    ("Kwame Boateng", "en", 5, 14, "missed"),
    ("Hélène Lefèvre", "en", 2, 5, "moved_this_week"),
    ("Nguyễn Thị Thu", "en", 4, 26, "review_due"),
)
LOTS = ("SP-24117", "SP-24203", "EX-2406-118")


def _stamp(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour, 0), UTC).isoformat(timespec="microseconds")


def _record(catalog: Catalog, rng: random.Random, zones, provider: str, day: date):
    device = catalog.devices[rng.randrange(len(catalog.devices))]
    lot = LOTS[2] if device.id == "exceed" else rng.choice(LOTS[:2])
    depths = []
    for area_id, zone_id in zones:
        area = catalog.area(area_id)
        low, high = area.zone(zone_id).depth_mm if zone_id else (area.depth_mm or (0.5, 1.0))
        depth = min(round((low + high) / 2 * 4) / 4, device.max_depth_mm, high)
        depths.append(ZoneDepth(area_id, zone_id, max(depth, low), rng.choice((2, 3))))
    return TreatmentRecord(
        device_id=device.id,
        cartridge_id=device.cartridges[0].id,
        lot=lot,
        lot_expiry=day + timedelta(days=rng.randrange(120, 400)),
        zones=tuple(depths),
        endpoint=rng.choice(catalog.endpoints).id,
        numbing_agent=catalog.numbing_agents[0].id,
        numbing_area_cm2=rng.choice((250, 300, 350)),
        numbing_minutes=catalog.protocol.numbing_minutes,
        glide_product=catalog.glide_products[0].id,
        adjunct_given="",
        reaction="expected",
        reaction_note="",
        aftercare_given=True,
        provider=provider,
        room=rng.choice(("Room 1", "Room 2", "Room 3")),
        notes="Demo record.",
    )


def seed_demo_courses(
    catalog: Catalog,
    store: RecordStoreAPI,
    data_folder,
    *,
    today: date | None = None,
    seed: int | None = None,
    provider: str = "Kofi Mensah, RN",
) -> int:
    """Add the demo courses (``COURSES``); how many courses were added."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = today or store.today()
    settings = store.clinic.settings()
    calendar = settings.calendar
    desk = ConsentDesk(catalog, store, data_folder)
    no = {q.id: Answer.NO for q in catalog.questions}
    adjuncts = {a.id: a for a in catalog.adjuncts}
    added = 0
    for name, lang, skin, weeks, story in COURSES:
        day = today - timedelta(weeks=weeks)
        with store.transaction():
            patient_id = rows.write_patient(
                store,
                Patient(
                    name, today - timedelta(days=rng.randrange(25 * 365, 55 * 365)), skin, lang
                ),
                record_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                created_at=_stamp(day),
                updated_at=_stamp(day),
                demo=True,
            )
        patient = store.patients.get(patient_id)
        item = Consultation(
            patient=patient,
            provider=provider,
            date=day,
            screening=no,
            areas=(
                AreaChoice(
                    "face", ("cheeks", "forehead", "chin"), (ConcernChoice("acne_scars", "mild"),)
                ),
            ),
            start_date=calendar.next_open_day(day + timedelta(days=7)),
            status=Status.FINAL,
            notes="Demo record: a course part-way through.",
            catalog_version=catalog.version,
        )
        plan = build_plan(catalog, item, calendar, settings.interval_weeks, settings.placeholders)
        with store.transaction():
            cid = rows.insert_consultation(
                store, item, patient_id, created_at=_stamp(day), updated_at=_stamp(day), demo=True
            )
            rows.write_parts(store, cid, item)
            rows.write_plan(store, cid, plan)
            rows.mark_final(
                store,
                cid,
                rows.plan_fields(plan),
                revision_of=None,
                finalized_at=_stamp(day),
                updated_at=_stamp(day),
            )
            audit.seal(
                store.db,
                Action.SEED_DEMO,
                patients=[patient_id],
                consultations=[cid],
                provider=store.provider,
                at=store.now(),
            )
        item = store.records.consultation(cid)
        plan = desk.plan_for(item)
        for document in desk.documents(item, plan):
            if document.kind != "treatment":
                continue
            text = desk.text(item, plan, document.id)
            prepared = desk.prepare(
                item,
                text,
                patient_signature=demo_signature(rng),
                provider_signature=demo_signature(rng),
                provider=provider,
                choices={},
                signed_at=datetime.combine(day, time(11, 0), UTC),
                record_id=desk.next_id(),
                settings=settings,
            )
            desk.save(prepared, item, demo=True)
        rules = Rules(
            plan.interval_weeks,
            catalog.protocol.min_interval_weeks,
            catalog.protocol.review_months,
            calendar,
        )
        zones = treated_zones(catalog, plan)
        charted: list[Charted] = []
        changes: list[Change] = []
        visits: list[int] = []
        made_changes: list[int] = []

        def state(plan=plan, rules=rules, charted=charted, changes=changes):
            return course(plan.sessions, plan.adjunct_visits, rules, adjuncts, charted, changes)

        with store.transaction():
            while True:
                upcoming = state().next_session()
                if upcoming is None or upcoming.day >= today:
                    break
                if story == "missed" and not any(c.kind is ChangeKind.MISSED for c in changes):
                    new_day = calendar.next_open_day(today + timedelta(days=2))
                    change = Change(
                        ChangeKind.MISSED,
                        upcoming.key,
                        upcoming.day,
                        new_day,
                        time(15, 30),
                        "Demo record: unwell, rang to rebook.",
                    )
                    changes.append(change)
                    made_changes.append(
                        insert_change(
                            store,
                            patient_id,
                            cid,
                            change,
                            provider,
                            created_at=_stamp(upcoming.day, 17),
                            demo=True,
                        )
                    )
                    continue
                treated = upcoming.day
                record = _record(catalog, rng, zones, provider, treated)
                assert not record_problems(catalog, record, treated, zones)
                visit = NewVisit(
                    patient_id,
                    cid,
                    Kind.SESSION,
                    treated,
                    upcoming.number,
                    dict(no),
                    provider,
                    VisitOutcome.TREATED,
                    record=record,
                    provider=provider,
                )
                visits.append(
                    insert_visit(
                        store,
                        visit,
                        final=True,
                        created_at=_stamp(treated),
                        signed_at=_stamp(treated, 11),
                        demo=True,
                    )
                )
                charted.append(Charted(Kind.SESSION, treated, upcoming.number))
            upcoming = state().next_session()
            if story == "moved_this_week" and upcoming is not None and upcoming.day == today:
                new_day = calendar.next_open_day(today + timedelta(days=2))
                change = Change(
                    ChangeKind.RESCHEDULE,
                    upcoming.key,
                    upcoming.day,
                    new_day,
                    time(9, 30),
                    "Demo record: asked to come on another day.",
                )
                changes.append(change)
                made_changes.append(
                    insert_change(
                        store,
                        patient_id,
                        cid,
                        change,
                        provider,
                        created_at=_stamp(today - timedelta(days=3)),
                        demo=True,
                    )
                )
            audit.seal(
                store.db,
                Action.SEED_DEMO,
                visits=visits,
                course_changes=made_changes,
                provider=store.provider,
                at=store.now(),
            )
        added += 1
    return added
