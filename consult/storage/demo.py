"""Demo records: realistic patients and consultations for trying the app and for benchmarks.

Names come from many scripts and naming customs (Latin with diacritics, Vietnamese, Greek,
Cyrillic, Chinese, Japanese, Korean, Arabic, Hebrew, Devanagari). Consultations use the real
catalog and ``consult.domain.plan.build_plan``: varied areas, zones, concerns, adjuncts,
screening answers (a few cautions, clearances, overrides and letters instead of plans),
drafts, finals and amendments, dated from two years ago to today, so plans reach into the
coming months.

Every demo patient and consultation is marked ``demo = 1``; phone numbers are from ranges
reserved for fiction and e-mail addresses use the example.* domains.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from consult.domain.adjuncts import all_eligibility
from consult.domain.catalog import Catalog
from consult.domain.model import (
    Answer,
    AreaChoice,
    Clearance,
    ConcernChoice,
    Consultation,
    Outcome,
    Override,
    Patient,
)
from consult.domain.plan import build_plan
from consult.domain.screening import flagged
from consult.storage import audit
from consult.storage.audit import Action
from consult.storage.rows import (
    insert_consultation,
    mark_final,
    plan_fields,
    write_parts,
    write_patient,
    write_plan,
)
from consult.storage.store import RecordStore

PROVIDERS = ("Dr Ana Reyes", "Kofi Mensah, RN", "Mei Lin (aesthetician)", "Dr Jonas Weber")
CHUNK = 250


@dataclass(frozen=True)
class Culture:
    """How people of one naming custom are written."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    compose: Callable[[random.Random, str, str], str]
    language: str = "en"
    skin: tuple[int, ...] = (1, 2, 3, 4)
    weight: int = 1


def _western(rng: random.Random, given: str, family: str) -> str:
    return f"{given} {family}"


def _east_asian_spaced(rng: random.Random, given: str, family: str) -> str:
    return f"{family} {given}"


def _east_asian_joined(rng: random.Random, given: str, family: str) -> str:
    return f"{family}{given}"


def _vietnamese(rng: random.Random, given: str, family: str) -> str:
    middle = rng.choice(("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Đức", "Thu"))
    return f"{family} {middle} {given}"


def _spanish(rng: random.Random, given: str, family: str) -> str:
    second = rng.choice(CULTURES[0].family)
    return f"{given} {family} {second}" if rng.random() < 0.7 else f"{given} {family}"


