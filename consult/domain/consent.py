"""Informed consent: the exact text a patient signs, the signature, and when a consent counts.

A consent form lives in the catalog (``ConsentDocument``); what the patient signs is a
*snapshot* of it (``ConsentText``): its words in the patient's language with every placeholder
filled, the parts shown only for this plan (the off-label notice), and the patient's own
screening answers with any clearance or override. The snapshot is kept whole with the signed
record, so changing the catalog later never changes what was signed; its SHA-256 is kept too.

Whether a consultation has what it needs before a needling session (``consent_status``): a
valid consent for the treatment and for each add-on treatment whose kind needs one. A consent
stops counting when it is withdrawn, when the catalog's form has changed materially since the
version signed, when it is older than the clinic's limit (12 months unless set), or when the
health answers it confirmed have changed since. Refusal and "wants to think about it" are
recorded too; they never count.

Pure Python: no Qt, no SQL, no PDF.
"""

from __future__ import annotations

import calendar
import enum
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from consult.domain.catalog import Catalog, ConsentDocument
from consult.domain.model import Answer, Consultation
from consult.domain.plan import Plan

DEFAULT_VALID_MONTHS = 12
ANSWER_SEPARATOR = " — "  # between a question and the answer given, in an "answer" block
# The smallest signature accepted, as shares of the pad's width: the ink must reach across
# at least this much of it (its larger side) and be at least this long in all.
MIN_EXTENT = 0.08
MIN_INK = 0.15
MAX_POINTS = 20_000  # a signature of this many points is not a signature


class Decision(enum.StrEnum):
    SIGNED = "signed"
    REFUSED = "refused"
    DEFERRED = "deferred"  # the patient wants to think about it
    WITHDRAWN = "withdrawn"  # a later record taking back an earlier signed consent


DECISION_WORDS = {
    Decision.SIGNED: "signed",
    Decision.REFUSED: "refused",
    Decision.DEFERRED: "wants to think about it",
    Decision.WITHDRAWN: "withdrawn",
}


# --------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    pressure: float = 1.0  # 0 to 1: a pen's pressure; 1 for a mouse or a finger
    t: int = 0  # milliseconds since the stroke began


