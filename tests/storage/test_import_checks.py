"""Imports and settings that cannot poison the records (issue 13): every record checked
against the catalog and the domain's rules, one plain message naming the first bad one by its
path, nothing imported; no input makes a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_helpers import CATALOG, NECK_LINES, consult_cli, consultation, patient, plan_for

from consult.storage import RecordStore
from consult.storage.errors import ExchangeError, StorageError
from consult.storage.exchange import export, import_json


@pytest.fixture
def exported(tmp_path):
    """A current export: two patients, a final, its amendment, a draft."""
    with RecordStore.open(tmp_path / "source.sqlite3", catalog=CATALOG) as store:
        c = consultation(patient())
        first = store.consultations.finalize(c, plan_for(c))
        changed = consultation(first.patient, areas=(*c.areas, NECK_LINES))
        store.consultations.amend(first.id, changed, plan_for(changed))
        other = store.patients.save(patient("Ана Иванова"))
        store.consultations.save_draft(consultation(other))
        path = export(store, tmp_path / "export.json")
    return json.loads(path.read_bytes())


def _import(tmp_path, data, raw: bytes | None = None):
    bad = tmp_path / "bad.json"
    bad.write_bytes(raw if raw is not None else json.dumps(data).encode())
    with RecordStore.open(tmp_path / "target.sqlite3", catalog=CATALOG) as store:
        before = store.health.counts()
        try:
            return import_json(store, bad)
        finally:
            after = store.health.counts()
            for kind in ("patients", "consultations"):
                assert after[kind] >= before[kind]  # an import only ever adds


def _final(data):
    return next(i for i, c in enumerate(data["consultations"]) if c["status"] == "final")


CASES = [
    (lambda d: d["patients"][0].update(fitzpatrick=9), "$.patients[0].fitzpatrick"),
    (lambda d: d["patients"][0].update(language="xx"), "$.patients[0].language"),
    (lambda d: d["patients"][0].update(date_of_birth="1850-01-01"), "$.patients[0].date_of_birth"),
    (lambda d: d["patients"][0].update(date_of_birth="2099-01-01"), "$.patients[0].date_of_birth"),
    (lambda d: d["patients"][1].update(name="Ana\u0000Evil"), "$.patients[1].name"),
    (
        lambda d: d["patients"][1].update(name=unicodedata.normalize("NFD", "Zoë Núñez")),
        "$.patients[1].name",
    ),
    (lambda d: d["patients"][0].update(name="x" * 501), "$.patients[0].name"),
    (
        lambda d: d["consultations"][_final(d)]["screening"][0].update(question="made_up"),
        "screening[0].question",
    ),
    (lambda d: d["consultations"][0]["areas"][0].update(area="tail"), "areas[0].area"),
    (lambda d: d["consultations"][0]["areas"][0].update(zones=["knee"]), "areas[0].zones[0]"),
    (
        lambda d: d["consultations"][0]["areas"][0]["concerns"][0].update(concern="hair_loss"),
        "areas[0].concerns[0].concern",
    ),
    (
        lambda d: d["consultations"][0]["areas"][0]["concerns"][0].update(severity="awful"),
        "areas[0].concerns[0].severity",
    ),
    (lambda d: d["consultations"][0].update(adjuncts=["botox"]), "adjuncts[0]"),
    (lambda d: d["consultations"][0].update(session_count=99), "session_count"),
    (lambda d: d["consultations"][0].update(date="2099-01-01"), ".date"),
    (lambda d: d["consultations"][0].update(provider=""), ".provider"),
    (lambda d: d.update(format_version=99), "newer version"),
    (lambda d: d["settings"].update(interval_weeks={"value": 1, "updated_at": None}), "interval"),
]


@pytest.mark.parametrize(("change", "place"), CASES)
def test_a_bad_record_is_named_and_nothing_is_imported(tmp_path, exported, change, place):
    change(exported)
    with pytest.raises(ExchangeError) as refused:
        _import(tmp_path, exported)
    message = refused.value.message
    assert place in message and "Nothing was imported" in message
    assert "Ана" not in message and "Zoë" not in message  # never what a record says
    with RecordStore.open(tmp_path / "target.sqlite3") as store:
        assert store.health.counts()["patients"] == 0


def test_a_revision_must_replace_a_final_of_the_same_patient(tmp_path, exported):
    revised = next(c for c in exported["consultations"] if c["revision_of"])
    revised["patient"] = exported["patients"][1]["uuid"]
    with pytest.raises(ExchangeError, match="revision_of names another patient's consultation"):
        _import(tmp_path, exported)
    draft = next(c for c in exported["consultations"] if c["status"] == "draft")
    revised["patient"] = draft["patient"]
    revised["revision_of"] = draft["uuid"]
    with pytest.raises(ExchangeError, match="revision_of names a draft"):
        _import(tmp_path, exported)


def test_a_byte_order_mark_is_accepted(tmp_path, exported):
    raw = b"\xef\xbb\xbf" + json.dumps(exported).encode()
    assert _import(tmp_path, exported, raw).patients_added == 2


def test_the_same_uuid_with_other_content_is_a_conflict(tmp_path, exported):
    assert _import(tmp_path, exported).patients_added == 2
    assert _import(tmp_path, exported).patients_added == 0  # the same again: already there
    exported["patients"][0]["phone"] = "+1 555 0100"
    with pytest.raises(ExchangeError, match="two different records under one uuid"):
        _import(tmp_path, exported)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"format": "consult-records", "format_version": 1, "patients": [{"fitzpatrick": 1'
        + b"0" * 5000
        + b"}]}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"format": "consult-records", "format_version": 1, "settings": {"name": '
        b'{"value": "\\ud800"}}}',
        b'{"format": "consult-records", "format_version": 1e999}',
        b"\x00" * 1000,
    ],
)
def test_hostile_bytes_are_refused_plainly(tmp_path, raw):
    with pytest.raises(ExchangeError):
        _import(tmp_path, {}, raw)


@pytest.mark.posix
def test_not_a_plain_file_is_refused_as_import_logo_or_records(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for source in (fifo, "/dev/zero"):
        result = consult_cli("--db", tmp_path / "r.sqlite3", "db", "import", source)
        assert result.returncode == 1 and "not a plain file" in result.stderr
        assert "Traceback" not in result.stderr
        opened = consult_cli("--db", source, "db", "check")
        assert opened.returncode == 1 and "Traceback" not in opened.stderr


def test_a_file_far_too_large_is_refused_without_reading_it(tmp_path, monkeypatch):
    from consult.storage import exchange

    monkeypatch.setattr(exchange, "MAX_IMPORT_BYTES", 1000)
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(2000)
    with (
        RecordStore.open(tmp_path / "r.sqlite3") as store,
        pytest.raises(ExchangeError, match="larger"),
    ):
        import_json(store, big)


# ------------------------------------------------------------------ settings


def test_bad_saved_settings_never_stop_the_app(tmp_path, catalog):
    from consult.app.clinic import Clinic

    path = tmp_path / "records.sqlite3"
    RecordStore.open(path, catalog=catalog).close()
    conn = sqlite3.connect(path)
    rows = {
        "interval_weeks": '"every other tuesday"',
        "holidays": '["not a date"]',
        "closed_weekdays": "[0, 1, 2, 3, 4, 5, 6]",
        "min_age": "1" + "0" * 5000,
        "name": "{not json",
        "paper_size": '"A3"',
    }
    conn.executemany(
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 'now')", rows.items()
    )
    conn.commit()
    conn.close()
    clinic = Clinic(catalog, path, tmp_path)
    try:
        settings = clinic.settings()
        assert settings.interval_weeks == catalog.protocol.interval_weeks  # the default
        assert settings.paper_size == "a4" and settings.holidays == frozenset()
        problems = " ".join(clinic.settings_problems())
        for key in ("interval weeks", "holidays", "closed weekdays", "min age", "paper size"):
            assert key in problems, key
    finally:
        clinic.close()


def test_a_logo_far_too_large_is_not_kept(tmp_path, catalog):
    from dataclasses import replace

    from consult.app.clinic import Clinic
    from consult.app.errors import UserFacingError

    big = tmp_path / "logo.png"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024**2)
    clinic = Clinic(catalog, tmp_path / "records.sqlite3", tmp_path)
    clinic.create_first_administrator("Dr Admin", "246810")
    try:
        with pytest.raises(UserFacingError, match="too large"):
            clinic.save_settings(replace(clinic.settings(), logo_path=str(big)), [])
    finally:
        clinic.close()


# ------------------------------------------------------------------ fuzz


def _mutations(data):
    """A strategy of one change to a real export: a value replaced anywhere in it."""
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((*path, key))
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                paths.append((*path, i))
                walk(value, (*path, i))

    walk(data, ())
    values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**30, max_value=10**40),
        st.floats(allow_nan=False),
        st.text(max_size=30),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    )
    return st.tuples(st.sampled_from(paths), values)


@pytest.mark.slow
def test_any_change_to_an_export_is_refused_cleanly_or_imported_whole(tmp_path, exported):
    text = json.dumps(exported)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(change=_mutations(exported), cut=st.integers(0, 40), mangle=st.booleans())
    def attempt(change, cut, mangle):
        data = json.loads(text)
        path, value = change
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        raw = json.dumps(data).encode()
        if mangle:
            raw = raw[: max(1, len(raw) - cut)]  # a file cut short
        folder = tmp_path / f"fuzz-{os.urandom(4).hex()}"
        folder.mkdir()
        db = folder / "records.sqlite3"
        source = folder / "in.json"
        source.write_bytes(raw)
        with RecordStore.open(db, catalog=CATALOG) as store:
            try:
                result = import_json(store, source)
            except StorageError:
                counts = store.health.counts()
                assert counts["patients"] == counts["consultations"] == 0  # nothing half-done
            else:
                assert store.health.check().healthy
                assert result.patients_added + result.patients_present == len(data["patients"])

    attempt()
