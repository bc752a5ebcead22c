"""The clinic catalog: clinical content as data, loaded from TOML and validated.

Every problem is reported as ``FILE: key.path: problem`` in plain words, never as a
traceback. See docs/catalog.md for the format.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import stat
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
        "numbing_max_area_cm2",
        "recovery_min",
        "recovery_max",
        "interval_weeks",
        "results_min",
        "results_max",
    }
)


@dataclass(frozen=True)
class TextKey:
    """A fixed patient text: the placeholders it may use besides the protocol's, and whether
    it makes a clinical statement (then it needs ``sources``)."""

    placeholders: frozenset[str] = frozenset()
    clinical: bool = True


TEXT_KEYS: dict[str, TextKey] = {
    "about": TextKey(),
    "during": TextKey(),
    "recovery": TextKey(),
    "results": TextKey(frozenset({"first_month", "last_month"})),
    "at_home_warning": TextKey(),
    "off_label": TextKey(),
    "sessions_summary": TextKey(frozenset({"count"}), clinical=False),
    "clearance_needed": TextKey(clinical=False),
    "clearance_received": TextKey(frozenset({"cleared_on"}), clinical=False),
    "not_treating": TextKey(clinical=False),
}
SETTING_PLACEHOLDERS = frozenset({"isotretinoin_window_months", "min_age"})
# The protocol's values that are clinical rules: each needs sources in [protocol.sources].
PROTOCOL_RULES = (
    "interval_weeks",
    "min_interval_weeks",
    "numbing_minutes",
    "numbing_max_area_cm2",
    "recovery_days",
    "results_months",
    "sessions",
    "min_age",
    "isotretinoin_window_months",
    "review_months",
)
# What an instruction or a skin type's advice may tell the patient to avoid or to use, for
# the check that no two printed statements contradict each other (see ``conflicts``).
TOPIC = re.compile(r"[a-z][a-z0-9_]*")
SECTION_KEYS = (
    "catalog_version",
    "languages",
    "sources",
    "protocol",
    "labelling",
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
    "consents",
    "consent_labels",
    "photo_views",
    "devices",
    "endpoints",
    "numbing_agents",
    "glide_products",
    "reactions",
)
# The framing guides the camera draws over its live view, one per kind of standard view.
PHOTO_GUIDES = ("face_front", "face_oblique", "face_profile", "body")
# The treatment record's lists (treatment.toml): provider-facing names, each with sources.
TREATMENT_LISTS = ("endpoints", "numbing_agents", "glide_products", "reactions")
MAX_DEVICE_DEPTH_MM = 3.0
# The fixed words a consent's inserted parts use, with the placeholders each may use.
CONSENT_LABELS = {
    "yes": frozenset(),
    "no": frozenset(),
    "not_sure": frozenset(),
    "cleared": frozenset({"cleared_by", "cleared_on"}),
    "waiting_clearance": frozenset(),
    "override": frozenset({"reason"}),
    "choice_yes": frozenset(),
    "choice_no": frozenset(),
    "choices_heading": frozenset(),
    "sign_here": frozenset({"name"}),
    "sign_line": frozenset(),
}
# Consent documents: what each kind is needed for (see ``consult.domain.consent``).
CONSENT_KINDS = ("treatment", "adjunct", "photo")
# A section shown only in some cases: "off_label" when part of the plan is off-label.
CONSENT_WHEN = ("always", "off_label")
# What the app inserts after a section's text: the patient's screening answers, with any
# clearance or override, for the patient to confirm.
CONSENT_INSERTS = ("", "screening")
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
class Source:
    """One entry of the bibliography: what a rule or a statement rests on."""

    id: str
    short: str  # e.g. "Waldman 2017", shown beside each rule on the provider's screen
    citation: str  # enough to find it: authors, title, journal, year, or the agency's page
    url: str = ""


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
    note: LocalText | None = None  # for the provider, shown beside the depth
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    id: str
    group: str
    name: LocalText
    concerns: tuple[str, ...]
    tags: frozenset[str] = frozenset()
    zones: tuple[Zone, ...] = ()
    depth_mm: tuple[float, float] | None = None  # for an area without zones
    note: LocalText | None = None
    sources: tuple[str, ...] = ()

    def zone(self, zone_id: str) -> Zone:
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)


@dataclass(frozen=True)
class PhotoView:
    """A standard view for before-and-after photos ("Face, left 45°"): the same view at each
    visit is what a comparison needs. ``guide``: the camera's framing guide for it
    (``PHOTO_GUIDES``); ``mirror``: the guide drawn mirrored (the left and right views)."""

    id: str
    name: LocalText
    areas: tuple[str, ...]
    guide: str
    mirror: bool = False


@dataclass(frozen=True)
class Severity:
    id: str
    name: LocalText
    sessions: int


@dataclass(frozen=True)
class ConcernKind:
    """A sub-kind of a concern (e.g. melasma under pigmentation), with what the patient should
    know about it when it is the one treated."""

    id: str
    name: LocalText
    caveat: LocalText | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewQuestion:
    """A question asked at the results review about one concern (how it changed)."""

    id: str
    question: LocalText


@dataclass(frozen=True)
class Concern:
    id: str
    name: LocalText
    description: LocalText
    sessions: tuple[int, int]
    typical_sessions: int
    kinds: tuple[ConcernKind, ...] = ()
    severities: tuple[Severity, ...] = ()
    sources: tuple[str, ...] = ()
    review_questions: tuple[ReviewQuestion, ...] = ()

    def sessions_for(self, severity_id: str | None) -> int:
        for severity in self.severities:
            if severity.id == severity_id:
                return severity.sessions
        return self.typical_sessions

    def kind(self, kind_id: str | None) -> ConcernKind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)


@dataclass(frozen=True)
class Cartridge:
    id: str
    name: str


@dataclass(frozen=True)
class Device:
    """A microneedling device the clinic uses: the deepest setting its labelling covers
    (going deeper is outside it and needs a reason on the treatment record), and the
    cartridges it takes."""

    id: str
    name: str
    maker: str
    max_depth_mm: float
    cartridges: tuple[Cartridge, ...]
    sources: tuple[str, ...] = ()

    def cartridge(self, cartridge_id: str) -> Cartridge:
        for cartridge in self.cartridges:
            if cartridge.id == cartridge_id:
                return cartridge
        raise KeyError(cartridge_id)


@dataclass(frozen=True)
class Choice:
    """One entry of a treatment record's list (an endpoint, a numbing agent, a glide
    product, a reaction), in the provider's words."""

    id: str
    name: str
    sources: tuple[str, ...] = ()


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
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    severity: Outcome
    not_sure: Outcome
    question: LocalText
    explanation: LocalText
    sources: tuple[str, ...]
    only_if_tags: frozenset[str] = frozenset()
    # The device's instructions for use list it as a contraindication: never overridden.
    label: bool = False
    # Printed instead of ``explanation`` when a provider goes ahead despite "do not treat".
    override_explanation: LocalText | None = None

    def ask(self, lang: str, values: Mapping[str, object] | None = None) -> str:
        """The question as the provider reads it, its placeholders filled."""
        return self.question.format(lang, values)


