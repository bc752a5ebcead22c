"""Roles, checked by the application layer on every task: what each role may do, what no one
may do while the screen is locked or before signing in, and who the trail then names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import photo_samples as samples
import pytest
from photo_helpers import photo_consent
from signin_helpers import TEST_ADMIN, TEST_SECRET

from consult.app.clinic import AccessDenied, Clinic, UserFacingError
from consult.domain.access import ROLE_PERMISSIONS, Permission, Role
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.photos import Visit
from consult.domain.plan import build_plan
from consult.storage.audit import AuditQuery
from consult.storage.database import resolve
from consult.system.folders import data_dir

TODAY = date(2026, 11, 26)


@pytest.fixture
def ready(clinic, tmp_path):
    """A clinic with a finished consultation, and a provider and an assistant besides its
    administrator."""
    clinic.add_account("Dr Reyes", Role.PROVIDER, TEST_SECRET)
    clinic.add_account("Ben Assistant", Role.ASSISTANT, TEST_SECRET)
    catalog = clinic.catalog
    patient = clinic.store.patients.save(Patient("Zoë O'Brien", date(1990, 5, 17), 3, "en"))
    item = Consultation(
        patient=patient,
        provider="Dr Ana Reyes",
        date=TODAY,
        screening={q.id: Answer.NO for q in catalog.questions},
        areas=(AreaChoice("neck", (), (ConcernChoice("fine_lines", "moderate"),)),),
        start_date=date(2026, 12, 1),
        status=Status.FINAL,
        catalog_version=catalog.version,
    )
    saved = clinic.store.consultations.finalize(item, build_plan(catalog, item))
    photo_consent(clinic.store, catalog, saved)
    picture = samples.write(tmp_path / "face.jpg", samples.encoded(samples.face().image, "JPEG"))
    clinic.photos.import_files(
        patient.id, [picture], visit=Visit.parse("baseline"), area_id="neck", view_id="neck_front"
    )
    return clinic, saved, tmp_path


def _photos_folder(c, t):
    folder = t / f"photos-{_who(c)}"
    folder.mkdir(exist_ok=True)
    return folder


def _who(clinic) -> str:
    return clinic.session.name if clinic.session else "nobody"


def amendment_with_reason(clinic, saved):
    """An amendment of ``saved`` with the reason every amendment is saved with."""
    draft = clinic.amendment_of(saved, TODAY)
    draft.amend_reason = "The patient asked for other dates."
    return draft


# Each task the window or the command line asks of the clinic, and what it needs.
TASKS = {
    "search": (Permission.VIEW_PATIENTS, lambda c, s, t: c.search("zoe")),
    "patient page": (Permission.VIEW_PATIENTS, lambda c, s, t: c.patient_page(s.patient.id)),
    "find patients": (Permission.VIEW_PATIENTS, lambda c, s, t: c.find_patients("zoe")),
    "plan": (Permission.VIEW_PATIENTS, lambda c, s, t: c.plan_for(s)),
    "new consultation": (Permission.CONSULT, lambda c, s, t: c.new_draft(TODAY)),
    "clearance": (
        Permission.CONSULT,
        lambda c, s, t: c.clearance_start(s, c.plan_for(s), TODAY),
    ),
    "amend": (Permission.CONSULT, lambda c, s, t: c.amendment_of(s, TODAY)),
    "finalize": (Permission.CONSULT, lambda c, s, t: c.finalize(amendment_with_reason(c, s))),
    "render plan": (
        Permission.PRINT_PLAN,
        lambda c, s, t: c.render(s, c.plan_for(s), c.settings()),
    ),
    "print (audit)": (Permission.PRINT_PLAN, lambda c, s, t: c.audit("print", s)),
    "save plan": (
        Permission.PRINT_PLAN,
        lambda c, s, t: c.save_pdf(b"%PDF-1.4 test", t / f"plan-{_who(c)}.pdf"),
    ),
    "photo gallery": (Permission.PHOTOS, lambda c, s, t: c.photos.gallery(s.patient.id)),
    "take a photo": (
        Permission.PHOTOS,
        lambda c, s, t: c.photos.import_files(
            s.patient.id,
            [t / "face.jpg"],
            visit=Visit.parse("session-1"),
            area_id="neck",
            view_id="neck_front",
        ),
    ),
    "delete a photo": (
        Permission.DELETE_PHOTO,
        lambda c, s, t: c.photos.delete(1, "Taken of the wrong patient."),
    ),
    "export photos": (
        Permission.EXPORT_PHOTOS,
        lambda c, s, t: c.photos.export(s.patient.id, _photos_folder(c, t)),
    ),
    "who has seen": (Permission.PATIENT_AUDIT, lambda c, s, t: c.who_has_seen(s.patient.id)),
    "today": (Permission.VIEW_PATIENTS, lambda c, s, t: c.today_list(TODAY)),
    "start a visit": (Permission.CHECK_IN, lambda c, s, t: c.course.start_visit(s, TODAY)),
    "reschedule": (
        Permission.SCHEDULE,
        lambda c, s, t: c.course.cancel(s, "session-4", "test of who may"),
    ),
    "lot recall": (Permission.RECALL, lambda c, s, t: c.course.lots("SP-1")),
    "calendar file": (
        Permission.PRINT_PLAN,
        lambda c, s, t: c.course.calendar([c.course.view(s)], datetime.now(UTC)),
    ),
    "settings": (
        Permission.SETTINGS,
        lambda c, s, t: c.save_settings(ClinicSettings(name="Clinic"), c.providers()),
    ),
    "accounts": (Permission.ACCOUNTS, lambda c, s, t: c.accounts()),
    "add account": (
        Permission.ACCOUNTS,
        lambda c, s, t: c.add_account(f"New {_who(c)}", Role.ASSISTANT, TEST_SECRET),
    ),
    "audit trail": (Permission.AUDIT, lambda c, s, t: c.audit_entries(AuditQuery())),
    "audit check": (Permission.AUDIT, lambda c, s, t: c.verify_audit()),
    "audit export": (
        Permission.AUDIT,
        lambda c, s, t: c.export_audit([], t / f"audit-{_who(c)}.csv", replace=False),
    ),
}


def test_every_permission_is_checked_by_some_task():
    checked = {permission for permission, _task in TASKS.values()}
    # Back up, restore, exchange and encryption are the command line's (tests/test_cli_access).
    assert checked | {
        Permission.BACKUP,
        Permission.RESTORE,
        Permission.EXCHANGE,
        Permission.ENCRYPTION,
    } == set(Permission)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("task", sorted(TASKS))
def test_each_role_may_do_what_its_permissions_say(ready, role, task):
    clinic, saved, tmp_path = ready
    name = {Role.ADMINISTRATOR: TEST_ADMIN, Role.PROVIDER: "Dr Reyes"}.get(role, "Ben Assistant")
    clinic.sign_in(name, TEST_SECRET)
    assert clinic.session.role is role
    permission, run = TASKS[task]
    if permission in ROLE_PERMISSIONS[role]:
        run(clinic, saved, tmp_path)
    else:
        with pytest.raises(AccessDenied, match=f"may not {permission.label}"):
            run(clinic, saved, tmp_path)


def test_roles_as_the_issue_states_them():
    assistant, provider = ROLE_PERMISSIONS[Role.ASSISTANT], ROLE_PERMISSIONS[Role.PROVIDER]
    assert Permission.CONSULT not in assistant  # never finishes or amends a plan
    assert Permission.VIEW_PATIENTS in assistant
    for only_administrators in (
        Permission.SETTINGS,
        Permission.ACCOUNTS,
        Permission.RESTORE,
        Permission.AUDIT,
    ):
        assert only_administrators not in provider and only_administrators not in assistant


@pytest.mark.parametrize("task", sorted(TASKS))
def test_nothing_is_allowed_while_locked_or_signed_out(ready, task):
    clinic, saved, tmp_path = ready
    _permission, run = TASKS[task]
    clinic.lock("Ctrl+L")
    with pytest.raises(AccessDenied, match="locked"):
        run(clinic, saved, tmp_path)
    clinic.sign_out()
    with pytest.raises(AccessDenied, match="Sign in first"):
        run(clinic, saved, tmp_path)


def test_unlocking_is_the_same_session_and_is_audited(ready):
    clinic, _saved, _tmp = ready
    session = clinic.session
    clinic.lock("idle 5 minutes")
    with pytest.raises(UserFacingError, match="do not match"):
        clinic.sign_in(TEST_ADMIN, "wrong-pin")
    assert clinic.session.locked
    again = clinic.sign_in(TEST_ADMIN, TEST_SECRET)
    assert again is session and not again.locked
    actions = [
        (e.action, e.provider, e.detail)
        for e in clinic.audit_entries(AuditQuery(account=TEST_ADMIN, limit=3)).entries
    ]
    assert actions == [
        ("unlock", TEST_ADMIN, ""),
        ("sign-in-failed", TEST_ADMIN, "wrong secret (1 in a row)"),
        ("lock", TEST_ADMIN, "idle 5 minutes"),
    ]


def test_another_account_at_the_locked_screen_ends_the_first_session(ready):
    clinic, saved, _tmp = ready
    clinic.patient_page(saved.patient.id)
    clinic.lock("Ctrl+L")
    clinic.sign_in("Dr Reyes", TEST_SECRET)
    assert clinic.session.name == "Dr Reyes" and not clinic.session.locked
    clinic.patient_page(saved.patient.id)  # a view of its own, under its own name
    clinic.sign_in(TEST_ADMIN, TEST_SECRET)
    seen = clinic.who_has_seen(saved.patient.id)
    views = [(e.action, e.record_type, e.provider) for e in seen if e.action == "view"]
    assert views == [("view", "patient", "Dr Reyes"), ("view", "patient", TEST_ADMIN)]
    signed_out = clinic.audit_entries(AuditQuery(action="sign-out")).entries
    assert [(e.provider, e.detail) for e in signed_out] == [
        ("Dr Reyes", "another account signed in"),
        (TEST_ADMIN, "another account signed in"),
    ]


def test_the_trail_names_the_signed_in_account_not_the_typed_provider(ready):
    clinic, saved, _tmp = ready
    clinic.sign_in("Dr Reyes", TEST_SECRET)
    draft = amendment_with_reason(clinic, saved)
    draft.provider = "Somebody typed this"
    amended = clinic.finalize(draft)
    assert amended.provider == "Somebody typed this"  # the consultation keeps what was typed
    clinic.audit("print", amended)
    (amend, printed) = [
        e
        for e in clinic.store.audit.entries("consultation", amended.id)
        if e["action"] in ("amend", "print")
    ]
    assert amend["provider"] == printed["provider"] == "Dr Reyes"


def test_a_new_consultation_names_the_signed_in_provider(ready):
    clinic, _saved, _tmp = ready
    assert clinic.new_draft(TODAY).provider == TEST_ADMIN
    clinic.sign_in("Dr Reyes", TEST_SECRET)
    assert clinic.new_draft(TODAY).provider == "Dr Reyes"


def test_the_first_administrator_is_made_once(catalog):
    clinic = Clinic(catalog, resolve(None), data_dir())
    try:
        assert clinic.needs_first_administrator()
        with pytest.raises(AccessDenied, match="Sign in first"):
            clinic.search("")
        session = clinic.create_first_administrator("Dr First", TEST_SECRET)
        assert session.role is Role.ADMINISTRATOR and clinic.session is session
        assert not clinic.needs_first_administrator()
        with pytest.raises(UserFacingError, match="already created"):
            clinic.create_first_administrator("Dr Second", TEST_SECRET)
        assert clinic.account_names() == ["Dr First"]
    finally:
        clinic.close()


def test_an_administrator_cannot_disable_themself(clinic):
    with pytest.raises(UserFacingError, match="signed in with"):
        clinic.set_account_active(TEST_ADMIN, False)


def test_patient_views_are_audited_once_a_session(ready):
    clinic, saved, _tmp = ready
    for _ in range(3):
        clinic.patient_page(saved.patient.id)
    views = [e for e in clinic.who_has_seen(saved.patient.id) if e.action == "view"]
    assert len(views) == 1
    clinic.lock("Ctrl+L")
    clinic.sign_in(TEST_ADMIN, TEST_SECRET)  # the same session: seen already
    clinic.patient_page(saved.patient.id)
    assert len([e for e in clinic.who_has_seen(saved.patient.id) if e.action == "view"]) == 1


def test_who_has_seen_lists_only_that_patient(ready):
    clinic, saved, _tmp = ready
    other = clinic.store.patients.save(Patient("Kim Other", date(1980, 1, 2), 3, "en"))
    clinic.patient_page(other.id)
    seen = clinic.who_has_seen(saved.patient.id)
    assert {e.record_type for e in seen} == {"patient", "consultation", "photo"}
    assert all((e.record_type, e.record_id) != ("patient", other.id) for e in seen), (
        "another patient's view is listed"
    )
    assert [e.action for e in reversed(seen)][:2] == ["create", "finalize"]