CULTURES: tuple[Culture, ...] = (
    Culture(
        (
            "José",
            "María",
            "Lucía",
            "Álvaro",
            "Inés",
            "Sofía",
            "Martín",
            "Begoña",
            "Íñigo",
            "Ramón",
            "Ángela",
            "Nuria",
            "Jesús",
            "Aitana",
        ),
        (
            "García",
            "Martínez",
            "Núñez",
            "Peña",
            "Ibáñez",
            "Gómez",
            "Muñoz",
            "Rodríguez",
            "Sánchez",
            "Fernández",
            "Ordóñez",
            "Calderón",
        ),
        _spanish,
        "es",
        (2, 3, 4),
        4,
    ),
    Culture(
        ("João", "Conceição", "Gonçalo", "Inês", "Luís", "Mónica"),
        ("Magalhães", "Gonçalves", "Araújo", "Simões", "Guimarães", "Brandão"),
        _western,
        "es",
        (2, 3, 4, 5),
    ),
    Culture(
        ("Zoë", "Hélène", "François", "Éloïse", "Gaëlle", "Jérôme", "Anaïs", "Noël"),
        ("Lefèvre", "Dubois", "Bérenger", "Lemaître", "Girard", "Rousseau", "Benoît"),
        _western,
        "en",
        (1, 2, 3),
        2,
    ),
    Culture(
        ("Jürgen", "Käthe", "Jörg", "Lüdiger", "Ännchen", "Sören"),
        ("Müller", "Groß", "Schäfer", "Weiß", "Köhler", "Schröder", "Bäcker"),
        _western,
        "en",
        (1, 2, 3),
    ),
    Culture(
        ("Łukasz", "Małgorzata", "Paweł", "Zofia", "Grzegorz", "Agnieszka", "Wojciech"),
        ("Łukasiewicz", "Wiśniewska", "Wójcik", "Kowalczyk", "Żółkiewski", "Dąbrowska"),
        _western,
        "en",
        (1, 2, 3),
    ),
    Culture(
        ("Jiří", "Kateřina", "Tomáš", "Růžena", "Přemysl"),
        ("Dvořák", "Novotná", "Černý", "Procházková", "Kučera"),
        _western,
        "en",
        (1, 2, 3),
    ),
    Culture(
        ("Çağla", "Şükrü", "Gökhan", "Ayşe", "İbrahim", "Gülşen"),
        ("Yılmaz", "Öztürk", "Çelik", "Doğan", "Aydın", "Şahin"),
        _western,
        "en",
        (2, 3, 4),
    ),
    Culture(
        ("Søren", "Åsa", "Bjørn", "Sigríður", "Þórunn", "Ægir", "Mette"),
        ("Sørensen", "Ødegård", "Åkesson", "Jónsdóttir", "Þórsson", "Hæstad"),
        _western,
        "en",
        (1, 2),
    ),
    Culture(
        ("Siobhán", "Seán", "Niamh", "Aoife", "Pádraig", "Róisín"),
        ("O'Brien", "Ní Bhriain", "MacCárthaigh", "O'Connor-Smyth", "Ó Súilleabháin"),
        _western,
        "en",
        (1, 2),
    ),
    Culture(
        ("Đorđe", "Dragana", "Željko", "Snežana", "Goran"),
        ("Đoković", "Petrović", "Kovačević", "Šimić", "Živković"),
        _western,
        "en",
        (2, 3),
    ),
    Culture(
        ("Anh", "Thư", "Dũng", "Phương", "Quỳnh", "Hương", "Tuấn", "Ngọc Ánh"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"),
        _vietnamese,
        "en",
        (3, 4),
        2,
    ),
    Culture(
        ("Γιώργος", "Ελένη", "Δημήτρης", "Αικατερίνη", "Νίκος", "Σοφία", "Άννα"),
        ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Παπαγεωργίου", "Αθανασίου", "Καραγιάννη"),
        _western,
        "en",
        (2, 3, 4),
    ),
    Culture(
        ("Алексей", "Наталья", "Ольга", "Дмитрий", "Юлия", "Олена", "Андрій", "Євгенія"),
        ("Иванова", "Смирнов", "Кузнецова", "Соколов", "Шевченко", "Коваленко", "Ёлкина"),
        _western,
        "en",
        (1, 2, 3),
        2,
    ),
    Culture(
        ("Ђорђе", "Јелена", "Милица", "Љубомир"),
        ("Јовановић", "Николић", "Ђурић", "Љубичић"),
        _western,
        "en",
        (2, 3),
    ),
    Culture(
        ("秀英", "伟", "芳", "娜", "敏", "静", "磊", "洋", "婷", "欣怡", "子轩", "梓涵"),
        ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "欧阳"),
        _east_asian_joined,
        "en",
        (2, 3, 4),
        2,
    ),
    Culture(
        ("花子", "陽菜", "結衣", "翔太", "大翔", "さくら", "美咲", "蓮", "ゆうと"),
        ("佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村", "小林"),
        _east_asian_spaced,
        "en",
        (2, 3, 4),
        2,
    ),
    Culture(
        ("민준", "서연", "지우", "하은", "도윤", "수빈", "예준", "지민"),
        ("김", "이", "박", "최", "정", "강", "조", "윤"),
        _east_asian_joined,
        "en",
        (2, 3, 4),
        2,
    ),
    Culture(
        ("محمد", "فاطمة", "أحمد", "مريم", "يوسف", "ليلى", "نور", "عمر"),
        ("العلي", "الحسن", "الخطيب", "المصري", "حداد", "الشامي"),
        _western,
        "en",
        (3, 4, 5),
        2,
    ),
    Culture(
        ("נועה", "יוסף", "שרה", "דוד", "מיכל", "אבי", "תמר"),
        ("כהן", "לוי", "מזרחי", "פרץ", "ביטון", "אברהם"),
        _western,
        "en",
        (2, 3, 4),
    ),
    Culture(
        ("प्रिया", "राहुल", "अनीता", "विकास", "स्नेहा"),
        ("शर्मा", "वर्मा", "पटेल", "सिंह", "गुप्ता"),
        _western,
        "en",
        (3, 4, 5),
    ),
    Culture(
        ("Amara", "Chinedu", "Ngozi", "Kwame", "Abena", "Tèmítọ́pẹ́"),
        ("Okafor", "Mensah", "Adébáyọ̀", "Boateng", "Nwosu"),
        _western,
        "en",
        (4, 5, 6),
        2,
    ),
)
_WEIGHTS = [c.weight for c in CULTURES]
NOTES = (
    "",
    "",
    "Demo record. Prefers morning appointments.",
    "Demo record. Sensitive skin; patch test done.",
    "Demo record. Would like the plan in writing for their partner.",
    "Demo record. Travels in summer: start after the holidays.",
)


