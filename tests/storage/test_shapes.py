"""One shape for records in files: every field through every path and back.

A consultation made of any catalog ids and any text goes through the records, the JSON export
and its import into another file, and comes back the same; a draft goes through its file and
comes back the same; files written by version 0.1.0 still read.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_helpers import CATALOG

from consult.app.draft import ConsultationDraft, PatientDraft
from consult.app.drafts import DraftStore, to_record
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Override,
    Patient,
    normalize_text,
)
from consult.domain.plan import build_plan
from consult.storage import RecordStore, shapes
from consult.storage.errors import ExchangeError
from consult.storage.exchange import export, import_json

FIXTURES = Path(__file__).with_name("fixtures")
TODAY = date(2026, 11, 26)
# Text as people type it: any script, markup, quotes; no control characters or surrogates.
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029"),
    max_size=40,
)
NAMES = TEXT.map(normalize_text).filter(bool)  # as the app saves names (NFC, trimmed)
EMAILS = st.just("") | st.emails()
DAYS = st.dates(date(1930, 1, 1), date(2008, 1, 1))


@st.composite
def areas(draw) -> tuple[AreaChoice, ...]:
    chosen = draw(st.lists(st.sampled_from(CATALOG.areas), min_size=1, max_size=3, unique_by=id))
    result = []
    for area in chosen:
        zones = draw(st.lists(st.sampled_from([z.id for z in area.zones] or ["-"]), unique=True))
        zones = [z for z in zones if z != "-"]
        if len(zones) == len(area.zones):
            zones = []  # every zone is the whole area: stored (and restored) as no zones
        concern_ids = draw(st.lists(st.sampled_from(list(area.concerns)), min_size=1, unique=True))
        concerns = []
        for concern_id in concern_ids:
            concern = CATALOG.concern(concern_id)
            severity = draw(st.sampled_from([None, *[s.id for s in concern.severities]]))
            kind = draw(st.sampled_from([None, *[k.id for k in concern.kinds]]))
            concerns.append(ConcernChoice(concern_id, severity, kind))
        result.append(AreaChoice(area.id, tuple(zones), tuple(concerns)))
    return tuple(result)


@st.composite
def consultations(draw) -> Consultation:
    patient = Patient(
        draw(NAMES),
        draw(DAYS),
        draw(st.integers(1, 6)),
        draw(st.sampled_from(CATALOG.languages)),
        draw(TEXT),
        draw(EMAILS),
    )
    answers = {q.id: Answer.NO for q in CATALOG.questions}
    reason = draw(st.none() | TEXT.filter(lambda t: len(t.strip()) >= 10))
    return Consultation(
        patient=patient,
        provider=draw(NAMES),
        date=TODAY - timedelta(days=draw(st.integers(0, 400))),
        screening=answers,
        areas=draw(areas()),
        adjuncts=tuple(
            draw(st.lists(st.sampled_from([a.id for a in CATALOG.adjuncts]), unique=True))
        ),
        override=Override(reason, draw(NAMES)) if reason else None,
        start_date=draw(st.none() | st.dates(TODAY, TODAY + timedelta(days=60))),
        session_count=None,
        notes=draw(TEXT),
        catalog_version=CATALOG.version,
    )


def _without_ids(c: Consultation) -> Consultation:
    return replace(c, id=None, revision_of=None, patient=replace(c.patient, id=None))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(consultations(), min_size=1, max_size=3), final=st.lists(st.booleans()))
def test_every_field_goes_through_the_records_export_and_import(tmp_path_factory, items, final):
    folder = tmp_path_factory.mktemp("roundtrip")
    with RecordStore.open(folder / "a.sqlite3", catalog=CATALOG) as source:
        for n, item in enumerate(items):
            if n < len(final) and final[n]:
                source.consultations.finalize(item, build_plan(CATALOG, item))
            else:
                source.consultations.save_draft(item)
        first = export(source, folder / "a.json")
        kept = sorted(map(_without_ids, source.records.every_consultation()), key=repr)
    with RecordStore.open(folder / "b.sqlite3", catalog=CATALOG) as target:
        import_json(target, first)
        again = export(target, folder / "b.json")
        assert sorted(map(_without_ids, target.records.every_consultation()), key=repr) == kept
    a, b = json.loads(first.read_bytes()), json.loads(again.read_bytes())
    for data in (a, b):
        del data["exported_at"]
    assert a == b


@settings(max_examples=40)
@given(item=consultations(), dob=st.none() | DAYS, skin=st.none() | st.integers(1, 6))
def test_every_field_of_a_draft_goes_through_its_file(tmp_path_factory, item, dob, skin):
    draft = ConsultationDraft(
        CATALOG,
        ClinicSettings(),
        TODAY,
        patient=replace(PatientDraft.of(item.patient), date_of_birth=dob, fitzpatrick=skin),
        provider=item.provider,
        answers=dict(item.screening),
        override_reason=item.override.reason if item.override else "",
        adjuncts=list(item.adjuncts),
        start_date=item.start_date,
        session_count=item.session_count,
        notes=item.notes,
    )
    for choice in item.areas:
        draft.areas[choice.area_id] = set(choice.zones)
        draft.concerns[choice.area_id] = {
            c.concern_id: (c.severity, c.kind) for c in choice.concerns
        }
    store = DraftStore(tmp_path_factory.mktemp("drafts"))
    store.save("k", draft)
    again = store.load("k").resume(CATALOG, ClinicSettings(), TODAY)
    # Every zone of an area chosen is the whole area: kept as such.
    assert again.area_choices() == draft.area_choices()
    assert to_record(again) == to_record(draft)
    assert again.patient == draft.patient and again.answers == draft.answers


def test_an_export_from_version_0_1_0_imports_whole(tmp_path):
    old = FIXTURES / "export-0.1.0.json"
    with RecordStore.open(tmp_path / "records.sqlite3", catalog=CATALOG) as store:
        result = import_json(store, old)
        assert (result.patients_added, result.consultations_added) == (12, 21)
        assert store.health.check().healthy
        again = export(store, tmp_path / "again.json")
    before, after = json.loads(old.read_bytes()), json.loads(again.read_bytes())
    for key in ("patients", "providers", "settings"):
        assert after[key] == before[key]
    assert len(after["consultations"]) == len(before["consultations"])
    for mine, theirs in zip(after["consultations"], before["consultations"], strict=True):
        assert mine.pop("clearance") is None  # format 2 adds it; no 0.1.0 record had one
        # Format 3 adds the booked times and an amendment's reason: none in 0.1.0.
        assert mine.pop("appointment_time") is None and mine.pop("times") == {}
        assert mine.pop("amend_reason") == ""
        for row in [
            *(mine["plan"] or {}).get("sessions", []),
            *(mine["plan"] or {}).get("adjunct_visits", []),
        ]:
            assert row.pop("time") is None
        assert mine == theirs  # the same fields and values; only their order may differ


def test_a_draft_from_version_0_1_0_reads(tmp_path):
    (tmp_path / "a1b2c3.draft.json").write_bytes((FIXTURES / "draft-0.1.0.json").read_bytes())
    draft = DraftStore(tmp_path).load("a1b2c3").resume(CATALOG, ClinicSettings(), TODAY)
    assert draft.patient.name == "Lê Thị Hồng"
    assert draft.patient.date_of_birth is None and draft.patient.fitzpatrick is None
    assert draft.answers == {"pregnancy": Answer.NO, "keloid": Answer.NOT_SURE}
    assert draft.concerns == {"face": {"acne_scars": ("moderate", None)}}


@pytest.mark.parametrize(
    ("change", "place", "what"),
    [
        (lambda d: d["patients"][2].pop("name"), "$.patients[2].name", "is missing"),
        (
            lambda d: d["patients"][0].update(fitzpatrick="IV"),
            "$.patients[0].fitzpatrick",
            "wrong type",
        ),
        (
            lambda d: d["consultations"][3]["areas"][0].update(area=7),
            "$.consultations[3].areas[0].area",
            "wrong type",
        ),
        (
            lambda d: d["consultations"][1]["screening"][0].update(answer="maybe"),
            "$.consultations[1].screening[0].answer",
            "wrong type or value",
        ),
        (
            lambda d: d["consultations"][0].update(sneaky=1),
            "$.consultations[0].sneaky",
            "not a field",
        ),
    ],
)
def test_a_wrong_field_is_named_by_its_path(tmp_path, change, place, what):
    data = json.loads((FIXTURES / "export-0.1.0.json").read_bytes())
    change(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with RecordStore.open(tmp_path / "records.sqlite3", catalog=CATALOG) as store:
        with pytest.raises(ExchangeError) as caught:
            import_json(store, bad)
        assert store.health.counts()["patients"] == 0
    assert f"{place} " in caught.value.message and what in caught.value.message


def test_where_names_the_path():
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.json.decode(b'{"area": "face", "zones": [1]}', type=shapes.Area)
    assert shapes.where(caught.value)[0] == "$.zones[0]"
