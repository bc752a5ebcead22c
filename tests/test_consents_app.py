"""Consent tasks (``clinic.consents``): signing keeps exactly what was shown whatever the
catalog says later; the PDF's hash and seal are checked; refusal, withdrawal and re-consent;
the question the session recording asks; ``consult consent`` and ``db seed-demo``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

import outside
import pytest

from consult.app.consents import ConsentDesk
from consult.app.errors import UserFacingError
from consult.domain.catalog import LocalText
from consult.domain.consent import Decision, Point, Signature
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
    Status,
)
from consult.domain.plan import build_plan

NAME = Signature(
    800, 240, (tuple(Point(x, 120 + (x % 50) - 25, 0.7, x) for x in range(80, 520, 10)),)
)


def finalize(clinic, catalog, adjuncts=("peel_mandelic",), name="Zoë O'Brien", lang="en"):
    patient = clinic.store.patients.save(Patient(name, date(1988, 2, 3), 3, lang))
    item = Consultation(
        patient=patient,
        provider="Dr Reyes",
        date=date(2026, 11, 20),
        screening={q.id: Answer.NO for q in catalog.questions},
        areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
        adjuncts=tuple(adjuncts),
        start_date=date(2026, 12, 1),
        status=Status.FINAL,
        catalog_version=catalog.version,
    )
    return clinic.store.consultations.finalize(item, build_plan(catalog, item))


def sign(clinic, item, document="microneedling", **extra):
    desk = clinic.consents
    text = desk.text(item, clinic.plan_for(item), document)
    choices = {b.ref: True for b in text.choices}
    return desk.sign(
        item, text, patient_signature=NAME, provider_signature=NAME, choices=choices, **extra
    )


def test_consent_needed_until_signed_for_treatment_and_peels(clinic, catalog):
    item = finalize(clinic, catalog)
    status = clinic.consents.may_record_session(item.id)
    assert not status.ok
    assert [(m.document, m.reason) for m in status.missing] == [
        ("microneedling", "not signed yet"),
        ("chemical_peel", "not signed yet"),
    ]
    sign(clinic, item)
    status = clinic.consents.may_record_session(item.id)
    assert [m.document for m in status.missing] == ["chemical_peel"]
    sign(clinic, item, "chemical_peel")
    assert clinic.consents.may_record_session(item.id).ok
    # The photo consent never holds treatment up.
    assert "photographs" not in clinic.consents.status(item).needed
    assert [d.id for d in clinic.consents.documents(item, clinic.plan_for(item))] == [
        "microneedling",
        "chemical_peel",
        "photographs",
    ]


def test_what_was_signed_never_follows_the_catalog(clinic, catalog, tmp_path):
    item = finalize(clinic, catalog, adjuncts=())
    signed = sign(clinic, item)
    pdf = clinic.consents.pdf(signed.id)
    # The catalog changes afterwards: a new wording, version 2, a correction only.
    document = catalog.consent("microneedling")
    first = document.sections[0]
    reworded = replace(
        document,
        version=2,
        material=False,
        sections=(
            replace(first, text=LocalText({"en": "New words.", "es": "Palabras nuevas."})),
            *document.sections[1:],
        ),
    )
    changed = replace(catalog, consents=(reworded, *catalog.consents[1:]))
    desk = ConsentDesk(changed, clinic.store, clinic.data_folder)
    kept = desk.store.consents.get(signed.id)
    assert kept.text == signed.text and "New words." not in kept.text.plain()
    assert desk.pdf(signed.id) == pdf
    assert desk.verify(signed.id).ok
    # A correction keeps the consent valid; a material change asks for a new signature.
    assert desk.status(item).ok
    material = replace(changed, consents=(replace(reworded, material=True), *changed.consents[1:]))
    status = ConsentDesk(material, clinic.store, clinic.data_folder).status(item)
    assert "changed the form materially" in status.missing[0].reason


def test_a_byte_changed_in_the_pdf_is_found(clinic, catalog, tmp_path):
    item = finalize(clinic, catalog, adjuncts=())
    signed = sign(clinic, item)
    report = clinic.consents.verify(signed.id)
    assert report.ok, report.lines
    assert "byte for byte" in report.summary() and "seal is intact" in report.summary()
    copy = clinic.consents.save_pdf(signed.id, tmp_path / "copy.pdf")
    assert clinic.consents.verify(signed.id, copy).ok
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / "changed.pdf").write_bytes(bytes(data))
    report = clinic.consents.verify(signed.id, tmp_path / "changed.pdf")
    assert not report.ok
    assert "is NOT the signed consent" in report.summary()
    # The same change made to the stored PDF (outside the app) is found too.
    outside.change(
        clinic.store,
        "UPDATE consents SET pdf = ? WHERE id = ?",
        [bytes(data), signed.id],
        drop=["consents_no_update ON consents"],
    )
    report = clinic.consents.verify(signed.id)
    assert not report.ok
    assert f"The stored PDF of consent {signed.id} is NOT the signed consent" in report.summary()
    assert "seal is broken" in report.summary()


def test_refusal_and_thinking_it_over_are_recorded_without_a_signature(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    desk = clinic.consents
    text = desk.text(item, clinic.plan_for(item), "microneedling")
    deferred = desk.decline(item, text, Decision.DEFERRED, note="Will call back.")
    assert deferred.patient_signature is None and not deferred.has_pdf
    assert "think about it" in desk.status(item).missing[0].reason
    desk.decline(item, text, Decision.REFUSED)
    assert "refused" in desk.status(item).missing[0].reason
    with pytest.raises(UserFacingError, match="no signed PDF"):
        desk.pdf(deferred.id)
    entries = clinic.store.audit.entries("consent", deferred.id)
    assert [e["detail"] for e in entries] == ["deferred microneedling v1"]


def test_withdrawal_is_a_new_record_and_stops_treatment(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    signed = sign(clinic, item)
    assert clinic.consents.status(item).ok
    taken_back = clinic.consents.withdraw(signed.id, note="Phoned to stop.")
    assert taken_back.withdraws == signed.id
    assert clinic.consents.store.consents.get(signed.id).decision is Decision.SIGNED
    assert "withdrawn on" in clinic.consents.status(item).missing[0].reason
    sign(clinic, item)  # signing again starts a new consent
    assert clinic.consents.status(item).ok


def test_re_consent_after_twelve_months_a_clinic_setting(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    sign(clinic, item)
    later = datetime(2099, 1, 1, tzinfo=UTC)
    status = clinic.consents.status(item, now=later)
    assert "more than 12 months ago" in status.missing[0].reason
    clinic.save_settings(ClinicSettings(consent_valid_months=1200 // 10), [])
    assert clinic.settings().consent_valid_months == 120
    signed_at = clinic.consents.history(item.patient.id)[0].signed_at
    in_ten_years = signed_at.replace(year=signed_at.year + 9)
    assert clinic.consents.status(item, now=in_ten_years).ok


def test_changed_health_answers_ask_for_a_new_signature(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    sign(clinic, item)
    changed = replace(item, screening=dict(item.screening) | {"cold_sores": Answer.YES})
    amended = clinic.store.consultations.amend(item.id, changed, build_plan(catalog, changed))
    status = clinic.consents.status(amended)
    assert "health answers were changed" in status.missing[0].reason


def test_the_signed_in_account_signs_for_the_clinic(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    me = clinic.session.name
    assert clinic.consents.signer(item) == me
    assert clinic.consents.signer(item, "Kofi Mensah, RN") == me  # no one else
    signed = sign(clinic, item, provider="Kofi Mensah, RN")
    assert signed.provider == me
    (entry,) = clinic.store.audit.entries("consent", signed.id)
    assert entry["provider"] == me
    # With no one signed in (records without accounts): the name chosen, else the
    # consultation's provider.
    desk = ConsentDesk(catalog, clinic.store, clinic.data_folder)
    assert desk.signer(item) == "Dr Reyes"
    assert desk.signer(item, "Kofi Mensah, RN") == "Kofi Mensah, RN"


def test_a_locked_screen_records_no_consent(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    text = clinic.consents.text(item, clinic.plan_for(item), "microneedling")
    clinic.session.locked = True
    with pytest.raises(UserFacingError, match="locked"):
        clinic.consents.decline(item, text, Decision.REFUSED)
    clinic.session.locked = False
    assert clinic.store.consents.count() == 0


def test_a_dot_is_not_a_signature(clinic, catalog):
    item = finalize(clinic, catalog, adjuncts=())
    text = clinic.consents.text(item, clinic.plan_for(item), "microneedling")
    dot = Signature(800, 240, ((Point(100, 100), Point(101, 101)),))
    with pytest.raises(UserFacingError, match="dot"):
        clinic.consents.sign(item, text, patient_signature=dot, provider_signature=NAME)
    assert clinic.store.consents.count() == 0


# ------------------------------------------------------------------ the command line


def consult(*args: str, data: os.PathLike) -> subprocess.CompletedProcess:
    env = os.environ.copy() | {"CONSULT_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "consult", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def test_seed_demo_signs_demo_consents_and_the_cli_lists_writes_and_verifies(tmp_path):
    data = tmp_path / "data"
    seeded = consult("db", "seed-demo", "--patients", "30", "--seed", "5", data=data)
    assert seeded.returncode == 0, seeded.stderr
    assert "demo consent records" in seeded.stdout
    conn = sqlite3.connect(data / "records.sqlite3")
    rows = conn.execute("SELECT id, patient_id, decision, demo FROM consents").fetchall()
    conn.close()
    assert rows and all(demo == 1 for *_, demo in rows)
    consent_id, patient_id, _, _ = next(r for r in rows if r[2] == "signed")
    listed = consult("consent", "list", patient_id, data=data)
    assert listed.returncode == 0, listed.stderr
    assert f"#{consent_id}" in listed.stdout and "[demo]" in listed.stdout
    out = tmp_path / "consent.pdf"
    written = consult("consent", "pdf", consent_id, "-o", out, data=data)
    assert written.returncode == 0, written.stderr
    assert out.read_bytes().startswith(b"%PDF")
    ok = consult("consent", "verify", consent_id, out, data=data)
    assert ok.returncode == 0 and "byte for byte" in ok.stdout
    data_bytes = bytearray(out.read_bytes())
    data_bytes[len(data_bytes) // 2] ^= 0x01
    out.write_bytes(bytes(data_bytes))
    bad = consult("consent", "verify", consent_id, out, data=data)
    assert bad.returncode == 1
    assert "is NOT the signed consent" in bad.stderr and "Traceback" not in bad.stderr
    missing = consult("consent", "pdf", 9999, "-o", tmp_path / "none.pdf", data=data)
    assert missing.returncode == 1 and "no consent with id 9999" in missing.stderr
    taken_back = consult("consent", "withdraw", consent_id, "--note", "By phone.", data=data)
    assert taken_back.returncode == 0, taken_back.stderr
    listed = consult("consent", "list", patient_id, data=data)
    assert f"withdrawn (withdraws {consent_id})" in listed.stdout
    assert consult("db", "verify", data=data).returncode == 0
