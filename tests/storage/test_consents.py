"""``store.consents``: a consent kept exactly as signed, never changed; withdrawal as a new
record; sealed like every record (a change outside the app shows); exported and imported
exactly; in every backup."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from storage_helpers import CATALOG, consultation, patient, plan_for

from consult.domain.consent import (
    ConsentEntry,
    Decision,
    Point,
    Signature,
    compose,
    screening_hash,
)
from consult.storage import RecordStore
from consult.storage.backup import backup_with_audit
from consult.storage.errors import ConflictError, ExchangeError
from consult.storage.exchange import export, import_json

SIGNED_AT = datetime(2026, 11, 26, 9, 45, tzinfo=UTC)
NAME = Signature(
    800,
    240,
    (tuple(Point(x, 120 + (x % 60) - 30, 0.6, x) for x in range(100, 500, 20)),),
)
PDF = b"%PDF-1.7\n% a signed consent, as the report layer would make it\n%%EOF\n"


def entry(item, document="microneedling", decision=Decision.SIGNED, **extra) -> ConsentEntry:
    plan = plan_for(item)
    text = compose(CATALOG, CATALOG.consent(document), item, plan, "en")
    choices = {b.ref: b.ref == "record" for b in text.choices}
    values = {
        "patient_id": item.patient.id,
        "consultation_id": item.id,
        "text": text,
        "decision": decision,
        "signed_at": SIGNED_AT,
        "patient_name": item.patient.name,
        "provider": "Dr Reyes",
        "screening_hash": screening_hash(item),
        "choices": choices if decision is Decision.SIGNED else {},
    }
    if decision is Decision.SIGNED:
        values |= {
            "patient_signature": NAME,
            "patient_png": b"\x89PNG patient",
            "provider_signature": NAME,
            "provider_png": b"\x89PNG provider",
            "pdf": PDF,
        }
    return ConsentEntry(**(values | extra))


@pytest.fixture
def final(repo):
    c = consultation(patient())
    return repo.consultations.finalize(c, plan_for(c))


def test_a_signed_consent_is_kept_exactly(repo, final):
    wanted = entry(final)
    saved = repo.consents.add(wanted)
    assert saved.id == 1 and saved.decision is Decision.SIGNED
    assert saved.text == wanted.text
    assert saved.text_hash == hashlib.sha256(wanted.text.to_json().encode()).hexdigest()
    assert saved.pdf_sha256 == hashlib.sha256(PDF).hexdigest()
    assert repo.consents.pdf(saved.id) == PDF
    assert saved.patient_signature == NAME and saved.patient_png == b"\x89PNG patient"
    assert saved.signed_at == SIGNED_AT and saved.provider == "Dr Reyes"
    assert saved.choices == {}  # the treatment form has no choices; photographs do
    (audited,) = repo.audit.entries("consent", saved.id)
    assert audited["action"] == "sign" and audited["detail"] == "signed microneedling v1"
    assert audited["content_hash"]
    assert final.patient.name not in json.dumps(audited)
    assert repo.audit.verify().intact


def test_the_database_refuses_to_change_or_delete_a_consent(repo, final, db_path):
    repo.consents.add(entry(final))
    conn = sqlite3.connect(db_path)
    for statement in (
        "UPDATE consents SET text = 'other words' WHERE id = 1",
        "UPDATE consents SET decision = 'refused' WHERE id = 1",
        "DELETE FROM consents WHERE id = 1",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="a consent cannot be"):
            conn.execute(statement)
    conn.close()


def test_refusal_deferral_and_withdrawal_are_records_too(repo, final):
    refused = repo.consents.add(entry(final, decision=Decision.REFUSED))
    assert refused.patient_signature is None and not refused.has_pdf
    later = replace(entry(final), signed_at=datetime(2026, 11, 27, tzinfo=UTC))
    signed = repo.consents.add(later)
    taken_back = repo.consents.add(
        entry(
            final,
            decision=Decision.WITHDRAWN,
            withdraws=signed.id,
            signed_at=datetime(2026, 12, 2, tzinfo=UTC),
            note="Phoned the clinic to stop treatment.",
        )
    )
    assert taken_back.withdraws == signed.id
    assert repo.consents.get(signed.id).withdrawn_by == taken_back.id
    with pytest.raises(ConflictError, match="already withdrawn"):
        repo.consents.add(entry(final, decision=Decision.WITHDRAWN, withdraws=signed.id))
    with pytest.raises(ConflictError, match="was not signed"):
        repo.consents.add(entry(final, decision=Decision.WITHDRAWN, withdraws=refused.id))
    decisions = [c.decision for c in repo.consents.for_patient(final.patient.id)]
    assert decisions == [Decision.REFUSED, Decision.SIGNED, Decision.WITHDRAWN]


def test_incomplete_consents_are_refused(repo, final):
    with pytest.raises(ConflictError, match="patient's signature"):
        repo.consents.add(entry(final, patient_signature=Signature(800, 240)))
    with pytest.raises(ConflictError, match="signed PDF is missing"):
        repo.consents.add(entry(final, pdf=None))
    with pytest.raises(ConflictError, match="keeps no signature"):
        repo.consents.add(entry(final, decision=Decision.REFUSED, pdf=PDF))
    draft = repo.consultations.save_draft(consultation(final.patient))
    with pytest.raises(ConflictError, match="is a draft"):
        repo.consents.add(entry(replace(draft, patient=final.patient)))
    assert repo.consents.count() == 0


def test_a_reserved_id_taken_meanwhile_is_refused(repo, final, db_path):
    reserved = repo.consents.next_id()
    with RecordStore.open(db_path, catalog=CATALOG) as other:
        other.consents.add(entry(final))
    with pytest.raises(ConflictError, match="taken meanwhile"):
        repo.consents.add(entry(final), record_id=reserved)
    assert repo.consents.add(entry(final), record_id=repo.consents.next_id()).id == 2


def test_consents_follow_the_consultations_revisions(repo, final):
    first = repo.consents.add(entry(final))
    amended = repo.consultations.amend(final.id, final, plan_for(final))
    assert [c.id for c in repo.consents.for_consultation(amended.id)] == [first.id]
    assert [c.id for c in repo.consents.for_consultation(final.id)] == [first.id]


# ------------------------------------------------------------------ changed outside the app


def tamper(path, *statements):
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consents SET text = replace(text, 'Risks', 'Notes')",
        "UPDATE consents SET signed_at = '2026-11-20T09:45:00.000000+00:00'",
        "UPDATE consents SET pdf = CAST(replace(CAST(pdf AS TEXT), 'signed', 'Signed') AS BLOB)",
        "UPDATE consents SET patient_png = x'00'",
        "UPDATE consents SET decision = 'refused', patient_strokes = NULL, "
        "provider_strokes = NULL, pdf = NULL, pdf_sha256 = NULL",
    ],
)
def test_a_consent_changed_outside_the_app_is_named(tmp_path, statement):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, catalog=CATALOG) as store:
        c = consultation(patient())
        final = store.consultations.finalize(c, plan_for(c))
        store.consents.add(entry(final))
    tamper(path, statement)
    with RecordStore.open(path, readonly=True, verify=False) as store:
        report = store.audit.verify()
    assert not report.intact
    assert any("consent 1" in p and "changed outside the app" in p for p in report.problems)


def test_a_consent_added_outside_the_app_is_named(tmp_path):
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, catalog=CATALOG) as store:
        c = consultation(patient())
        final = store.consultations.finalize(c, plan_for(c))
        store.consents.add(entry(final))
    tamper(
        path,
        "INSERT INTO consents (uuid, patient_id, consultation_id, document, version, "
        "document_hash, language, decision, text, text_hash, patient_name, provider, signed_at, "
        "created_at) SELECT 'x', patient_id, consultation_id, document, version, document_hash, "
        "language, 'refused', text, text_hash, patient_name, provider, signed_at, created_at "
        "FROM consents WHERE id = 1",
    )
    with RecordStore.open(path, readonly=True, verify=False) as store:
        problems = store.audit.verify().problems
    assert any("consent 2" in p and "added outside the app" in p for p in problems)


# ------------------------------------------------------------------ export, import, backup


@pytest.fixture
def consented(repo, final):
    signed = repo.consents.add(entry(final))
    repo.consents.add(entry(final, document="photographs"))
    repo.consents.add(
        entry(final, decision=Decision.WITHDRAWN, withdraws=signed.id, note="By phone.")
    )
    return repo


def test_consents_round_trip_exactly(consented, tmp_path):
    repo = consented
    first = export(repo, tmp_path / "a.json")
    data = json.loads(first.read_text())
    assert data["format_version"] == 6 and len(data["consents"]) == 3
    with RecordStore.open(tmp_path / "other.sqlite3", catalog=CATALOG) as other:
        result = import_json(other, first)
        assert result.consents_added == 3
        second = export(other, tmp_path / "b.json")
        report = other.audit.verify()
        assert report.intact, report.problems

        def by_uuid(store):
            found = store.consents.for_patient(1)
            uuids = {c.id: c.uuid for c in found}
            return {
                c.uuid: replace(
                    c,
                    id=0,
                    withdraws=uuids.get(c.withdraws),
                    withdrawn_by=uuids.get(c.withdrawn_by),
                )
                for c in found
            }

        assert by_uuid(other) == by_uuid(repo)
        assert {other.consents.pdf(i) for i in (1, 2, 3)} == {PDF, None}
        assert import_json(other, first).consents_added == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    a.pop("exported_at"), b.pop("exported_at")
    assert a == b


def test_an_export_whose_consent_was_changed_is_refused(consented, tmp_path):
    exported = export(consented, tmp_path / "a.json")
    data = json.loads(exported.read_text())
    (n,) = [i for i, c in enumerate(data["consents"]) if "Risks" in c["text"]][:1]
    data["consents"][n]["text"] = data["consents"][n]["text"].replace("Risks", "Notes")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    with RecordStore.open(tmp_path / "other.sqlite3", catalog=CATALOG) as other:
        with pytest.raises(ExchangeError, match=rf"consents\[{n}\]\.text"):
            import_json(other, changed)
        assert other.health.counts()["patients"] == 0


def test_the_csv_export_lists_consents(consented, tmp_path):
    folder = export(consented, tmp_path / "csv", "csv")
    rows = (folder / "consents.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("uuid,patient,consultation,document,version")
    assert len(rows) == 4


def test_a_backup_holds_the_consents_and_verifies(consented, tmp_path):
    copy = backup_with_audit(consented, tmp_path / "backup.sqlite3")
    with RecordStore.open(copy, readonly=True) as store:
        assert store.consents.count() == 3
        assert store.consents.pdf(1) == PDF
        assert store.audit.verify().intact