def _phone(rng: random.Random) -> str:
    # Ranges set aside for drama and fiction: nobody can be reached on these numbers.
    kind = rng.randrange(3)
    if kind == 0:
        return f"+44 7700 900{rng.randrange(1000):03d}"
    if kind == 1:
        return f"+1 (555) 01{rng.randrange(100):02d}"
    return f"+61 491 570 {rng.choice((6, 156, 157, 158, 159, 110, 313, 737, 938)):03d}"


def _email(rng: random.Random, name: str) -> str:
    ascii_name = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", name.lower())
        if ch.isascii() and (ch.isalnum() or ch == " ")
    ).split()
    local = ".".join(ascii_name) or f"patient{rng.randrange(10**6)}"
    return f"{local}@example.{rng.choice(('com', 'org', 'net'))}"


def demo_patient(rng: random.Random, today: date) -> Patient:
    culture = rng.choices(CULTURES, _WEIGHTS)[0]
    name = culture.compose(rng, rng.choice(culture.given), rng.choice(culture.family))
    age_days = rng.randrange(18 * 366, 76 * 365)
    return Patient(
        name=unicodedata.normalize("NFC", name),
        date_of_birth=today - timedelta(days=age_days),
        fitzpatrick=rng.choice(culture.skin),
        language=culture.language,
        phone=_phone(rng) if rng.random() < 0.9 else "",
        email=_email(rng, name) if rng.random() < 0.6 else "",
    )


def _areas(rng: random.Random, catalog: Catalog) -> tuple[AreaChoice, ...]:
    main = [a for a in catalog.areas if a.group == "main"]
    body = [a for a in catalog.areas if a.group != "main"]
    face = next((a for a in main if a.id == "face"), main[0])
    if rng.random() < 0.6:
        picked = [face]
    elif rng.random() < 0.7:
        picked = rng.sample(main, k=min(len(main), rng.choice((1, 2))))
    else:
        picked = rng.sample(body, k=min(len(body), rng.choice((1, 2))))
    chosen = []
    for area in picked:
        zones: tuple[str, ...] = ()
        if area.zones and rng.random() < 0.5:
            zones = tuple(z.id for z in area.zones if rng.random() < 0.5)
        concerns = []
        for concern_id in rng.sample(
            list(area.concerns), k=min(len(area.concerns), rng.choice((1, 1, 2)))
        ):
            concern = catalog.concern(concern_id)
            severity = rng.choice(concern.severities).id if concern.severities else None
            kind = rng.choice(concern.kinds).id if concern.kinds else None
            concerns.append(ConcernChoice(concern_id, severity, kind))
        chosen.append(AreaChoice(area.id, zones, tuple(concerns)))
    return tuple(chosen)


def _screening(rng: random.Random, catalog: Catalog) -> dict[str, Answer]:
    answers = {q.id: Answer.NO for q in catalog.questions}
    roll = rng.random()
    if roll < 0.15:
        cautions = [q.id for q in catalog.questions if q.severity is Outcome.CAUTION]
        if cautions:
            answers[rng.choice(cautions)] = Answer.YES
    elif roll < 0.22:
        answers[rng.choice(list(answers))] = Answer.NOT_SURE
    elif roll < 0.25:
        stops = [q.id for q in catalog.questions if q.severity is Outcome.DO_NOT_TREAT]
        if stops:
            answers[rng.choice(stops)] = Answer.YES
    return answers


def demo_consultation(
    rng: random.Random, catalog: Catalog, patient: Patient, day: date, provider: str
) -> Consultation:
    areas = _areas(rng, catalog)
    screening = _screening(rng, catalog)
    eligible = all_eligibility(
        catalog, patient.fitzpatrick, flagged(screening), [a.area_id for a in areas]
    )
    offered = [a for a, verdict in eligible.items() if verdict.eligible]
    adjuncts = tuple(rng.sample(offered, k=min(len(offered), rng.choice((0, 0, 1, 2)))))
    override = None
    stops = [
        q
        for q in catalog.questions
        if screening[q.id] is Answer.YES and q.severity is Outcome.DO_NOT_TREAT
    ]
    # Only where an override is allowed: never over a contraindication on the device's label.
    if stops and not any(q.label for q in stops) and rng.random() < 0.5:
        override = Override(
            "Demo record: condition resolved on examination; treating away from it.", provider
        )
    return Consultation(
        patient=patient,
        provider=provider,
        date=day,
        screening=screening,
        areas=areas,
        adjuncts=adjuncts,
        override=override,
        start_date=day + timedelta(days=rng.choice((0, 7, 14))),
        session_count=None,
        notes=rng.choice(NOTES),
        catalog_version=catalog.version,
    )


