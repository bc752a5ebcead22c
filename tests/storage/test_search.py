"""Patient search: name prefixes without case or accents, date of birth, phone digits; a page
at a time, in name order."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_helpers import patient

from consult.storage import Page, search
from consult.storage.search import fold, name_keys, name_terms, parse_query, search_words

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


def test_typed_words_are_plain_words_never_syntax():
    assert name_terms('zoe "obr') == ("zoe", "obr")
    assert name_terms("NEAR( * OR -") == ("near", "or")  # words, not operators
    assert name_terms("o'bri") == ("obri",)  # parts joined, as the name's joined word
    assert name_terms("%_ 100%") == ("100",)  # no LIKE wildcards either
    assert name_terms("* - ( )") is None
    assert name_terms("") is None


def test_typed_words_the_longest_first_implied_ones_left_out():
    assert name_terms("an ana ana b") == ("ana", "b")  # "an" starts "ana": implied
    assert name_terms("ZOË zoe") == ("zoe",)
    assert name_terms("s smith") == ("smith",)
    assert name_terms("li garcia") == ("garcia", "li")


def test_keys_are_the_starts_of_every_search_word():
    words = search.search_name("Zoë O'Brien")
    assert words == "zoe o brien obrien"
    assert name_keys(words) == [
        "z", "zo", "zoe", "o", "b", "br", "bri", "brie", "brien", "ob", "obr", "obri", "obrie",
        "obrien",
    ]  # fmt: skip
    assert name_keys(search.search_name("김민준")) == ["김", "김민", "김민준", "민", "민준", "준"]
    long_word = "a" * 300
    assert name_keys(long_word) == ["a" * n for n in range(1, search.KEY_CHARS + 1)]
    assert name_keys("") == []


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
        p = repo.patients.save(
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
    page = repo.patient_list.search(typed)
    assert [r.id for r in page.rows] == [people[name]]
    assert page.kind == "name" and not page.more and page.after is None


def ids(page: Page) -> list[int]:
    return [r.id for r in page.rows]


def test_a_word_must_start_a_word_of_the_name(repo, people):
    assert repo.patient_list.search("rien").rows == ()
    assert repo.patient_list.search("zoe nobody").rows == ()


def test_search_by_date_of_birth_and_phone(repo, people):
    zoe = people["Zoë O'Brien-Łukasiewicz"]
    assert ids(repo.patient_list.search("1960-01-01")) == [zoe]
    assert ids(repo.patient_list.search("01/01/1960")) == [zoe]
    assert repo.patient_list.search("01/01/1960").kind == "date_of_birth"
    assert ids(repo.patient_list.search("+44 7700 900000")) == [zoe]
    assert ids(repo.patient_list.search("900000")) == [zoe]  # the end of the number
    assert len(repo.patient_list.search("+44 7700").rows) == len(NAMES)  # the start of the number
    assert repo.patient_list.search("+44 7700").kind == "phone"
    assert repo.patient_list.search("7700 91").rows == ()


def test_rows_carry_what_the_list_shows(repo, people):
    row = repo.patient_list.search("zoe").rows[0]
    assert row.name == "Zoë O'Brien-Łukasiewicz"
    assert row.date_of_birth == date(1960, 1, 1)
    assert row.last_consultation is None and row.next_session is None


def test_limit_and_order(repo):
    for name in ("Ana Zapata", "Ana Álvarez", "Ana Martín"):
        repo.patients.save(patient(name))
    assert [r.name for r in repo.patient_list.search("ana").rows] == [
        "Ana Álvarez",
        "Ana Martín",
        "Ana Zapata",
    ]
    first = repo.patient_list.search("ana", limit=2)
    assert [r.name for r in first.rows] == ["Ana Álvarez", "Ana Martín"] and first.more
    rest = repo.patient_list.search("ana", limit=2, after=first.after)
    assert [r.name for r in rest.rows] == ["Ana Zapata"] and not rest.more
    assert rest.after is None


def all_pages(repo, text: str, limit: int) -> list[int]:
    """Every patient a search lists, page after page."""
    found, after = [], None
    while True:
        page = repo.patient_list.search(text, limit=limit, after=after)
        assert len(page.rows) <= limit
        assert page.more == (page.after is not None)
        found += ids(page)
        if not page.more:
            return found
        assert len(page.rows) == limit
        after = page.after


def test_paging_reaches_every_match_once_in_name_order(repo):
    made = [
        repo.patients.save(patient(f"Smith {chr(ord('a') + i % 26)}{i:03d}")) for i in range(95)
    ]
    made += [repo.patients.save(patient("Smith Twin")) for _ in range(3)]  # same name: by id
    made.append(repo.patients.save(patient("Anna Smithson")))
    expected = [p.id for p in sorted(made, key=lambda p: (search.search_name(p.name), p.id))]
    for limit in (1, 7, 40, 200):
        assert all_pages(repo, "smi", limit) == expected
    assert all_pages(repo, "smith t", 2) == [p.id for p in made if " t" in p.name.lower()]


def test_date_of_birth_and_phone_searches_page_the_same_way(repo):
    made = [
        repo.patients.save(patient(f"Born Same {i}", phone=f"+44 20 7946 {i:04d}"))
        for i in range(12)
    ]
    expected = [p.id for p in sorted(made, key=lambda p: (search.search_name(p.name), p.id))]
    assert all_pages(repo, "1990-05-17", 5) == expected
    assert all_pages(repo, "+44 20 7946", 5) == expected
    assert all_pages(repo, "7946 0003", 5) == [made[3].id]


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("Zoë O'Brien-Łukasiewicz", ["zoe obr", "lukas", "O'BRIEN", "obrienluk"]),
        ("李小龍", ["李", "小龍", "龍"]),
        ("محمد", ["محمد", "مح"]),
        ("<b>&amp; Bold", ["b", "amp", "bold"]),
        ("D'Angelo", ["d'ang", "dangelo", "angelo"]),
    ],
)
def test_hostile_names_are_found(repo, name, typed):
    saved = repo.patients.save(patient(name))
    repo.patients.save(patient("Someone Else"))
    for text in typed:
        assert ids(repo.patient_list.search(text)) == [saved.id], text
    assert repo.health.check().healthy


def test_a_very_long_name_is_found_and_its_keys_stay_bounded(repo):
    latin = " ".join(["Wolfeschlegelsteinhausenbergerdorff"] * 8 + ["Zed", "X" * 8])
    cjk = "龍" * 150 + "小" * 150  # one word of 300 characters: every suffix is a word
    latin_id = repo.patients.save(patient(latin)).id
    cjk_id = repo.patients.save(patient(cjk)).id
    assert len(latin) == 300 and len(cjk) == 300
    assert ids(repo.patient_list.search("wolfeschlegelsteinhausenbergerdorff")) == [latin_id]
    assert ids(repo.patient_list.search("wolfeschlegelsteinhausenbergerdorffx")) == []
    assert ids(repo.patient_list.search("wolfeschlegelsteinhausenbergerdorf zed")) == [latin_id]
    assert ids(repo.patient_list.search("小" * 30)) == [cjk_id]
    assert ids(repo.patient_list.search("龍" * 30 + "小")) == [cjk_id]
    assert ids(repo.patient_list.search("小" * 30 + "龍")) == []
    keys = repo.conn.execute(
        "SELECT count(*), max(length(key)), max(length(sort_name)) FROM name_keys "
        "WHERE patient_id = ?",
        [cjk_id],
    ).fetchone()
    assert keys[0] <= 300 * search.KEY_CHARS
    assert keys[1:] == (search.KEY_CHARS, search.SORT_CHARS)
    assert repo.health.check().healthy


@settings(max_examples=60)
@given(st.text(max_size=40))
def test_any_text_is_a_safe_search(tmp_path_factory, text):
    from consult.storage import RecordStore

    path = tmp_path_factory.getbasetemp() / "search-any.sqlite3"
    with RecordStore.open(path, verify=False) as repo:
        if not repo.health.counts()["patients"]:
            repo.patients.save(patient())
        assert isinstance(repo.patient_list.search(text).rows, tuple)


# A few letters, marks, scripts and punctuation, so that names share words and starts.
_NAME_CHARS = "aábBcç łŁoöØ-'. 李小龍김민"


def reference_matches(name: str, text: str) -> bool:
    """What a name search means, in plain Python: each word typed (folded, its parts joined)
    is the start of some search word of the name."""
    typed = ["".join(ch for ch in word if ch.isalnum()) for word in fold(text).split()]
    words = search_words(name)
    return all(any(w.startswith(t) for w in words) for t in typed if t)


@st.composite
def names_and_typing(draw):
    names = draw(st.lists(st.text(_NAME_CHARS, min_size=1, max_size=24), min_size=1, max_size=25))
    name = draw(st.sampled_from(names))
    words = name.split() or [name]
    typed = [w[: draw(st.integers(1, max(1, len(w))))] for w in draw(st.permutations(words))]
    text = draw(
        st.one_of(
            st.just(" ".join(typed[: draw(st.integers(1, len(typed)))])),
            st.text(_NAME_CHARS, min_size=1, max_size=6),
        )
    )
    return names, text, draw(st.integers(1, 6))


@pytest.mark.slow
@settings(max_examples=80)
@given(names_and_typing())
def test_paged_search_is_exactly_the_reference(tmp_path_factory, case):

    names, text, limit = case
    if search.parse_query(text).names is None:
        return  # a date, phone digits or nothing to search by: not a name search
    path = tmp_path_factory.mktemp("property") / "records.sqlite3"
    assert_pages_are_the_reference(path, names, text, limit)


def assert_pages_are_the_reference(target, names: list[str], text: str, limit: int) -> None:
    """Saved at ``target`` (a file or a server), ``names`` are listed for ``text`` page after
    page exactly as the reference says, in name order."""
    from consult.storage import RecordStore

    with RecordStore.open(target, verify=False) as repo:
        saved = [repo.patients.save(patient(name)) for name in names]
        expected = [
            p.id
            for p in sorted(
                saved, key=lambda p: (search.sort_name(search.search_name(p.name)), p.id)
            )
            if reference_matches(p.name, text)
        ]
        assert all_pages(repo, text, limit) == expected


def test_saving_keeps_the_keys_in_step_and_check_reports_any_that_are_not(repo):
    ana = repo.patients.save(patient("Ana Keys"))
    bea = repo.patients.save(patient("Bea Keys"))
    renamed = repo.patients.save(replace(ana, name="Anabel Núñez"))
    assert ids(repo.patient_list.search("nunez anab")) == [ana.id]
    assert ids(repo.patient_list.search("keys")) == [bea.id]
    assert repo.health.check().healthy
    with repo.transaction():
        repo.conn.execute("DELETE FROM name_keys WHERE patient_id = ? AND key = 'an'", [ana.id])
        repo.conn.execute("INSERT INTO name_keys VALUES ('zz', 'bea keys', ?)", [bea.id])
    report = repo.health.check()
    assert not report.healthy
    assert "The name search keys of 2 patient(s) do not match their names" in report.summary()
    assert "Anabel" not in report.summary() and "Bea" not in report.summary()
    # Saving the name again writes its keys whole.
    repo.patients.save(replace(renamed, name="Ana Keys"))
    repo.patients.save(replace(bea, name="Bea Other"))
    with repo.transaction():
        repo.conn.execute("DELETE FROM name_keys WHERE key = 'zz'")
    assert repo.health.check().healthy


_WORLDS = iter(range(10**6))


def _world() -> str:
    """A word of letters no typed text starts with (no "q" among ``_NAME_CHARS``): each
    example's patients carry it, so one database on the server holds many examples apart."""
    n = next(_WORLDS)
    letters = ""
    while True:
        letters = "abcdefghij"[n % 10] + letters
        n //= 10
        if not n:
            return "qq" + letters


