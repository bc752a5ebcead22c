"""Patient search: name prefixes without case or accents, date of birth, phone digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_helpers import patient

from consult.storage.search import fold, name_query, parse_query, search_words

NAMES = [
    "Zoë O'Brien-Łukasiewicz",
    "Łukasz Wiśniewski",
    "Søren Ødegård",
    "Straßmann Jürgen",
    "Đặng Thị Quỳnh",
    "Æthelflæd Þórsdóttir",
    "Γιώργος Παπαδόπουλος",
    "Алексей Ёлкин",
    "王秀英",
    "佐藤 花子",
    "김민준",
    "فاطمة الحسن",
    "נועה כהן",
    "İbrahim Yılmaz",
    "ＦＵＬＬ Ｗｉｄｔｈ",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zoë", "zoe"),
        ("ŁUKASZ", "lukasz"),
        ("Søren Ødegård", "soren odegard"),
        ("Straße", "strasse"),
        ("Đặng Quỳnh", "dang quynh"),
        ("Æsa Œuvre", "aesa oeuvre"),
        ("Þór", "thor"),
        ("Γιώργος", "γιωργοσ"),
        ("Ёлкин", "елкин"),
        ("İbrahim Yılmaz", "ibrahim yilmaz"),
        ("ＦＵＬＬ", "full"),
        ("ガ", "ガ"),  # kana voicing is not an accent
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


def test_search_words_include_joined_and_cjk_suffixes():
    assert search_words("Zoë O'Brien-Łukasiewicz") == [
        "zoe",
        "o",
        "brien",
        "lukasiewicz",
        "obrienlukasiewicz",
    ]
    assert search_words("김민준") == ["김민준", "민준", "준"]


def test_name_query_is_safe_fts_syntax():
    assert name_query('zoe "obr') == '"zoe"* AND "obr"*'
    assert name_query("NEAR( * OR -") == '"near"* AND "or"*'  # words, not operators
    assert name_query("* - ( )") is None
    assert name_query("") is None


@pytest.mark.parametrize(
    ("text", "dob", "phone"),
    [
        ("1990-05-17", date(1990, 5, 17), None),
        ("17/05/1990", date(1990, 5, 17), None),
        ("17.5.1990", date(1990, 5, 17), None),
        ("31/02/1990", None, None),
        ("+34 612-345", None, "34612345"),
        ("612", None, "612"),
        ("61", None, None),
    ],
)
def test_parse_query(text, dob, phone):
    query = parse_query(text)
    assert query.date_of_birth == dob
    assert query.phone == phone


@pytest.fixture
def people(repo):
    saved = {}
    for i, name in enumerate(NAMES):
        p = repo.save_patient(
            patient(
                name, date_of_birth=date(1960 + i, 1 + i % 12, 1 + i), phone=f"+44 7700 90{i:04d}"
            )
        )
        saved[name] = p.id
    return saved


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("zoe", "Zoë O'Brien-Łukasiewicz"),
        ("ZOË", "Zoë O'Brien-Łukasiewicz"),
        ("obrien", "Zoë O'Brien-Łukasiewicz"),
        ("o'bri", "Zoë O'Brien-Łukasiewicz"),
        ("brien zo", "Zoë O'Brien-Łukasiewicz"),
        ("lukasz", "Łukasz Wiśniewski"),
        ("wisn", "Łukasz Wiśniewski"),
        ("soren odegard", "Søren Ødegård"),
        ("strass", "Straßmann Jürgen"),
        ("jurgen", "Straßmann Jürgen"),
        ("dang quynh", "Đặng Thị Quỳnh"),
        ("aethelflaed", "Æthelflæd Þórsdóttir"),
        ("thorsd", "Æthelflæd Þórsdóttir"),
        ("γιωργ", "Γιώργος Παπαδόπουλος"),
        ("ΠΑΠΑΔΟΠΟΥΛΟΣ", "Γιώργος Παπαδόπουλος"),
        ("елкин", "Алексей Ёлкин"),
        ("王", "王秀英"),
        ("秀英", "王秀英"),
        ("佐藤", "佐藤 花子"),
        ("花子", "佐藤 花子"),
        ("김", "김민준"),
        ("민준", "김민준"),
        ("فاطمة", "فاطمة الحسن"),
        ("الحس", "فاطمة الحسن"),
        ("כהן", "נועה כהן"),
        ("ibrahim yil", "İbrahim Yılmaz"),
        ("full width", "ＦＵＬＬ Ｗｉｄｔｈ"),
    ],
)
def test_name_search(repo, people, typed, name):
    assert [r.id for r in repo.search_patients(typed)] == [people[name]]


def test_a_word_must_start_a_word_of_the_name(repo, people):
    assert repo.search_patients("rien") == []
    assert repo.search_patients("zoe nobody") == []


def test_search_by_date_of_birth_and_phone(repo, people):
    zoe = people["Zoë O'Brien-Łukasiewicz"]
    assert [r.id for r in repo.search_patients("1960-01-01")] == [zoe]
    assert [r.id for r in repo.search_patients("01/01/1960")] == [zoe]
    assert [r.id for r in repo.search_patients("+44 7700 900000")] == [zoe]
    assert [r.id for r in repo.search_patients("900000")] == [zoe]  # the end of the number
    assert len(repo.search_patients("+44 7700")) == len(NAMES)  # the start of the number
    assert repo.search_patients("7700 91") == []


def test_rows_carry_what_the_list_shows(repo, people):
    row = repo.search_patients("zoe")[0]
    assert row.name == "Zoë O'Brien-Łukasiewicz"
    assert row.date_of_birth == date(1960, 1, 1)
    assert row.last_consultation is None and row.next_session is None


def test_limit_and_order(repo):
    for name in ("Ana Zapata", "Ana Álvarez", "Ana Martín"):
        repo.save_patient(patient(name))
    assert [r.name for r in repo.search_patients("ana")] == [
        "Ana Álvarez",
        "Ana Martín",
        "Ana Zapata",
    ]
    assert len(repo.search_patients("ana", limit=2)) == 2


@settings(max_examples=60)
@given(st.text(max_size=40))
def test_any_text_is_a_safe_search(tmp_path_factory, text):
    from consult.storage import Repository

    path = tmp_path_factory.getbasetemp() / "search-any.sqlite3"
    with Repository.open(path, verify=False) as repo:
        if not repo.counts()["patients"]:
            repo.save_patient(patient())
        assert isinstance(repo.search_patients(text), list)