@dataclass(frozen=True)
class SkinType:
    type: int
    name: LocalText
    description: LocalText
    swatch: str
    pih_risk: bool
    sun_protection: LocalText
    sources: tuple[str, ...] = ()
    avoid: Mapping[str, int] = field(default_factory=dict)  # topic: days after each session


@dataclass(frozen=True)
class Condition:
    """When an instruction applies: every non-empty set must match."""

    areas: frozenset[str] = frozenset()
    fitzpatrick: frozenset[int] = frozenset()
    adjunct_kinds: frozenset[str] = frozenset()
    adjuncts: frozenset[str] = frozenset()
    screening: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def may_meet(self, other: Condition) -> bool:
        """Whether one patient can match both: only the skin type is one value per patient
        (any two areas, adjuncts, answers or tags can be chosen together)."""
        return not (
            self.fitzpatrick
            and other.fitzpatrick
            and self.fitzpatrick.isdisjoint(other.fitzpatrick)
        )


@dataclass(frozen=True)
class Instruction:
    id: str
    phase: str
    text: LocalText
    when: Condition = field(default_factory=Condition)
    sources: tuple[str, ...] = ()
    avoid: Mapping[str, int] = field(default_factory=dict)  # topic: days after each session
    use: Mapping[str, int] = field(default_factory=dict)  # topic: from this day after a session


@dataclass(frozen=True)
class Protocol:
    interval_weeks: int
    min_interval_weeks: int  # the floor: needling sessions are never planned closer
    numbing_minutes: int
    numbing_max_area_cm2: int  # the most skin numbed at one visit on large areas
    recovery_days: tuple[int, int]
    results_months: tuple[int, int]
    sessions: tuple[int, int]
    min_age: int
    isotretinoin_window_months: int
    closed_weekdays: frozenset[int]
    depth_note: LocalText
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # rule: source ids
    review_months: int = 3  # the results review, this many months after the last session

    @property
    def placeholders(self) -> dict[str, int]:
        return {
            "numbing_minutes": self.numbing_minutes,
            "numbing_max_area_cm2": self.numbing_max_area_cm2,
            "recovery_min": self.recovery_days[0],
            "recovery_max": self.recovery_days[1],
            "interval_weeks": self.interval_weeks,
            "results_min": self.results_months[0],
            "results_max": self.results_months[1],
        }


@dataclass(frozen=True)
class LabelledUse:
    area: str
    concerns: tuple[str, ...]


@dataclass(frozen=True)
class Labelling:
    """What the device's authorisation covers: anything else is an off-label use."""

    min_age: int
    uses: tuple[LabelledUse, ...]
    sources: tuple[str, ...]

    def covers(self, area_id: str, concern_id: str) -> bool:
        return any(u.area == area_id and concern_id in u.concerns for u in self.uses)


@dataclass(frozen=True)
class ClinicalText:
    """A fixed patient text with the sources of what it says."""

    text: LocalText
    sources: tuple[str, ...] = ()

    def format(self, lang: str, values: Mapping[str, object] | None = None) -> str:
        return self.text.format(lang, values)

    @property
    def by_lang(self) -> Mapping[str, str]:
        return self.text.by_lang

    def __getitem__(self, lang: str) -> str:
        return self.text[lang]


@dataclass(frozen=True)
class ConsentSection:
    """One part of a consent document: a heading, a paragraph, bullet points."""

    id: str
    heading: LocalText
    text: LocalText | None = None
    items: tuple[LocalText, ...] = ()
    when: str = "always"  # "off_label": only when part of the plan is off-label
    insert: str = ""  # "screening": the patient's answers follow, to confirm
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsentChoice:
    """A separate yes-or-no choice in a consent (the uses of photographs)."""

    id: str
    label: LocalText


