"""The clinic catalog: clinical content as data, loaded from TOML and validated.

Every problem is reported as ``FILE: key.path: problem`` in plain words, never as a
traceback. See docs/catalog.md for the format.
"""

from __future__ import annotations

import copy
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from consult.domain.model import WEEKDAYS, Outcome

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
SEVERITIES = {
    "do_not_treat": Outcome.DO_NOT_TREAT,
    "needs_clearance": Outcome.NEEDS_CLEARANCE,
    "caution": Outcome.CAUTION,
}
PLACEMENTS = ("between_sessions", "after_last_session", "ongoing")
PROTOCOL_PLACEHOLDERS = frozenset(
    {
        "numbing_minutes",
        "recovery_min",
        "recovery_max",
        "interval_weeks",
        "results_min",
        "results_max",
    }
)
# The fixed patient texts, and the placeholders each may use besides the protocol's.
TEXT_KEYS: dict[str, frozenset[str]] = {
    "about": frozenset(),
    "during": frozenset(),
    "recovery": frozenset(),
    "results": frozenset({"first_month", "last_month"}),
    "at_home_warning": frozenset(),
    "sessions_summary": frozenset({"count"}),
    "clearance_needed": frozenset(),
}
SETTING_PLACEHOLDERS = frozenset({"isotretinoin_window_months", "min_age"})
SECTION_KEYS = (
    "catalog_version",
    "languages",
    "protocol",
    "texts",
    "phases",
    "adjunct_kinds",
    "area_groups",
    "areas",
    "concerns",
    "adjuncts",
    "questions",
    "skin_types",
    "instructions",
)
FILE_KEY = "__file__"  # where a table came from; set by the loader, never written in a file


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class LocalText:
    """One text in every catalog language."""

    by_lang: Mapping[str, str]

    def __getitem__(self, lang: str) -> str:
        return self.by_lang[lang]

    def format(self, lang: str, values: Mapping[str, object] | None = None) -> str:
        return self.by_lang[lang].format_map(dict(values or {}))


@dataclass(frozen=True)
class Named:
    id: str
    name: LocalText


@dataclass(frozen=True)
class Phase:
    id: str
    title: LocalText


@dataclass(frozen=True)
class Zone:
    id: str
    name: LocalText
    depth_mm: tuple[float, float]
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Area:
    id: str
    group: str
    name: LocalText
    concerns: tuple[str, ...]
    tags: frozenset[str] = frozenset()
    zones: tuple[Zone, ...] = ()

    def zone(self, zone_id: str) -> Zone:
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)


@dataclass(frozen=True)
class Severity:
    id: str
    name: LocalText
    sessions: int


@dataclass(frozen=True)
class Concern:
    id: str
    name: LocalText
    description: LocalText
    sessions: tuple[int, int]
    typical_sessions: int
    kinds: tuple[Named, ...] = ()
    severities: tuple[Severity, ...] = ()

    def sessions_for(self, severity_id: str | None) -> int:
        for severity in self.severities:
            if severity.id == severity_id:
                return severity.sessions
        return self.typical_sessions


@dataclass(frozen=True)
class Adjunct:
    id: str
    kind: str
    name: LocalText
    description: LocalText
    fitzpatrick: frozenset[int]
    areas: tuple[str, ...]
    concerns: tuple[str, ...]
    excluded_by: tuple[str, ...]
    placement: str
    min_days_from_needling: int


@dataclass(frozen=True)
class Question:
    id: str
    severity: Outcome
    not_sure: Outcome
    question: LocalText
    explanation: LocalText
    source: str
    only_if_tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SkinType:
    type: int
    name: LocalText
    description: LocalText
    swatch: str
    pih_risk: bool
    sun_protection: LocalText


@dataclass(frozen=True)
class Condition:
    """When an instruction applies: every non-empty set must match."""

    areas: frozenset[str] = frozenset()
    fitzpatrick: frozenset[int] = frozenset()
    adjunct_kinds: frozenset[str] = frozenset()
    adjuncts: frozenset[str] = frozenset()
    screening: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Instruction:
    id: str
    phase: str
    text: LocalText
    when: Condition = field(default_factory=Condition)