@pytest.mark.slow
@pytest.mark.postgresql
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # one database, many worlds
)
@given(names_and_typing())
def test_paged_search_on_the_server_is_exactly_the_reference(pg_url, case):
    """The same property on the clinic's server: the same matches in the same order (its
    keys COLLATE "C", as SQLite's BINARY), page after page."""

    names, text, limit = case
    if search.parse_query(text).names is None:
        return
    world = _world()
    assert_pages_are_the_reference(
        pg_url, [f"{world} {name}" for name in names], f"{world} {text}", limit
    )


# How names were folded and cut into words before the translation tables: a character at a
# time. Frozen here as the tests' own reckoning: every stored search word and key was made so.
def _fold_by_character(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(search._FOLD))
    text = "".join(
        ch
        for ch in text
        if not unicodedata.category(ch).startswith("M") or ch in search._KEEP_MARKS
    )
    return unicodedata.normalize("NFC", text.casefold()).translate(search._FOLD)


def _tokens_by_character(word: str) -> list[str]:
    tokens, current = [], []
    for ch in word:
        category = unicodedata.category(ch)
        if category[0] in "LN" or category == "Co":
            current.append(ch)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


@settings(max_examples=1000)
@given(st.text(max_size=30) | st.sampled_from(NAMES) | st.text(st.characters(), max_size=8))
def test_folding_is_what_it_was_character_by_character(text):
    assert fold(text) == _fold_by_character(text)
    assert search._tokens(text) == _tokens_by_character(text)
    assert search._tokens(fold(text)) == _tokens_by_character(_fold_by_character(text))


def test_every_character_folds_and_splits_as_it_did():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for start in range(0, len(every), 64):
        chunk = every[start : start + 64]
        assert fold(chunk) == _fold_by_character(chunk), start
        assert search._tokens(chunk) == _tokens_by_character(chunk), start
