"""What an amendment changes against the revision it replaces, in the provider's words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consult.domain.catalog import Catalog
from consult.domain.model import Answer, ConcernChoice, Consultation

if TYPE_CHECKING:
    from consult.domain.plan import Plan

ANSWER_WORDS = {Answer.YES: "yes", Answer.NO: "no", Answer.NOT_SURE: "not sure"}


def _area(catalog: Catalog, area_id: str) -> str:
    known = {a.id for a in catalog.areas}
    return catalog.area(area_id).name["en"] if area_id in known else area_id


def _adjunct(catalog: Catalog, adjunct_id: str) -> str:
    known = {a.id for a in catalog.adjuncts}
    return catalog.adjunct(adjunct_id).name["en"] if adjunct_id in known else adjunct_id


def _question(catalog: Catalog, question_id: str) -> str:
    known = {q.id for q in catalog.questions}
    return catalog.question(question_id).question["en"] if question_id in known else question_id


def describe_concern(catalog: Catalog, pick: ConcernChoice, lang: str = "en") -> str:
    """A chosen concern with its severity and kind: "acne scars (moderate; rolling)"."""
    if pick.concern_id not in {c.id for c in catalog.concerns}:
        return pick.concern_id
    concern = catalog.concern(pick.concern_id)
    details = [s.name[lang].lower() for s in concern.severities if s.id == pick.severity]
    details += [k.name[lang].lower() for k in concern.kinds if k.id == pick.kind]
    name = concern.name[lang].lower()
    return f"{name} ({'; '.join(details)})" if details else name


def describe_area(catalog: Catalog, area_id: str, zones: tuple[str, ...], lang: str = "en") -> str:
    """An area with its chosen zones: "Face (forehead, cheeks)"; "Neck" for a whole area."""
    if area_id not in {a.id for a in catalog.areas}:
        return area_id
    area = catalog.area(area_id)
    known = {z.id for z in area.zones}
    names = [area.zone(z).name[lang].lower() if z in known else z for z in zones]
    return area.name[lang] + (f" ({', '.join(names)})" if names else "")


def _areas(catalog: Catalog, item: Consultation) -> dict[str, str]:
    """Each chosen area as it reads: "Face (cheeks, chin): acne scars (moderate)"."""
    return {
        choice.area_id: describe_area(catalog, choice.area_id, choice.zones)
        + (
            ": " + ", ".join(describe_concern(catalog, c) for c in choice.concerns)
            if choice.concerns
            else ""
        )
        for choice in item.areas
    }


def changes(
    catalog: Catalog,
    old: Consultation,
    new: Consultation,
    old_plan: Plan,
    new_plan: Plan,
    describe_day=lambda day: day.isoformat(),
    describe_language=lambda code: code,
) -> list[str]:
    """One line per change from ``old`` to ``new`` (an empty list: nothing changed yet).
    ``describe_day`` and ``describe_language`` write a date and a language as the screens
    do."""
    found: list[str] = []
    before, after = _areas(catalog, old), _areas(catalog, new)
    for area_id, text in after.items():
        if area_id not in before:
            found.append(f"Area added: {text}")
        elif before[area_id] != text:
            found.append(f"Area changed: {before[area_id]} → {text}")
    found += [f"Area removed: {text}" for a, text in before.items() if a not in after]
    for question_id in dict.fromkeys([*old.screening, *new.screening]):
        was, now = old.screening.get(question_id), new.screening.get(question_id)
        if was != now:
            words = [ANSWER_WORDS.get(Answer(a), "?") if a else "not answered" for a in (was, now)]
            found.append(f"Screening: {_question(catalog, question_id)} {words[0]} → {words[1]}")
    if old_plan.screening.outcome is not new_plan.screening.outcome:
        found.append(
            f"Screening outcome: {old_plan.screening.outcome.label} → "
            f"{new_plan.screening.outcome.label}"
        )
    added = [a for a in new.adjuncts if a not in old.adjuncts]
    removed = [a for a in old.adjuncts if a not in new.adjuncts]
    found += [f"Added: {_adjunct(catalog, a)}" for a in added]
    found += [f"Removed: {_adjunct(catalog, a)}" for a in removed]
    if len(old_plan.sessions) != len(new_plan.sessions):
        found.append(f"Sessions: {len(old_plan.sessions)} → {len(new_plan.sessions)}")
    if old_plan.first_session != new_plan.first_session:
        found.append(
            f"First session: {describe_day(old_plan.first_session)} → "
            f"{describe_day(new_plan.first_session)}"
        )
    elif any(a.date != b.date for a, b in zip(old_plan.sessions, new_plan.sessions, strict=False)):
        found.append("Session dates moved")  # the sessions both plans have (a count apart)
    before = {a.key: a.time for a in (*old_plan.sessions, *old_plan.adjunct_visits)}
    after = {a.key: a.time for a in (*new_plan.sessions, *new_plan.adjunct_visits)}
    if any(before[key] != after[key] for key in before.keys() & after.keys()):
        found.append("Appointment times changed")
    if (old.override is None) != (new.override is None) or (
        old.override and new.override and old.override.reason != new.override.reason
    ):
        found.append("Reason for going ahead despite “do not treat” changed")
    if old.patient.language != new.patient.language:
        found.append(
            f"Plan language: {describe_language(old.patient.language)} → "
            f"{describe_language(new.patient.language)}"
        )
    if old.notes.strip() != new.notes.strip():
        found.append("Notes for the record changed")
    if old.provider != new.provider:
        found.append(f"Provider: {old.provider} → {new.provider}")
    return found


MIN_REASON = 10


def reason_problem(reason: str) -> str | None:
    """What is wrong with an amendment's reason, or None: every amendment says why."""
    if len(" ".join(reason.split())) < MIN_REASON:
        return (
            f"Write why the consultation is amended (at least {MIN_REASON} characters); it is "
            "kept with the new revision."
        )
    return None