@dataclass(frozen=True)
class Signature:
    """Strokes drawn on a pad of ``width`` × ``height`` (pixels, y downwards)."""

    width: float
    height: float
    strokes: tuple[tuple[Point, ...], ...] = ()

    @property
    def points(self) -> int:
        return sum(len(s) for s in self.strokes)

    def ink_length(self) -> float:
        total = 0.0
        for stroke in self.strokes:
            for a, b in itertools.pairwise(stroke):
                total += math.hypot(b.x - a.x, b.y - a.y)
        return total

    def extent(self) -> tuple[float, float]:
        xs = [p.x for s in self.strokes for p in s]
        ys = [p.y for s in self.strokes for p in s]
        if not xs:
            return 0.0, 0.0
        return max(xs) - min(xs), max(ys) - min(ys)

    def problem(self) -> str | None:
        """Why this cannot be taken as a signature (in plain words), or None."""
        if not self.strokes or self.points == 0:
            return "There is no signature yet: sign on the line with a finger, pen or mouse."
        if self.points > MAX_POINTS:
            return "The signature has far too many points; clear it and sign again."
        reach = max(self.extent())
        if reach < MIN_EXTENT * self.width or self.ink_length() < MIN_INK * self.width:
            return (
                "The signature is only a dot or a tiny mark: clear it and sign your name "
                "across the line."
            )
        return None

    def to_json(self) -> str:
        """The strokes as vector data (JSON): each point [x, y, pressure, ms], rounded."""
        return json.dumps(
            {
                "width": round(self.width, 1),
                "height": round(self.height, 1),
                "strokes": [
                    [[round(p.x, 1), round(p.y, 1), round(p.pressure, 3), int(p.t)] for p in s]
                    for s in self.strokes
                ],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Signature:
        data = json.loads(text)
        return cls(
            float(data["width"]),
            float(data["height"]),
            tuple(
                tuple(Point(float(x), float(y), float(p), int(t)) for x, y, p, t in stroke)
                for stroke in data["strokes"]
            ),
        )


# --------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class Block:
    """One piece of a consent's text as shown: ``kind`` is title, heading, paragraph, item,
    answer (a screening question and the answer given), note (a clearance or override under
    the answers), choice (a photo use; ``ref`` its id) or agreement."""

    kind: str
    text: str
    ref: str = ""


@dataclass(frozen=True)
class ConsentText:
    """Exactly what the patient is shown and signs: kept whole with the record."""

    document: str
    version: int
    document_hash: str
    language: str
    blocks: tuple[Block, ...]

    @property
    def title(self) -> str:
        return next((b.text for b in self.blocks if b.kind == "title"), self.document)

    @property
    def choices(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind == "choice")

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces, UTF-8): what is stored and hashed."""
        data = {
            "document": self.document,
            "version": self.version,
            "document_hash": self.document_hash,
            "language": self.language,
            "blocks": [
                {"kind": b.kind, "text": b.text, **({"ref": b.ref} if b.ref else {})}
                for b in self.blocks
            ],
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def hash(self) -> str:
        return text_hash(self.to_json())

    @classmethod
    def from_json(cls, text: str) -> ConsentText:
        data = json.loads(text)
        return cls(
            data["document"],
            int(data["version"]),
            data["document_hash"],
            data["language"],
            tuple(Block(b["kind"], b["text"], b.get("ref", "")) for b in data["blocks"]),
        )

    def plain(self) -> str:
        """The text as plain lines (for the command line and a search of what was signed)."""
        lines = []
        for b in self.blocks:
            prefix = {"item": "• ", "answer": "• ", "choice": "☐ "}.get(b.kind, "")
            lines.append(prefix + b.text)
        return "\n".join(lines)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def screening_hash(consultation: Consultation) -> str:
    """The health answers a consent confirms, as one hash: the answers and any override."""
    data = {
        "answers": {q: Answer(a).value for q, a in sorted(consultation.screening.items())},
        "override": consultation.override.reason if consultation.override else None,
    }
    return text_hash(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


LongDate = Callable[[date, str], str]


def compose(
    catalog: Catalog,
    document: ConsentDocument,
    consultation: Consultation,
    plan: Plan,
    lang: str,
    *,
    placeholders: Mapping[str, object] | None = None,
    long_date: LongDate = lambda day, _lang: day.isoformat(),
) -> ConsentText:
    """The consent as this patient reads it: in ``lang``, its placeholders filled, the
    sections that apply to this plan, and the patient's own answers where the form asks
    for them. ``long_date`` writes a date in the patient's language."""
    if lang not in catalog.languages:
        raise ValueError(f"The catalog has no {lang!r} texts.")
    protocol = catalog.protocol
    values: dict[str, object] = dict(protocol.placeholders)
    # The questions' own placeholders: the catalog's defaults unless the clinic's are given.
    values.update(
        min_age=protocol.min_age, isotretinoin_window_months=protocol.isotretinoin_window_months
    )
    values.update(placeholders or {})
    blocks = [Block("title", document.title[lang])]
    for section in document.sections:
        if section.when == "off_label" and not plan.off_label:
            continue
        blocks.append(Block("heading", section.heading[lang]))
        if section.text is not None:
            blocks.append(Block("paragraph", section.text.format(lang, values)))
        blocks += [Block("item", item.format(lang, values)) for item in section.items]
        if section.insert == "screening":
            blocks += _answers(catalog, consultation, plan, lang, values, long_date)
    if document.choices:
        blocks.append(Block("heading", catalog.consent_labels["choices_heading"][lang]))
    for choice in document.choices:
        blocks.append(Block("choice", choice.label[lang], choice.id))
    blocks.append(Block("agreement", document.agreement[lang]))
    return ConsentText(document.id, document.version, document.hash, lang, tuple(blocks))


def _answers(catalog, consultation, plan, lang, values, long_date) -> list[Block]:
    labels = catalog.consent_labels
    words = {
        Answer.YES: labels["yes"][lang],
        Answer.NO: labels["no"][lang],
        Answer.NOT_SURE: labels["not_sure"][lang],
    }
    known = {q.id for q in catalog.questions}
    found = []
    for question_id, answer in consultation.screening.items():
        if question_id not in known:
            continue
        asked = catalog.question(question_id).ask(lang, values)
        found.append(
            Block("answer", f"{asked}{ANSWER_SEPARATOR}{words[Answer(answer)]}", question_id)
        )
    clearance = consultation.clearance
    if plan.provisional:
        found.append(Block("note", labels["waiting_clearance"][lang]))
    elif clearance is not None and clearance.covers:
        found.append(
            Block(
                "note",
                labels["cleared"].format(
                    lang,
                    {
                        "cleared_by": clearance.cleared_by,
                        "cleared_on": long_date(clearance.cleared_on, lang),
                    },
                ),
            )
        )
    if consultation.override is not None and plan.screening.overridden:
        found.append(
            Block("note", labels["override"].format(lang, {"reason": consultation.override.reason}))
        )
    return found


# --------------------------------------------------------------------------- when one counts


@dataclass(frozen=True)
class ConsentRecord:
    """What the rules need of a stored consent."""

    id: int
    document: str
    version: int
    decision: Decision
    at: datetime  # when it was signed (or refused, deferred, withdrawn)
    screening_hash: str = ""
    withdraws: int | None = None
    choices: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Missing:
    """A consent the plan still needs, and why (in the provider's words)."""

    document: str
    title: str  # in English, for the provider's screen
    reason: str

    def __str__(self) -> str:
        return f"{self.title}: {self.reason}"


@dataclass(frozen=True)
class ConsentStatus:
    """Whether a session may be recorded: every consent the plan needs is valid."""

    needed: tuple[str, ...]  # the documents the plan needs, by id
    missing: tuple[Missing, ...]
    valid: tuple[ConsentRecord, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.missing

    def summary(self) -> str:
        """One line for the provider: "Consent needed: …", or that every consent is valid."""
        if not self.needed:
            return "No consent is needed: no session is planned."
        if self.ok:
            return "Consent: signed and valid (" + ", ".join(self.needed) + ")."
        return (
            "Consent needed before the first session: "
            + "; ".join(str(m) for m in self.missing)
            + "."
        )


def needed_documents(catalog: Catalog, plan: Plan) -> list[ConsentDocument]:
    """The consents this plan needs before a needling session: the treatment's, when it has
    sessions, and each add-on treatment's whose kind needs one. Photographs never do."""
    if plan.not_treating or not plan.sessions:
        return []
    offered = {a.id: a.kind for a in catalog.adjuncts}
    kinds = {offered[a] for a in plan.adjuncts if a in offered}
    found = []
    for document in catalog.consents:
        if document.kind == "treatment" or (
            document.kind == "adjunct" and document.adjunct_kinds & kinds
        ):
            found.append(document)
    return found


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (the month's last day when it is shorter)."""
    years, month = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month + 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def judge(
    document: ConsentDocument,
    records: Sequence[ConsentRecord],
    *,
    now: datetime,
    valid_months: int = DEFAULT_VALID_MONTHS,
    screening: str | None = None,
) -> tuple[ConsentRecord | None, str]:
    """The valid signed consent to ``document`` among ``records`` (None if none), and why
    not. ``screening``: the current health answers' hash, which a consent with the answers
    in it must match."""
    mine = sorted((r for r in records if r.document == document.id), key=lambda r: (r.at, r.id))
    withdrawn = {r.withdraws: r for r in mine if r.decision is Decision.WITHDRAWN}
    decisions = [r for r in mine if r.decision is not Decision.WITHDRAWN]
    if not decisions:
        return None, "not signed yet"
    last = decisions[-1]
    day = last.at.date().isoformat()
    if last.decision is Decision.REFUSED:
        return None, f"the patient refused on {day}"
    if last.decision is Decision.DEFERRED:
        return None, f"the patient wanted to think about it ({day}); not signed yet"
    if last.id in withdrawn:
        return None, f"withdrawn on {withdrawn[last.id].at.date().isoformat()}"
    if last.version > document.version:
        return None, (
            f"signed to version {last.version}, newer than the catalog's version "
            f"{document.version}: check the catalog in use"
        )
    if document.changed_materially_since(last.version):
        return None, (
            f"signed to version {last.version}; version {document.version} changed the form "
            "materially, so the patient signs again"
        )
    if now >= add_months(last.at, valid_months):
        return None, (
            f"signed on {day}, more than {valid_months} months ago: the patient signs again"
        )
    asks_answers = any(s.insert == "screening" for s in document.sections)
    if asks_answers and screening is not None and last.screening_hash != screening:
        return None, "signed before the health answers were changed: the patient signs again"
    return last, ""


def consent_status(
    catalog: Catalog,
    plan: Plan,
    records: Iterable[ConsentRecord],
    *,
    now: datetime,
    valid_months: int = DEFAULT_VALID_MONTHS,
    screening: str | None = None,
) -> ConsentStatus:
    """Whether ``plan`` has a valid consent for the treatment and each add-on treatment that
    needs one, from the consents recorded for its consultation (``records``)."""
    records = list(records)
    needed = needed_documents(catalog, plan)
    missing, valid = [], []
    for document in needed:
        found, why = judge(
            document, records, now=now, valid_months=valid_months, screening=screening
        )
        if found is None:
            missing.append(Missing(document.id, document.title["en"], why))
        else:
            valid.append(found)
    return ConsentStatus(tuple(d.id for d in needed), tuple(missing), tuple(valid))


def photo_choices(
    catalog: Catalog, records: Iterable[ConsentRecord], *, now: datetime, valid_months: int
) -> dict[str, bool] | None:
    """The patient's current choices for photographs (None when no valid photo consent)."""
    records = list(records)
    for document in catalog.consents:
        if document.kind == "photo":
            found, _ = judge(document, records, now=now, valid_months=valid_months)
            if found is not None:
                return dict(found.choices)
    return None


# --------------------------------------------------------------------------- a new record


@dataclass(frozen=True)
class ConsentEntry:
    """A consent decision to record: what was shown, what was decided, by whom and when.

    ``signed``: both signatures (vector strokes and a PNG each) and the sealed PDF; refused
    or deferred: no signature; ``withdrawn``: the id of the signed consent taken back (its
    text is the text withdrawn) and, in ``note``, how the patient said so."""

    patient_id: int
    consultation_id: int
    text: ConsentText
    decision: Decision
    signed_at: datetime
    patient_name: str
    provider: str
    screening_hash: str = ""
    choices: Mapping[str, bool] = field(default_factory=dict)
    patient_signature: Signature | None = None
    patient_png: bytes | None = None
    provider_signature: Signature | None = None
    provider_png: bytes | None = None
    pdf: bytes | None = None
    withdraws: int | None = None
    note: str = ""

    def problems(self) -> list[str]:
        """What makes this record incomplete (plain words), before anything is saved."""
        found = []
        if self.decision is Decision.SIGNED:
            for who, sig, png in (
                ("patient", self.patient_signature, self.patient_png),
                ("provider", self.provider_signature, self.provider_png),
            ):
                if sig is None or png is None:
                    found.append(f"The {who}'s signature is missing.")
                elif (why := sig.problem()) is not None:
                    found.append(f"The {who}'s signature: {why}")
            if not self.pdf:
                found.append("The signed PDF is missing.")
            wanted = {b.ref for b in self.text.choices}
            if set(self.choices) != wanted:
                found.append("Every choice on the form needs a yes or a no.")
        elif any(
            x is not None
            for x in (self.patient_signature, self.provider_signature, self.pdf, self.patient_png)
        ):
            found.append(f"A consent that is {self.decision.value} keeps no signature or PDF.")
        if (self.decision is Decision.WITHDRAWN) != (self.withdraws is not None):
            found.append("A withdrawal names the signed consent it takes back.")
        if not self.provider.strip():
            found.append("Choose the provider.")
        return found