@dataclass(frozen=True)
class Protocol:
    interval_weeks: int
    numbing_minutes: int
    recovery_days: tuple[int, int]
    results_months: tuple[int, int]
    sessions: tuple[int, int]
    min_age: int
    isotretinoin_window_months: int
    closed_weekdays: frozenset[int]
    depth_note: LocalText

    @property
    def placeholders(self) -> dict[str, int]:
        return {
            "numbing_minutes": self.numbing_minutes,
            "recovery_min": self.recovery_days[0],
            "recovery_max": self.recovery_days[1],
            "interval_weeks": self.interval_weeks,
            "results_min": self.results_months[0],
            "results_max": self.results_months[1],
        }


def _index(items: Iterable[Any], key: str = "id") -> dict[Any, Any]:
    return {getattr(item, key): item for item in items}


@dataclass(frozen=True)
class Catalog:
    version: str
    languages: tuple[str, ...]
    protocol: Protocol
    texts: Mapping[str, LocalText]
    phases: tuple[Phase, ...]
    adjunct_kinds: tuple[Named, ...]
    area_groups: tuple[Named, ...]
    areas: tuple[Area, ...]
    concerns: tuple[Concern, ...]
    adjuncts: tuple[Adjunct, ...]
    questions: tuple[Question, ...]
    skin_types: tuple[SkinType, ...]
    instructions: tuple[Instruction, ...]

    @cached_property
    def _areas(self) -> dict[str, Area]:
        return _index(self.areas)

    @cached_property
    def _concerns(self) -> dict[str, Concern]:
        return _index(self.concerns)

    @cached_property
    def _adjuncts(self) -> dict[str, Adjunct]:
        return _index(self.adjuncts)

    @cached_property
    def _questions(self) -> dict[str, Question]:
        return _index(self.questions)

    @cached_property
    def _skin_types(self) -> dict[int, SkinType]:
        return _index(self.skin_types, "type")

    def area(self, area_id: str) -> Area:
        return self._areas[area_id]

    def concern(self, concern_id: str) -> Concern:
        return self._concerns[concern_id]

    def adjunct(self, adjunct_id: str) -> Adjunct:
        return self._adjuncts[adjunct_id]

    def question(self, question_id: str) -> Question:
        return self._questions[question_id]

    def skin_type(self, fitzpatrick: int) -> SkinType:
        return self._skin_types[fitzpatrick]

    def adjunct_kind(self, kind_id: str) -> Named:
        return _index(self.adjunct_kinds)[kind_id]

    def counts(self) -> dict[str, int]:
        return {
            "areas": len(self.areas),
            "face zones": sum(len(a.zones) for a in self.areas),
            "concerns": len(self.concerns),
            "adjuncts": len(self.adjuncts),
            "screening questions": len(self.questions),
            "skin types": len(self.skin_types),
            "instruction phases": len(self.phases),
            "instructions": len(self.instructions),
            "fixed texts": len(self.texts),
        }


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