@dataclass(frozen=True)
class ConsentDocument:
    """A consent form: its text in every language, its version and the hash of its text.

    ``material``: this version changes what the patient agrees to, so a consent signed to an
    earlier version no longer counts. ``history`` lists earlier versions as (version,
    material); a version between the signed one and this one that is not listed counts as
    material (re-consent rather than guess)."""

    id: str
    kind: str  # treatment | adjunct | photo
    version: int
    material: bool
    hash: str
    title: LocalText
    agreement: LocalText
    sections: tuple[ConsentSection, ...]
    choices: tuple[ConsentChoice, ...] = ()
    adjunct_kinds: frozenset[str] = frozenset()
    history: tuple[tuple[int, bool], ...] = ()

    def changed_materially_since(self, signed_version: int) -> bool:
        """Whether a version after ``signed_version``, up to this one, is a material change."""
        if signed_version >= self.version:
            return False
        known = dict(self.history)
        known[self.version] = self.material
        return any(known.get(v, True) for v in range(signed_version + 1, self.version + 1))


def consent_hash(
    consent_id: str,
    title: LocalText,
    agreement: LocalText,
    sections: Iterable[ConsentSection],
    choices: Iterable[ConsentChoice] = (),
) -> str:
    """SHA-256 of what a consent document says, in every language: its title, agreement,
    sections (heading, text, points, when shown, what follows) and choices. Not its sources
    or version: those describe the text, they are not what the patient reads."""

    def texts(value: LocalText | None) -> dict[str, str] | None:
        return None if value is None else dict(sorted(value.by_lang.items()))

    content = {
        "id": consent_id,
        "title": texts(title),
        "agreement": texts(agreement),
        "sections": [
            {
                "id": s.id,
                "heading": texts(s.heading),
                "text": texts(s.text),
                "items": [texts(i) for i in s.items],
                "when": s.when,
                "insert": s.insert,
            }
            for s in sections
        ],
        "choices": [{"id": c.id, "label": texts(c.label)} for c in choices],
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _index(items: Iterable[Any], key: str = "id") -> dict[Any, Any]:
    return {getattr(item, key): item for item in items}


@dataclass(frozen=True)
class Catalog:
    version: str
    languages: tuple[str, ...]
    protocol: Protocol
    texts: Mapping[str, ClinicalText]
    phases: tuple[Phase, ...]
    adjunct_kinds: tuple[Named, ...]
    area_groups: tuple[Named, ...]
    areas: tuple[Area, ...]
    concerns: tuple[Concern, ...]
    adjuncts: tuple[Adjunct, ...]
    questions: tuple[Question, ...]
    skin_types: tuple[SkinType, ...]
    instructions: tuple[Instruction, ...]
    sources: tuple[Source, ...] = ()
    labelling: Labelling | None = None
    consents: tuple[ConsentDocument, ...] = ()
    consent_labels: Mapping[str, LocalText] = field(default_factory=dict)
    photo_views: tuple[PhotoView, ...] = ()
    devices: tuple[Device, ...] = ()
    endpoints: tuple[Choice, ...] = ()
    numbing_agents: tuple[Choice, ...] = ()
    glide_products: tuple[Choice, ...] = ()
    reactions: tuple[Choice, ...] = ()

    def device(self, device_id: str) -> Device:
        return _index(self.devices)[device_id]

    def choices(self, kind: str) -> tuple[Choice, ...]:
        """A treatment record's list: "endpoints", "numbing_agents", "glide_products" or
        "reactions"."""
        if kind not in TREATMENT_LISTS:
            raise KeyError(kind)
        return getattr(self, kind)

    def choice_name(self, kind: str, choice_id: str) -> str:
        """An entry's name, or its id when the catalog no longer has it (an older record)."""
        return next((c.name for c in self.choices(kind) if c.id == choice_id), choice_id)

    @cached_property
    def _areas(self) -> dict[str, Area]:
        return _index(self.areas)

    @cached_property
    def _photo_views(self) -> dict[str, PhotoView]:
        return _index(self.photo_views)

    def photo_view(self, view_id: str) -> PhotoView:
        return self._photo_views[view_id]

    def views_for(self, area_id: str) -> tuple[PhotoView, ...]:
        """The standard photo views of an area, in the catalog's order; every view for an area
        no view names (one a clinic added without views), so its photos can still be tagged."""
        own = tuple(v for v in self.photo_views if area_id in v.areas)
        return own or self.photo_views

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

    @cached_property
    def _sources(self) -> dict[str, Source]:
        return _index(self.sources)

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

    def source(self, source_id: str) -> Source:
        return self._sources[source_id]

    def consent(self, consent_id: str) -> ConsentDocument:
        return _index(self.consents)[consent_id]

    def cite(self, source_ids: Iterable[str]) -> str:
        """The sources' short names, for the provider's screen: "Waldman 2017; Spring 2017"."""
        return "; ".join(self._sources[s].short for s in source_ids if s in self._sources)

    def citations(self, source_ids: Iterable[str]) -> list[Source]:
        return [self._sources[s] for s in source_ids if s in self._sources]

    def adjunct_kind(self, kind_id: str) -> Named:
        return _index(self.adjunct_kinds)[kind_id]

    def counts(self) -> dict[str, int]:
        return {
            "areas": len(self.areas),
            "face zones": sum(len(a.zones) for a in self.areas),
            "concerns": len(self.concerns),
            "adjuncts": len(self.adjuncts),
            "screening questions": len(self.questions),
            "of which device-label contraindications": sum(q.label for q in self.questions),
            "skin types": len(self.skin_types),
            "instruction phases": len(self.phases),
            "instructions": len(self.instructions),
            "fixed texts": len(self.texts),
            "sources": len(self.sources),
            "consent documents": len(self.consents),
            "devices": len(self.devices),
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


MAX_CATALOG_BYTES = 5 * 1024**2  # the built-in catalog is about 150 kB


def parse_toml(text: str) -> dict[str, Any]:
    import tomllib  # here, so that a caller with its own ``parse`` never loads it

    return tomllib.loads(text)


def _read_toml(
    path: Path, problems: list[Problem], parse: Parse = parse_toml
) -> dict[str, Any] | None:
    name = path.name
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(name, "(file)", "is not a plain file"))
            return None
        if info.st_size > MAX_CATALOG_BYTES:
            problems.append(
                Problem(
                    name, "(file)", f"is far too large to be a catalog ({info.st_size:,} bytes)"
                )
            )
            return None
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
    except RecursionError:
        problems.append(Problem(name, "(file)", "is nested far too deeply to be a catalog"))
        return None
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
        self.source_ids: set[str] = set()

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
        if "sources" in allowed:
            allowed.add("source")  # the old free-text key: ``sources`` says what to do instead
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

    def sources(
        self, node: dict, path: str, required: bool = True, key: str = "sources"
    ) -> tuple[str, ...]:
        """Ids from the bibliography ([[sources]]): what a clinical entry rests on. An entry
        that makes a clinical rule or statement must name at least one."""
        where = f"{path}.{key}"
        value = node.get(key)
        if value is None:
            if "source" in node and key == "sources":
                self.report(
                    node,
                    f"{path}.source",
                    "is now `sources`: a list of ids from the [[sources]] bibliography, like "
                    '["waldman_2017"]; put the full reference in [[sources]]',
                )
            elif required:
                self.report(
                    node,
                    where,
                    "is missing: a clinical entry names its sources, ids from [[sources]] "
                    '(like ["clinic_page"])',
                )
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.report(node, where, "should be a list of source ids in quotes")
            return ()
        if required and not value:
            self.report(node, where, "is empty: name at least one source from [[sources]]")
        for item in value:
            if item not in self.source_ids:
                self.report(
                    node, where, f'refers to a source "{item}", which [[sources]] does not list'
                )
        return tuple(value)

    def topics(self, node: dict, key: str, path: str, low: int = 0) -> dict[str, int]:
        """``avoid = { exercise = 3 }``: topics, each with a number of days after a session."""
        value = node.get(key, {})
        where = f"{path}.{key}"
        if not isinstance(value, dict):
            self.report(node, where, "should be a table of topics and days, like { exercise = 3 }")
            return {}
        found = {}
        for topic, days in value.items():
            if topic == FILE_KEY:
                continue
            if not TOPIC.fullmatch(topic):
                self.report(value, f"{where}.{topic}", "is not a topic (lower-case letters and _)")
            elif isinstance(days, bool) or not isinstance(days, int) or not low <= days <= 365:
                self.report(
                    value, f"{where}.{topic}", f"should be a number of days from {low} to 365"
                )
            else:
                found[topic] = days
        return found

    def optional_text(
        self, node: dict, key: str, path: str, placeholders: Iterable[str] = ()
    ) -> LocalText | None:
        return self.local_text(node, key, path, placeholders) if key in node else None

    def local_text(
        self,
        node: dict,
        key: str,
        path: str,
        placeholders: Iterable[str] = (),
        extra_keys: tuple[str, ...] = (),
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
            if lang not in self.languages and lang not in (FILE_KEY, *extra_keys):
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

        sources = self.bibliography()
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
        labelling = self.labelling(areas, {c.id for c in concerns})
        texts = self.texts()
        instructions = self.instructions(phases, areas, adjuncts, kinds, questions)
        self.conflicts(instructions, skin_types)
        consents = self.consents({k.id for k in kinds})
        labels = self.consent_labels() if consents else {}
        views = self.photo_views({a.id for a in areas})
        devices = self.devices()
        lists = {key: self.choice_list(key) for key in TREATMENT_LISTS}
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
            sources=tuple(sources),
            labelling=labelling,
            consents=tuple(consents),
            consent_labels=labels,
            photo_views=tuple(views),
            devices=tuple(devices),
            **lists,
        )

    def photo_views(self, areas: set[str]) -> list[PhotoView]:
        """[[photo_views]]: the standard views photos are taken in, each for some areas (an
        area no view names may use any of them: ``Catalog.views_for``)."""
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "photo_views", "photo_views")):
            ident = self.identifier(node, f"photo_views[{i}]")
            path = f"photo_views[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(node, path, ("id", "name", "areas", "guide", "mirror"))
            name = self.local_text(node, "name", path)
            covered = self.id_list(node, "areas", path, areas, "an area")
            if not covered:
                self.report(node, f"{path}.areas", "lists no area: which areas is it for?")
            guide = node.get("guide")
            if guide not in PHOTO_GUIDES:
                self.report(node, f"{path}.guide", f"should be one of {', '.join(PHOTO_GUIDES)}")
            mirror = self.boolean(node, "mirror", path, default=False)
            if ident and guide in PHOTO_GUIDES:
                built.append(PhotoView(ident, name, covered, str(guide), mirror))
        self.unique(seen, "photo_views")
        return built

    def devices(self) -> list[Device]:
        """[[devices]]: each with its labelled maximum depth, cartridges and sources."""
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "devices", "devices", required=False)):
            ident = self.identifier(node, f"devices[{i}]")
            path = f"devices[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(
                node, path, ("id", "name", "maker", "max_depth_mm", "cartridges", "sources")
            )
            name = self.text_value(node, "name", path)
            maker = self.text_value(node, "maker", path)
            depth = node.get("max_depth_mm")
            if (
                not isinstance(depth, int | float)
                or isinstance(depth, bool)
                or not 0 < depth <= MAX_DEVICE_DEPTH_MM
            ):
                self.report(
                    node,
                    f"{path}.max_depth_mm",
                    f"should be the labelled maximum depth in millimetres, above 0 and at most "
                    f"{MAX_DEVICE_DEPTH_MM}",
                )
                depth = None
            cartridges, cart_seen = [], []
            for j, cart in enumerate(self.items(node, "cartridges", f"{path}.cartridges")):
                cid = self.identifier(cart, f"{path}.cartridges[{j}]")
                cpath = f"{path}.cartridges[{cid or j}]"
                cart_seen.append((cart, cpath, cid))
                self.unknown_keys(cart, cpath, ("id", "name"))
                cname = self.text_value(cart, "name", cpath)
                if cid:
                    cartridges.append(Cartridge(cid, cname))
            self.unique(cart_seen, f"{path}.cartridges")
            sources = self.sources(node, path)
            if ident and depth is not None:
                built.append(Device(ident, name, maker, float(depth), tuple(cartridges), sources))
        self.unique(seen, "devices")
        return built

    def choice_list(self, section: str) -> tuple[Choice, ...]:
        """One of the treatment record's lists (``TREATMENT_LISTS``): id, name, sources."""
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, section, section, required=False)):
            ident = self.identifier(node, f"{section}[{i}]")
            path = f"{section}[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(node, path, ("id", "name", "sources"))
            name = self.text_value(node, "name", path)
            sources = self.sources(node, path)
            if ident:
                built.append(Choice(ident, name, sources))
        self.unique(seen, section)
        return tuple(built)

    def bibliography(self) -> list[Source]:
        """[[sources]]: the one table every clinical entry points into."""
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "sources", "sources")):
            ident = self.identifier(node, f"sources[{i}]")
            path = f"sources[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(node, path, ("id", "short", "citation", "url"))
            short = self.text_value(node, "short", path)
            citation = self.text_value(node, "citation", path)
            url = node.get("url", "")
            if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
                self.report(node, f"{path}.url", 'should be a web address starting "https://"')
                url = ""
            if ident:
                self.source_ids.add(ident)
                built.append(Source(ident, short, citation, url))
        self.unique(seen, "sources")
        return built

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
            (*PROTOCOL_RULES, "closed_weekdays", "depth_note", "sources"),
        )
        interval = self.integer(node, "interval_weeks", p, low=1, high=26)
        floor = self.integer(node, "min_interval_weeks", p, low=1, high=26)
        if interval is not None and floor is not None and interval < floor:
            self.report(
                node,
                f"{p}.interval_weeks",
                f"({interval} weeks) is shorter than the minimum interval, min_interval_weeks "
                f"({floor} weeks): needling sessions are never planned closer than that",
            )
            interval = None
        numbing = self.integer(node, "numbing_minutes", p, low=0, high=120)
        numbing_area = self.integer(node, "numbing_max_area_cm2", p, low=1, high=5000)
        recovery = self.int_range(node, "recovery_days", p, low=0)
        results = self.int_range(node, "results_months", p, low=0)
        sessions = self.int_range(node, "sessions", p, low=1)
        min_age = self.integer(node, "min_age", p, low=0, high=120)
        window = self.integer(node, "isotretinoin_window_months", p, low=0, high=60)
        review = self.integer(node, "review_months", p, low=1, high=24)
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
        rule_sources: dict[str, tuple[str, ...]] = {}
        table = self.table(node, "sources", f"{p}.sources")
        if table is not None:
            self.unknown_keys(table, f"{p}.sources", PROTOCOL_RULES)
            for rule in PROTOCOL_RULES:
                rule_sources[rule] = self.sources(table, f"{p}.sources", key=rule)
        values = (interval, floor, numbing, numbing_area, recovery, results, sessions)
        if any(v is None for v in (*values, min_age, window, review)):
            return None
        return Protocol(
            interval_weeks=interval,
            min_interval_weeks=floor,
            numbing_minutes=numbing,
            numbing_max_area_cm2=numbing_area,
            recovery_days=recovery,
            results_months=results,
            sessions=sessions,
            min_age=min_age,
            isotretinoin_window_months=window,
            closed_weekdays=frozenset(closed_days),
            depth_note=note,
            sources=rule_sources,
            review_months=review,
        )

    def labelling(self, areas: list[Area], concerns: set[str]) -> Labelling | None:
        """[labelling]: the uses and ages the device's authorisation covers."""
        node = self.table(self.raw, "labelling", "labelling")
        if node is None:
            return None
        p = "labelling"
        self.unknown_keys(node, p, ("min_age", "uses", "sources"))
        min_age = self.integer(node, "min_age", p, low=0, high=120)
        area_ids = {a.id for a in areas}
        uses = []
        for i, use in enumerate(self.items(node, "uses", f"{p}.uses")):
            upath = f"{p}.uses[{i}]"
            self.unknown_keys(use, upath, ("area", "concerns"))
            area = use.get("area")
            if area not in area_ids:
                self.report(
                    use, f"{upath}.area", f'refers to an area "{area}", which the catalog lacks'
                )
                continue
            listed = self.id_list(use, "concerns", upath, concerns, "a concern")
            uses.append(LabelledUse(area, listed))
        sources = self.sources(node, p)
        if min_age is None:
            return None
        return Labelling(min_age, tuple(uses), sources)

    def texts(self) -> dict[str, ClinicalText]:
        node = self.table(self.raw, "texts", "texts")
        if node is None:
            return {}
        self.unknown_keys(node, "texts", TEXT_KEYS)
        texts = {}
        for key, spec in TEXT_KEYS.items():
            text = self.local_text(
                node, key, "texts", PROTOCOL_PLACEHOLDERS | spec.placeholders, ("sources",)
            )
            value = node.get(key)
            sources: tuple[str, ...] = ()
            if isinstance(value, dict):
                sources = self.sources(value, f"texts.{key}", required=spec.clinical)
            texts[key] = ClinicalText(text, sources)
        return texts

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
                    "sources",
                    "review_questions",
                ),
            )
            name = self.local_text(node, "name", path)
            description = self.local_text(node, "description", path)
            sessions = self.int_range(node, "sessions", path, low=1)
            typical = self.integer(node, "typical_sessions", path, low=1)
            sources = self.sources(node, path)
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
                self.unknown_keys(kind, kpath, ("id", "name", "caveat", "sources"))
                text = self.local_text(kind, "name", kpath)
                caveat = self.optional_text(kind, "caveat", kpath)
                kind_sources = self.sources(kind, kpath, required=caveat is not None)
                if kid:
                    kinds.append(ConcernKind(kid, text, caveat, kind_sources))
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
            questions, question_seen = [], []
            for j, q in enumerate(
                self.items(node, "review_questions", f"{path}.review_questions", required=False)
            ):
                qid = self.identifier(q, f"{path}.review_questions[{j}]")
                qpath = f"{path}.review_questions[{qid or j}]"
                question_seen.append((q, qpath, qid))
                self.unknown_keys(q, qpath, ("id", "question"))
                text = self.local_text(q, "question", qpath)
                if qid:
                    questions.append(ReviewQuestion(qid, text))
            self.unique(question_seen, f"{path}.review_questions")
            if ident and sessions and typical:
                built.append(
                    Concern(
                        ident,
                        name,
                        description,
                        sessions,
                        typical,
                        tuple(kinds),
                        tuple(severities),
                        sources,
                        tuple(questions),
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
            self.unknown_keys(
                node,
                path,
                ("id", "group", "name", "concerns", "tags", "zones", "depth_mm", "note", "sources"),
            )
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
            area_sources = self.sources(node, path)
            note = self.optional_text(node, "note", path)
            zones, zone_seen = [], []
            for j, zone in enumerate(self.items(node, "zones", f"{path}.zones", required=False)):
                zid = self.identifier(zone, f"{path}.zones[{j}]")
                zpath = f"{path}.zones[{zid or j}]"
                zone_seen.append((zone, zpath, zid))
                self.unknown_keys(
                    zone, zpath, ("id", "name", "depth_mm", "tags", "note", "sources")
                )
                zname = self.local_text(zone, "name", zpath)
                depth = self.depth(zone, zpath)
                znote = self.optional_text(zone, "note", zpath)
                # A zone rests on its area's sources unless it names its own.
                zsources = self.sources(zone, zpath, required=False) or area_sources
                if zid and depth:
                    zones.append(Zone(zid, zname, depth, self.tags(zone, zpath), znote, zsources))
            self.unique(zone_seen, f"{path}.zones")
            depth = None
            if "depth_mm" in node or not node.get("zones"):
                depth = self.depth(node, path)
            if ident:
                built.append(
                    Area(
                        ident,
                        str(group),
                        name,
                        allowed,
                        self.tags(node, path),
                        tuple(zones),
                        depth,
                        note,
                        area_sources,
                    )
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
                (
                    "id",
                    "severity",
                    "not_sure",
                    "question",
                    "explanation",
                    "sources",
                    "only_if_tags",
                    "label",
                    "override_explanation",
                ),
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
            sources = self.sources(node, path)
            tags = self.tags(node, path, "only_if_tags")
            label = self.boolean(node, "label", path, default=False)
            override = self.optional_text(node, "override_explanation", path, SETTING_PLACEHOLDERS)
            if label and severity is not Outcome.DO_NOT_TREAT:
                self.report(
                    node,
                    f"{path}.label",
                    "marks a contraindication on the device's label, so the severity must be "
                    "do_not_treat",
                )
            if severity is Outcome.DO_NOT_TREAT and label and override is not None:
                self.report(
                    node,
                    f"{path}.override_explanation",
                    "is never printed: a contraindication on the device's label cannot be "
                    "overridden; remove it",
                )
            if severity is Outcome.DO_NOT_TREAT and not label and override is None:
                self.report(
                    node,
                    f"{path}.override_explanation",
                    "is missing: a provider may go ahead despite this answer, and the plan then "
                    "prints this text instead of the explanation",
                )
            if severity is not Outcome.DO_NOT_TREAT and override is not None:
                self.report(
                    node,
                    f"{path}.override_explanation",
                    "is only for do_not_treat questions (nothing else is overridden)",
                )
            if ident and severity and unsure:
                built.append(
                    Question(
                        ident,
                        severity,
                        unsure,
                        question,
                        explanation,
                        sources,
                        tags,
                        label,
                        override,
                    )
                )
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
                    "sources",
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
            sources = self.sources(node, path)
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
                        sources,
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
                node,
                path,
                (
                    "type",
                    "name",
                    "description",
                    "swatch",
                    "pih_risk",
                    "sun_protection",
                    "sources",
                    "avoid",
                ),
            )
            name = self.local_text(node, "name", path)
            description = self.local_text(node, "description", path)
            swatch = node.get("swatch")
            if not isinstance(swatch, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", swatch):
                self.report(node, f"{path}.swatch", 'should be a colour like "#B07C57"')
                swatch = "#808080"
            pih = self.boolean(node, "pih_risk", path)
            sun = self.local_text(node, "sun_protection", path)
            sources = self.sources(node, path)
            avoid = self.topics(node, "avoid", path, low=1)
            if valid:
                built.append(SkinType(number, name, description, swatch, pih, sun, sources, avoid))
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
            self.unknown_keys(
                node, path, ("id", "phase", "text", "when", "sources", "avoid", "use")
            )
            phase = node.get("phase")
            if phase not in phase_ids:
                self.report(
                    node,
                    f"{path}.phase",
                    f'refers to a phase "{phase}", which the catalog does not define',
                )
            text = self.local_text(node, "text", path, PROTOCOL_PLACEHOLDERS)
            sources = self.sources(node, path)
            avoid = self.topics(node, "avoid", path, low=1)
            use = self.topics(node, "use", path)
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
                built.append(Instruction(ident, phase, text, condition, sources, avoid, use))
        self.unique(seen, "instructions")
        return built

    def conflicts(self, instructions: list[Instruction], skin_types: list[SkinType]) -> None:
        """Printed statements that one patient can be given together must not contradict each
        other: two that say how long to avoid the same thing must give the same number of days,
        and one must not tell the patient to use something another says to avoid then.

        What each statement avoids or uses is declared beside it (``avoid``, ``use``), so this
        finds the contradictions a catalog declares; a text with none declared is not checked.
        """
        # (where, its file, when it applies, what it avoids, what it uses)
        statements: list[tuple[str, str, Condition, Mapping[str, int], Mapping[str, int]]] = [
            (
                f"instructions[{i.id}]",
                self._file_of_entry("instructions", "id", i.id),
                i.when,
                i.avoid,
                i.use,
            )
            for i in instructions
        ]
        statements += [
            (
                f"skin_types[{t.type}]",
                self._file_of_entry("skin_types", "type", t.type),
                Condition(fitzpatrick=frozenset({t.type})),
                t.avoid,
                {},
            )
            for t in skin_types
        ]
        files = {path: file for path, file, *_ in statements}
        for n, (path_a, _, when_a, avoid_a, use_a) in enumerate(statements):
            for path_b, _, when_b, avoid_b, use_b in statements[n + 1 :]:
                if not when_a.may_meet(when_b):
                    continue
                for topic in sorted(set(avoid_a) & set(avoid_b)):
                    if avoid_a[topic] != avoid_b[topic]:
                        self.problems.append(
                            Problem(
                                files[path_a],
                                f"{path_a}.avoid.{topic}",
                                f"says to avoid {topic} for {avoid_a[topic]} days, and "
                                f"{path_b} for {avoid_b[topic]} days; one patient can be given "
                                "both: give them the same number of days, or limit one of them "
                                "with `when`",
                            )
                        )
                for (path_x, avoid), (path_y, use) in (
                    ((path_a, avoid_a), (path_b, use_b)),
                    ((path_b, avoid_b), (path_a, use_a)),
                ):
                    for topic in sorted(set(avoid) & set(use)):
                        if use[topic] < avoid[topic]:
                            self.problems.append(
                                Problem(
                                    files[path_y],
                                    f"{path_y}.use.{topic}",
                                    f"says to use {topic} from day {use[topic]}, while "
                                    f"{path_x} says to avoid it for {avoid[topic]} days; one "
                                    "patient can be given both: make them agree",
                                )
                            )

    def consents(self, adjunct_kinds: set[str]) -> list[ConsentDocument]:
        """[[consents]]: the consent forms, each with its version and the hash of its text.

        The hash is checked: a text changed without a new hash is refused, so nobody changes
        what patients sign without deciding whether the change is material (a new version
        with ``material = true`` asks everyone to sign again)."""
        built, seen = [], []
        for i, node in enumerate(self.items(self.raw, "consents", "consents", required=False)):
            ident = self.identifier(node, f"consents[{i}]")
            path = f"consents[{ident or i}]"
            seen.append((node, path, ident))
            self.unknown_keys(
                node,
                path,
                (
                    "id",
                    "kind",
                    "version",
                    "material",
                    "hash",
                    "title",
                    "agreement",
                    "sections",
                    "choices",
                    "adjunct_kinds",
                    "history",
                ),
            )
            kind = node.get("kind")
            if kind not in CONSENT_KINDS:
                self.report(node, f"{path}.kind", "should be " + ", ".join(CONSENT_KINDS))
            version = self.integer(node, "version", path, low=1, high=10_000)
            material = self.boolean(node, "material", path)
            title = self.local_text(node, "title", path)
            agreement = self.local_text(node, "agreement", path)
            sections = self.consent_sections(node, path)
            choices, choice_seen = [], []
            for j, choice in enumerate(
                self.items(node, "choices", f"{path}.choices", required=False)
            ):
                cid = self.identifier(choice, f"{path}.choices[{j}]")
                cpath = f"{path}.choices[{cid or j}]"
                choice_seen.append((choice, cpath, cid))
                self.unknown_keys(choice, cpath, ("id", "label"))
                label = self.local_text(choice, "label", cpath)
                if cid:
                    choices.append(ConsentChoice(cid, label))
            self.unique(choice_seen, f"{path}.choices")
            if kind == "photo" and not choices:
                self.report(node, f"{path}.choices", "is missing: a photo consent lists its uses")
            if kind != "photo" and choices:
                self.report(node, f"{path}.choices", "are only for a photo consent")
            kinds = self.id_list(node, "adjunct_kinds", path, adjunct_kinds, "an adjunct kind")
            if kind == "adjunct" and not kinds:
                self.report(
                    node,
                    f"{path}.adjunct_kinds",
                    "is missing: which kinds of add-on treatment need this consent?",
                )
            if kind != "adjunct" and kinds:
                self.report(node, f"{path}.adjunct_kinds", "is only for an adjunct consent")
            history = self.consent_history(node, path, version)
            wanted = consent_hash(ident or "", title, agreement, sections, choices)
            stated = node.get("hash")
            if stated != wanted:
                what = "is missing" if stated is None else "does not match the text"
                self.report(
                    node,
                    f"{path}.hash",
                    f"{what}: if you changed what the consent says, raise `version` (with "
                    "`material = true` when patients must sign again), then set "
                    f'hash = "{wanted}"',
                )
            if ident and kind in CONSENT_KINDS and version is not None:
                built.append(
                    ConsentDocument(
                        ident,
                        kind,
                        version,
                        material,
                        wanted,
                        title,
                        agreement,
                        tuple(sections),
                        tuple(choices),
                        frozenset(kinds),
                        history,
                    )
                )
        self.unique(seen, "consents")
        if built and not any(c.kind == "treatment" for c in built):
            self.report(self.raw, "consents", 'has no treatment consent (kind = "treatment")')
        return built

    def consent_labels(self) -> dict[str, LocalText]:
        """[consent_labels]: the words of a consent's inserted parts (answers, clearance)."""
        node = self.table(self.raw, "consent_labels", "consent_labels")
        if node is None:
            return {}
        self.unknown_keys(node, "consent_labels", CONSENT_LABELS)
        return {
            key: self.local_text(node, key, "consent_labels", allowed)
            for key, allowed in CONSENT_LABELS.items()
        }

    def consent_sections(self, node: dict, path: str) -> list[ConsentSection]:
        built, seen = [], []
        for j, sec in enumerate(self.items(node, "sections", f"{path}.sections")):
            sid = self.identifier(sec, f"{path}.sections[{j}]")
            spath = f"{path}.sections[{sid or j}]"
            seen.append((sec, spath, sid))
            self.unknown_keys(
                sec, spath, ("id", "heading", "text", "items", "when", "insert", "sources")
            )
            heading = self.local_text(sec, "heading", spath)
            text = self.optional_text(sec, "text", spath, PROTOCOL_PLACEHOLDERS)
            raw_items = sec.get("items", [])
            items = []
            if not isinstance(raw_items, list) or not all(isinstance(x, dict) for x in raw_items):
                self.report(sec, f"{spath}.items", "should be a list of texts, one per point")
            else:
                for k, item in enumerate(raw_items):
                    # Reported as ``….items[k]``: the text is looked up under that name.
                    key = f"items[{k}]"
                    holder = {key: item, FILE_KEY: self.file_of(sec)}
                    items.append(self.local_text(holder, key, spath, PROTOCOL_PLACEHOLDERS))
            when = sec.get("when", "always")
            if when not in CONSENT_WHEN:
                self.report(sec, f"{spath}.when", "should be " + " or ".join(CONSENT_WHEN))
                when = "always"
            insert = sec.get("insert", "")
            if insert not in CONSENT_INSERTS:
                self.report(sec, f"{spath}.insert", 'should be "screening" or left out')
                insert = ""
            if text is None and not items and not insert:
                self.report(sec, spath, "says nothing: give it a text, points or both")
            # What a section tells the patient about the treatment rests on sources; the
            # screening answers and the patient's rights are the patient's own record.
            sources = self.sources(sec, spath, required=not insert)
            if sid:
                built.append(
                    ConsentSection(sid, heading, text, tuple(items), when, insert, sources)
                )
        self.unique(seen, f"{path}.sections")
        return built

    def consent_history(
        self, node: dict, path: str, version: int | None
    ) -> tuple[tuple[int, bool], ...]:
        found = []
        for j, entry in enumerate(self.items(node, "history", f"{path}.history", required=False)):
            hpath = f"{path}.history[{j}]"
            self.unknown_keys(entry, hpath, ("version", "material", "note"))
            number = self.integer(entry, "version", hpath, low=1, high=10_000)
            material = self.boolean(entry, "material", hpath)
            if number is not None and version is not None and number >= version:
                self.report(
                    entry, f"{hpath}.version", f"({number}) is not earlier than version {version}"
                )
            elif number is not None:
                found.append((number, material))
        numbers = [n for n, _ in found]
        if numbers != sorted(set(numbers)):
            self.report(
                node, f"{path}.history", "should list earlier versions once each, oldest first"
            )
        return tuple(found)

    def _file_of_entry(self, section: str, key: str, value: Any) -> str:
        for node in self.raw.get(section) or []:
            if isinstance(node, dict) and node.get(key) == value:
                return self.file_of(node)
        return self.default_file


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