def _stamp(day: date, rng: random.Random) -> str:
    moment = datetime.combine(day, time(rng.randrange(8, 18), rng.randrange(60)), UTC)
    return moment.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class SeedResult:
    patients: int
    consultations: int
    finals: int
    drafts: int
    amendments: int

    def summary(self) -> str:
        return (
            f"Added {self.patients} demo patients with {self.consultations} consultations "
            f"({self.finals} final, {self.drafts} drafts, {self.amendments} amendments), all "
            "marked as demo data."
        )


def seed_demo(
    store: RecordStore,
    catalog: Catalog,
    patients: int,
    *,
    seed: int | None = None,
    today: date | None = None,
) -> SeedResult:
    """Add ``patients`` demo patients with their consultations, in chunks of transactions."""
    if patients < 0:
        raise ValueError("the number of patients cannot be negative")
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = today or store.today()
    settings = store.clinic.settings()
    calendar, interval = settings.calendar, settings.interval_weeks
    for provider in PROVIDERS:
        store.clinic.save_provider(provider)
    counts = {"consultations": 0, "finals": 0, "drafts": 0, "amendments": 0}
    done = 0
    while done < patients:
        batch = min(CHUNK, patients - done)
        with store.transaction():
            made: dict[str, list[int]] = {"patients": [], "consultations": []}
            for _ in range(batch):
                _seed_one(store, catalog, rng, today, calendar, interval, counts, made)
            # Every demo record is in the audit trail, sealed with its content.
            audit.seal(store.db, Action.SEED_DEMO, **made, provider=store.provider, at=store.now())
        done += batch
    with store.transaction():
        store.audit_event(
            Action.SEED_DEMO,
            "database",
            detail=f"{patients} demo patients, {counts['consultations']} consultations",
        )
    return SeedResult(
        patients,
        counts["consultations"],
        counts["finals"],
        counts["drafts"],
        counts["amendments"],
    )


def _seed_one(store, catalog, rng, today, calendar, interval, counts, made) -> None:
    patient = demo_patient(rng, today)
    visits = rng.choices((0, 1, 1, 2, 3), k=1)[0]
    days = sorted(today - timedelta(days=rng.randrange(0, 730)) for _ in range(visits))
    first = days[0] if days else today - timedelta(days=rng.randrange(0, 730))
    stamp = _stamp(first, rng)
    patient_id = write_patient(
        store,
        patient,
        record_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        created_at=stamp,
        updated_at=stamp,
        demo=True,
        audit_it=False,
    )
    patient = replace(patient, id=patient_id)
    made["patients"].append(patient_id)
    for index, day in enumerate(days):
        provider = rng.choice(PROVIDERS)
        consultation = demo_consultation(rng, catalog, patient, day, provider)
        stamp = _stamp(day, rng)
        record_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        cid = insert_consultation(
            store,
            consultation,
            patient_id,
            record_uuid=record_uuid,
            created_at=stamp,
            updated_at=stamp,
            demo=True,
        )
        write_parts(store, cid, consultation)
        made["consultations"].append(cid)
        counts["consultations"] += 1
        plan = build_plan(catalog, consultation, calendar, interval)
        last = index == len(days) - 1
        if not plan.screening.may_finish or (last and rng.random() < 0.12):
            counts["drafts"] += 1
            continue
        write_plan(store, cid, plan)
        mark_final(
            store, cid, plan_fields(plan), revision_of=None, finalized_at=stamp, updated_at=stamp
        )
        counts["finals"] += 1
        roll = rng.random()
        if plan.not_treating:
            continue  # a letter: nothing to amend
        if plan.provisional and roll < 0.6:
            cleared_on = min(day + timedelta(days=rng.randrange(3, 15)), today)
            amended = replace(
                consultation,
                clearance=Clearance(
                    "Dr Sam Okafor (family doctor)",
                    cleared_on,
                    "Demo record: clearance letter received and filed.",
                    provider,
                    plan.uncleared,
                ),
                start_date=cleared_on + timedelta(days=7),
            )
            amend_day = cleared_on
        elif roll < 0.08:
            amended = replace(
                consultation,
                session_count=plan.bounds.high,
                notes=(consultation.notes + " Amended: one more session agreed.").strip(),
            )
            amend_day = min(day + timedelta(days=rng.randrange(1, 20)), today)
        else:
            continue
        new_plan = build_plan(catalog, amended, calendar, interval)
        later = _stamp(amend_day, rng)
        new_id = insert_consultation(
            store,
            amended,
            patient_id,
            record_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            created_at=later,
            updated_at=later,
            demo=True,
        )
        write_parts(store, new_id, amended)
        made["consultations"].append(new_id)
        write_plan(store, new_id, new_plan)
        mark_final(
            store,
            new_id,
            plan_fields(new_plan),
            revision_of=cid,
            finalized_at=later,
            updated_at=later,
        )
        counts["consultations"] += 1
        counts["amendments"] += 1