class CatalogError(Exception):
    """The catalog cannot be used; ``problems`` says why, one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --------------------------------------------------------------------------- reading


def _tag(value: Any, file: str) -> Any:
    """Mark every table in ``value`` with the file it came from."""
    if isinstance(value, dict):
        for item in value.values():
            _tag(item, file)
        value[FILE_KEY] = file
    elif isinstance(value, list):
        for item in value:
            _tag(item, file)
    return value


def _identity(item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("id", item.get("type"))
    return None


def _merge(base: dict[str, Any], over: dict[str, Any], file: str) -> None:
    """Lay ``over`` onto ``base`` (see docs/catalog.md, "A clinic's own catalog")."""
    for key, value in over.items():
        if key == FILE_KEY:
            continue
        old = base.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and key not in ("when",):
            _merge(old, value, file)
            old[FILE_KEY] = file
        elif (
            isinstance(old, list)
            and isinstance(value, list)
            and all(_identity(v) is not None for v in [*old, *value])
        ):
            by_id = {_identity(item): item for item in old}
            for item in value:
                existing = by_id.get(_identity(item))
                if existing is None:
                    old.append(_tag(copy.deepcopy(item), file))
                else:
                    _merge(existing, item, file)
                    existing[FILE_KEY] = file
        else:
            base[key] = _tag(copy.deepcopy(value), file)


def _drop_disabled(value: Any) -> Any:
    if isinstance(value, dict):
        for key, item in list(value.items()):
            value[key] = _drop_disabled(item)
    elif isinstance(value, list):
        return [
            _drop_disabled(item)
            for item in value
            if not (isinstance(item, dict) and item.get("disabled") is True)
        ]
    return value


_TOML_LOCATION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")

Parse = Callable[[str], dict[str, Any]]  # a TOML file's text to its tables


def parse_toml(text: str) -> dict[str, Any]:
    import tomllib  # here, so that a caller with its own ``parse`` never loads it

    return tomllib.loads(text)


def _read_toml(
    path: Path, problems: list[Problem], parse: Parse = parse_toml
) -> dict[str, Any] | None:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, "(file)", f"cannot be read ({exc.strerror or exc})"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(name, "(file)", "is not UTF-8 text; save it as UTF-8"))
        return None
    try:
        return _tag(parse(text), name)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        message = str(exc)
        where = "(file)"
        match = _TOML_LOCATION.search(message)
        if match:
            where = f"line {match.group(1)}, column {match.group(2)}"
            message = message[: match.start()]
        return problems.append(Problem(name, where, f"is not valid TOML: {message}"))


def read_layer(
    paths: Iterable[Path], problems: list[Problem], parse: Parse = parse_toml
) -> dict[str, Any]:
    """Join the sections of several files; a section may be in only one of them."""
    joined: dict[str, Any] = {}
    seen_in: dict[str, str] = {}
    for path in sorted(paths):
        data = _read_toml(path, problems, parse)
        if data is None:
            continue
        for key, value in data.items():
            if key == FILE_KEY:
                continue
            if key in seen_in:
                problems.append(
                    Problem(
                        path.name,
                        key,
                        f"this section is already in {seen_in[key]}; keep each section in one file",
                    )
                )
                continue
            seen_in[key] = path.name
            joined[key] = value
    return joined


# --------------------------------------------------------------------------- checking


class _Checker:
    """Walks the raw TOML data, builds the catalog, and collects every problem."""

    def __init__(self, raw: dict[str, Any], default_file: str):
        self.raw = raw
        self.default_file = default_file
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ("en",)

    # -- reporting

    def file_of(self, node: Any, fallback: str | None = None) -> str:
        if isinstance(node, dict) and FILE_KEY in node:
            return node[FILE_KEY]
        return fallback or self.default_file

    def report(self, node: Any, path: str, message: str) -> None:
        self.problems.append(Problem(self.file_of(node), path, message))

    # -- basic values

    def table(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
        value = parent.get(key)
        if value is None:
            self.report(parent, path, "is missing")
            return None
        if not isinstance(value, dict):
            self.report(parent, path, "should be a table of settings")
            return None
        return value

    def items(self, parent: dict[str, Any], key: str, path: str, required: bool = True) -> list:
        value = parent.get(key)
        if value is None:
            if required:
                self.report(parent, path, "is missing: the catalog needs at least one")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.report(parent, path, f"should be a list of [[{key}]] entries")
            return []
        if required and not value:
            self.report(parent, path, "is empty: the catalog needs at least one")
        return value

    def unknown_keys(self, node: dict[str, Any], path: str, known: Iterable[str]) -> None:
        allowed = {*known, FILE_KEY, "disabled"}
        for key in node:
            if key not in allowed:
                self.report(node, f"{path}.{key}", "is not a setting the catalog knows (a typo?)")

    def integer(
        self, node: dict, key: str, path: str, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = node.get(key)
        if value is None:
            self.report(node, f"{path}.{key}", "is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(node, f"{path}.{key}", f"should be a whole number, not {value!r}")
            return None
        if low is not None and value < low:
            self.report(node, f"{path}.{key}", f"must be at least {low} (it is {value})")
            return None
        if high is not None and value > high:
            self.report(node, f"{path}.{key}", f"must be at most {high} (it is {value})")
            return None
        return value

    def boolean(self, node: dict, key: str, path: str, default: bool | None = None) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.report(node, f"{path}.{key}", "should be true or false")
            return False
        return value

    def text_value(self, node: dict, key: str, path: str) -> str:
        value = node.get(key)
        if not isinstance(value, str) or not value.strip():
            self.report(node, f"{path}.{key}", "is missing or empty")
            return ""
        return value

    def identifier(self, node: dict, path: str) -> str | None:
        value = node.get("id")
        if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            self.report(
                node, f"{path}.id", "is missing or not an id (lower-case letters, digits and _)"
            )
            return None
        return value

    def int_range(self, node: dict, key: str, path: str, low: int = 0) -> tuple[int, int] | None:
        value = node.get(key)
        where = f"{path}.{key}"
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            self.report(node, where, "should be two whole numbers, like [3, 6]")
            return None
        first, last = value
        if first < low:
            self.report(node, where, f"must not be below {low} (it starts at {first})")
            return None
        if first > last:
            self.report(node, where, f"starts above where it ends ({first} > {last})")
            return None
        return first, last

    def id_list(
        self, node: dict, key: str, path: str, known: Iterable[str], what: str, default=()
    ) -> tuple[str, ...]:
        value = node.get(key, list(default))
        where = f"{path}.{key}"
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.report(node, where, f"should be a list of {what} ids in quotes")
            return ()
        known = set(known)
        for item in value:
            if item not in known:
                self.report(
                    node, where, f'refers to {what} "{item}", which the catalog does not define'
                )
        return tuple(value)

    def local_text(
        self, node: dict, key: str, path: str, placeholders: Iterable[str] = ()
    ) -> LocalText:
        value = node.get(key)
        where = f"{path}.{key}"
        if value is None:
            self.report(node, where, "is missing")
            return LocalText({lang: "" for lang in self.languages})
        if isinstance(value, str):
            self.report(node, where, 'should give a text per language, like { en = "…", es = "…" }')
            return LocalText({lang: value for lang in self.languages})
        if not isinstance(value, dict):
            self.report(node, where, "should be a table of texts, one per language")
            return LocalText({lang: "" for lang in self.languages})
        texts = {}
        allowed = set(placeholders)
        for lang in self.languages:
            text = value.get(lang)
            language = LANGUAGE_NAMES.get(lang, lang)
            if not isinstance(text, str) or not text.strip():
                self.report(value, where, f"has no {language} ({lang}) text")
                text = ""
            else:
                self._check_placeholders(value, f"{where}.{lang}", text, allowed)
            texts[lang] = text
        for lang in value:
            if lang not in self.languages and lang != FILE_KEY:
                self.report(
                    value, f"{where}.{lang}", f'"{lang}" is not one of the catalog languages'
                )
        return LocalText(texts)

    def _check_placeholders(self, node: dict, where: str, text: str, allowed: set[str]) -> None:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError:
            self.report(node, where, "has an unmatched { or }: write {{ or }} for a literal brace")
            return
        for name in fields:
            if name not in allowed:
                choices = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none here"
                self.report(
                    node, where, f"uses an unknown placeholder {{{name}}} (allowed: {choices})"
                )

    def unique(self, entries: list[tuple[dict, str, Any]], section: str) -> None:
        seen: dict[Any, str] = {}
        for node, path, ident in entries:
            if ident is None:
                continue
            if ident in seen:
                self.report(
                    node,
                    path,
                    f'the id "{ident}" is used twice in {section} (also at {seen[ident]})',
                )
            else:
                seen[ident] = path

    # -- sections

    def build(self) -> Catalog | None:
        raw = self.raw
        for key in raw:
            if key not in SECTION_KEYS and key != FILE_KEY:
                self.report(
                    raw.get(key) if isinstance(raw.get(key), dict) else raw,
                    key,
                    "is not a section the catalog knows (a typo?)",
                )
        version = raw.get("catalog_version")
        if not isinstance(version, str) or not version.strip():
            self.report(raw, "catalog_version", 'is missing: give a version like "2026.11.1"')
            version = ""
        languages = raw.get("languages")
        if (
            not isinstance(languages, list)
            or not languages
            or not all(isinstance(x, str) and re.fullmatch(r"[a-z]{2}", x) for x in languages)
        ):
            self.report(
                raw, "languages", 'should list two-letter language codes, like ["en", "es"]'
            )
            languages = ["en"]
        elif "en" not in languages:
            self.report(raw, "languages", 'must include "en"')
        self.languages = tuple(dict.fromkeys(languages))

        phases = self.named_list("phases", title_key="title")
        kinds = self.named_list("adjunct_kinds")
        groups = self.named_list("area_groups")
        protocol = self.protocol()
        concerns = self.concerns()
        skin_types = self.skin_types()
        questions = self.questions()
        areas = self.areas({g.id for g in groups}, {c.id for c in concerns})
        adjuncts = self.adjuncts(
            {k.id for k in kinds},
            {a.id for a in areas},
            {c.id for c in concerns},
            {q.id for q in questions},
        )
        texts = self.texts()
        instructions = self.instructions(phases, areas, adjuncts, kinds, questions)
        if self.problems or protocol is None:
            return None
        return Catalog(
            version=version,
            languages=self.languages,
            protocol=protocol,
            texts=texts,
            phases=tuple(phases),
            adjunct_kinds=tuple(kinds),
            area_groups=tuple(groups),
            areas=tuple(areas),
            concerns=tuple(concerns),
            adjuncts=tuple(adjuncts),
            questions=tuple(questions),
            skin_types=tuple(skin_types),
            instructions=tuple(instructions),
        )

    def named_list(self, section: str, title_key: str = "name") -> list:
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, section, section)):
            ident = self.identifier(node, f"{section}[{i}]")
            path = f"{section}[{ident or i}]"
            self.unknown_keys(node, path, ("id", title_key))
            text = self.local_text(node, title_key, path)
            seen.append((node, path, ident))
            if ident:
                built.append(Phase(ident, text) if title_key == "title" else Named(ident, text))
        self.unique(seen, section)
        return built

    def protocol(self) -> Protocol | None:
        node = self.table(self.raw, "protocol", "protocol")
        if node is None:
            return None
        p = "protocol"
        self.unknown_keys(
            node,
            p,
            (
                "interval_weeks",
                "numbing_minutes",
                "recovery_days",
                "results_months",
                "sessions",
                "min_age",
                "isotretinoin_window_months",
                "closed_weekdays",
                "depth_note",
            ),
        )
        interval = self.integer(node, "interval_weeks", p, low=1, high=26)
        numbing = self.integer(node, "numbing_minutes", p, low=0, high=120)
        recovery = self.int_range(node, "recovery_days", p, low=0)
        results = self.int_range(node, "results_months", p, low=0)
        sessions = self.int_range(node, "sessions", p, low=1)
        min_age = self.integer(node, "min_age", p, low=0, high=120)
        window = self.integer(node, "isotretinoin_window_months", p, low=0, high=60)
        closed = node.get("closed_weekdays", [])
        closed_days: set[int] = set()
        if not isinstance(closed, list):
            self.report(
                node, f"{p}.closed_weekdays", 'should list weekdays, like ["saturday", "sunday"]'
            )
        else:
            for day in closed:
                if not isinstance(day, str) or day.lower() not in WEEKDAYS:
                    self.report(
                        node, f"{p}.closed_weekdays", f"{day!r} is not a weekday name in English"
                    )
                else:
                    closed_days.add(WEEKDAYS.index(day.lower()))
            if len(closed_days) == 7:
                self.report(node, f"{p}.closed_weekdays", "closes every day of the week")
        note = self.local_text(node, "depth_note", p)
        values = (interval, numbing, recovery, results, sessions, min_age, window)
        if any(v is None for v in values):
            return None
        return Protocol(
            interval_weeks=interval,
            numbing_minutes=numbing,
            recovery_days=recovery,
            results_months=results,
            sessions=sessions,
            min_age=min_age,
            isotretinoin_window_months=window,
            closed_weekdays=frozenset(closed_days),
            depth_note=note,
        )

    def texts(self) -> dict[str, LocalText]:
        node = self.table(self.raw, "texts", "texts")
        if node is None:
            return {}
        self.unknown_keys(node, "texts", TEXT_KEYS)
        return {
            key: self.local_text(node, key, "texts", PROTOCOL_PLACEHOLDERS | extra)
            for key, extra in TEXT_KEYS.items()
        }

    def concerns(self) -> list[Concern]:
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "concerns", "concerns")):
            ident = self.identifier(node, f"concerns[{i}]")
            path = f"concerns[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(
                node,
                path,
                (
                    "id",
                    "name",
                    "description",
                    "sessions",
                    "typical_sessions",
                    "kinds",
                    "severities",
                ),
            )
            name = self.local_text(node, "name", path)
            description = self.local_text(node, "description", path)
            sessions = self.int_range(node, "sessions", path, low=1)
            typical = self.integer(node, "typical_sessions", path, low=1)
            if sessions and typical and not sessions[0] <= typical <= sessions[1]:
                self.report(
                    node,
                    f"{path}.typical_sessions",
                    f"({typical}) is outside the concern's range {sessions[0]}–{sessions[1]}",
                )
            kinds, kind_seen = [], []
            for j, kind in enumerate(self.items(node, "kinds", f"{path}.kinds", required=False)):
                kid = self.identifier(kind, f"{path}.kinds[{j}]")
                kpath = f"{path}.kinds[{kid or j}]"
                kind_seen.append((kind, kpath, kid))
                self.unknown_keys(kind, kpath, ("id", "name"))
                text = self.local_text(kind, "name", kpath)
                if kid:
                    kinds.append(Named(kid, text))
            self.unique(kind_seen, f"{path}.kinds")
            severities, sev_seen = [], []
            for j, sev in enumerate(
                self.items(node, "severities", f"{path}.severities", required=False)
            ):
                sid = self.identifier(sev, f"{path}.severities[{j}]")
                spath = f"{path}.severities[{sid or j}]"
                sev_seen.append((sev, spath, sid))
                self.unknown_keys(sev, spath, ("id", "name", "sessions"))
                text = self.local_text(sev, "name", spath)
                count = self.integer(sev, "sessions", spath, low=1)
                if sessions and count and not sessions[0] <= count <= sessions[1]:
                    self.report(
                        sev,
                        f"{spath}.sessions",
                        f"({count}) is outside the concern's range {sessions[0]}–{sessions[1]}",
                    )
                if sid and count:
                    severities.append(Severity(sid, text, count))
            self.unique(sev_seen, f"{path}.severities")
            if ident and sessions and typical:
                built.append(
                    Concern(
                        ident, name, description, sessions, typical, tuple(kinds), tuple(severities)
                    )
                )
        self.unique(seen, "concerns")
        return built

    def tags(self, node: dict, path: str, key: str = "tags") -> frozenset[str]:
        value = node.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.report(node, f"{path}.{key}", "should be a list of labels in quotes")
            return frozenset()
        return frozenset(value)

    def areas(self, groups: set[str], concerns: set[str]) -> list[Area]:
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "areas", "areas")):
            ident = self.identifier(node, f"areas[{i}]")
            path = f"areas[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(node, path, ("id", "group", "name", "concerns", "tags", "zones"))
            group = node.get("group")
            if group not in groups:
                self.report(
                    node,
                    f"{path}.group",
                    f'refers to an area group "{group}", which the catalog does not define',
                )
            name = self.local_text(node, "name", path)
            allowed = self.id_list(node, "concerns", path, concerns, "a concern")
            if not allowed:
                self.report(
                    node,
                    f"{path}.concerns",
                    "lists no concern: which concerns can be treated here?",
                )
            zones, zone_seen = [], []
            for j, zone in enumerate(self.items(node, "zones", f"{path}.zones", required=False)):
                zid = self.identifier(zone, f"{path}.zones[{j}]")
                zpath = f"{path}.zones[{zid or j}]"
                zone_seen.append((zone, zpath, zid))
                self.unknown_keys(zone, zpath, ("id", "name", "depth_mm", "tags"))
                zname = self.local_text(zone, "name", zpath)
                depth = self.depth(zone, zpath)
                if zid and depth:
                    zones.append(Zone(zid, zname, depth, self.tags(zone, zpath)))
            self.unique(zone_seen, f"{path}.zones")
            if ident:
                built.append(
                    Area(ident, str(group), name, allowed, self.tags(node, path), tuple(zones))
                )
        self.unique(seen, "areas")
        return built

    def depth(self, node: dict, path: str) -> tuple[float, float] | None:
        value = node.get("depth_mm")
        where = f"{path}.depth_mm"
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            self.report(node, where, "should be two depths in millimetres, like [0.5, 1.0]")
            return None
        low, high = float(value[0]), float(value[1])
        if low <= 0 or high > 3.0:
            self.report(node, where, "each depth must be above 0 and at most 3.0 mm")
            return None
        if low > high:
            self.report(
                node, where, f"the smallest depth ({low}) is larger than the largest ({high})"
            )
            return None
        return low, high

    def questions(self) -> list[Question]:
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "questions", "questions")):
            ident = self.identifier(node, f"questions[{i}]")
            path = f"questions[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(
                node,
                path,
                ("id", "severity", "not_sure", "question", "explanation", "source", "only_if_tags"),
            )
            severity = SEVERITIES.get(node.get("severity"))
            if severity is None:
                self.report(
                    node, f"{path}.severity", "should be do_not_treat, needs_clearance or caution"
                )
            default_unsure = "caution" if node.get("severity") == "caution" else "needs_clearance"
            unsure = SEVERITIES.get(node.get("not_sure", default_unsure))
            if unsure is None:
                self.report(
                    node, f"{path}.not_sure", "should be do_not_treat, needs_clearance or caution"
                )
            question = self.local_text(node, "question", path, SETTING_PLACEHOLDERS)
            explanation = self.local_text(node, "explanation", path, SETTING_PLACEHOLDERS)
            source = self.text_value(node, "source", path)
            tags = self.tags(node, path, "only_if_tags")
            if ident and severity and unsure:
                built.append(Question(ident, severity, unsure, question, explanation, source, tags))
        self.unique(seen, "questions")
        return built

    def adjuncts(
        self, kinds: set[str], areas: set[str], concerns: set[str], questions: set[str]
    ) -> list[Adjunct]:
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "adjuncts", "adjuncts")):
            ident = self.identifier(node, f"adjuncts[{i}]")
            path = f"adjuncts[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(
                node,
                path,
                (
                    "id",
                    "kind",
                    "name",
                    "description",
                    "fitzpatrick",
                    "areas",
                    "concerns",
                    "excluded_by",
                    "placement",
                    "min_days_from_needling",
                ),
            )
            kind = node.get("kind")
            if kind not in kinds:
                self.report(
                    node,
                    f"{path}.kind",
                    f'refers to an adjunct kind "{kind}", which the catalog does not define',
                )
            name = self.local_text(node, "name", path)
            description = self.local_text(node, "description", path)
            types = node.get("fitzpatrick")
            if (
                not isinstance(types, list)
                or not types
                or not all(
                    isinstance(t, int) and not isinstance(t, bool) and 1 <= t <= 6 for t in types
                )
            ):
                self.report(
                    node,
                    f"{path}.fitzpatrick",
                    "should list the skin types it is offered for, from 1 to 6, like [1, 2, 3]",
                )
                types = []
            adj_areas = self.id_list(node, "areas", path, areas, "an area")
            adj_concerns = self.id_list(node, "concerns", path, concerns, "a concern")
            excluded = self.id_list(node, "excluded_by", path, questions, "a screening question")
            placement = node.get("placement")
            if placement not in PLACEMENTS:
                self.report(node, f"{path}.placement", "should be " + ", ".join(PLACEMENTS))
            days = self.integer(node, "min_days_from_needling", path, low=0, high=60)
            if ident and kind in kinds and placement in PLACEMENTS and days is not None:
                built.append(
                    Adjunct(
                        ident,
                        kind,
                        name,
                        description,
                        frozenset(types),
                        adj_areas,
                        adj_concerns,
                        excluded,
                        placement,
                        days,
                    )
                )
        self.unique(seen, "adjuncts")
        return built

    def skin_types(self) -> list[SkinType]:
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "skin_types", "skin_types")):
            number = node.get("type")
            valid = isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= 6
            path = f"skin_types[{number if valid else i}]"
            if not valid:
                self.report(node, f"{path}.type", "should be a Fitzpatrick type from 1 to 6")
            seen.append((node, path, number if valid else None))
            self.unknown_keys(
                node, path, ("type", "name", "description", "swatch", "pih_risk", "sun_protection")
            )
            name = self.local_text(node, "name", path)
            description = self.local_text(node, "description", path)
            swatch = node.get("swatch")
            if not isinstance(swatch, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", swatch):
                self.report(node, f"{path}.swatch", 'should be a colour like "#B07C57"')
                swatch = "#808080"
            pih = self.boolean(node, "pih_risk", path)
            sun = self.local_text(node, "sun_protection", path)
            if valid:
                built.append(SkinType(number, name, description, swatch, pih, sun))
        self.unique(seen, "skin_types")
        missing = sorted({1, 2, 3, 4, 5, 6} - {s.type for s in built})
        if missing and isinstance(self.raw.get("skin_types"), list):
            self.report(
                self.raw["skin_types"][0] if self.raw["skin_types"] else self.raw,
                "skin_types",
                "has no entry for type " + ", ".join(map(str, missing)),
            )
        return sorted(built, key=lambda s: s.type)

    def instructions(self, phases, areas, adjuncts, kinds, questions) -> list[Instruction]:
        built, seen = [], []
        phase_ids = {p.id for p in phases}
        tags_known = {t for a in areas for t in a.tags} | {
            t for a in areas for z in a.zones for t in z.tags
        }
        for i, node in enumerate(self.items(self.raw, "instructions", "instructions")):
            ident = self.identifier(node, f"instructions[{i}]")
            path = f"instructions[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(node, path, ("id", "phase", "text", "when"))
            phase = node.get("phase")
            if phase not in phase_ids:
                self.report(
                    node,
                    f"{path}.phase",
                    f'refers to a phase "{phase}", which the catalog does not define',
                )
            text = self.local_text(node, "text", path, PROTOCOL_PLACEHOLDERS)
            when = node.get("when", {})
            condition = Condition()
            if not isinstance(when, dict):
                self.report(node, f"{path}.when", "should be a table of conditions")
            else:
                wpath = f"{path}.when"
                self.unknown_keys(
                    when,
                    wpath,
                    ("areas", "fitzpatrick", "adjunct_kinds", "adjuncts", "screening", "tags"),
                )
                types = when.get("fitzpatrick", [])
                if not isinstance(types, list) or not all(
                    isinstance(t, int) and not isinstance(t, bool) and 1 <= t <= 6 for t in types
                ):
                    self.report(when, f"{wpath}.fitzpatrick", "should list skin types from 1 to 6")
                    types = []
                tags = self.tags(when, wpath)
                for tag in sorted(tags - tags_known):
                    self.report(
                        when,
                        f"{wpath}.tags",
                        f'refers to the tag "{tag}", which no area or zone carries',
                    )
                condition = Condition(
                    areas=frozenset(
                        self.id_list(when, "areas", wpath, {a.id for a in areas}, "an area")
                    ),
                    fitzpatrick=frozenset(types),
                    adjunct_kinds=frozenset(
                        self.id_list(
                            when, "adjunct_kinds", wpath, {k.id for k in kinds}, "an adjunct kind"
                        )
                    ),
                    adjuncts=frozenset(
                        self.id_list(
                            when, "adjuncts", wpath, {a.id for a in adjuncts}, "an adjunct"
                        )
                    ),
                    screening=frozenset(
                        self.id_list(
                            when,
                            "screening",
                            wpath,
                            {q.id for q in questions},
                            "a screening question",
                        )
                    ),
                    tags=tags,
                )
            if ident and phase in phase_ids:
                built.append(Instruction(ident, phase, text, condition))
        self.unique(seen, "instructions")
        return built


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class LoadResult:
    """The catalog the app should use, and why it may not be the one asked for."""

    catalog: Catalog
    clinic_problems: tuple[Problem, ...] = ()
    clinic_file: Path | None = None

    @property
    def used_clinic_catalog(self) -> bool:
        return self.clinic_file is not None and not self.clinic_problems


def builtin_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.toml"))


def check(
    builtin_dir: Path, clinic_file: Path | None = None, parse: Parse = parse_toml
) -> tuple[Catalog | None, list[Problem]]:
    """Read and validate a catalog; ``(catalog, [])`` when valid, ``(None, problems)`` if not.
    ``parse`` turns a file's text into its tables (TOML's parser unless a caller has kept
    them from an earlier run); every check runs on them either way."""
    problems: list[Problem] = []
    files = builtin_files(builtin_dir)
    if not files:
        return None, [Problem(str(builtin_dir), "(folder)", "holds no .toml catalog files")]
    raw = read_layer(files, problems, parse)
    default_file = files[0].name
    if clinic_file is not None:
        overlay = _read_toml(clinic_file, problems, parse)
        if overlay is not None:
            overlay.pop(FILE_KEY, None)
            _merge(raw, overlay, clinic_file.name)
            default_file = clinic_file.name
    if problems:
        return None, problems
    raw = _drop_disabled(raw)
    checker = _Checker(raw, default_file)
    catalog = checker.build()
    return (catalog, []) if catalog is not None else (None, checker.problems)


def load(
    builtin_dir: Path, clinic_file: Path | None = None, parse: Parse = parse_toml
) -> LoadResult:
    """The built-in catalog with the clinic's laid over it.

    A clinic file with problems never stops the app: the built-in catalog is used and the
    problems are returned so the app can say why. A broken built-in catalog raises
    CatalogError (the installation itself is damaged).
    """
    if clinic_file is not None and clinic_file.exists():
        catalog, problems = check(builtin_dir, clinic_file, parse)
        if catalog is not None:
            return LoadResult(catalog, (), clinic_file)
        builtin, builtin_problems = check(builtin_dir, parse=parse)
        if builtin is None:
            raise CatalogError(builtin_problems)
        return LoadResult(builtin, tuple(problems), clinic_file)
    catalog, problems = check(builtin_dir, parse=parse)
    if catalog is None:
        raise CatalogError(problems)
    return LoadResult(catalog)
