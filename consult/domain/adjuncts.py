"""Which adjuncts (peels, facials, skincare) a patient may have, and why not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from consult.domain.catalog import Adjunct, Catalog
from consult.domain.model import ROMAN


@dataclass(frozen=True)
class Eligibility:
    adjunct_id: str
    reasons: tuple[str, ...] = ()

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _types(types: Iterable[int]) -> str:
    ordered = sorted(types)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"types {ROMAN[ordered[0]]}–{ROMAN[ordered[-1]]}"
    return "types " + ", ".join(ROMAN[t] for t in ordered)


def eligibility(
    catalog: Catalog,
    adjunct: Adjunct,
    fitzpatrick: int | None,
    flagged_questions: Iterable[str] = (),
    area_ids: Iterable[str] = (),
    lang: str = "en",
    values: Mapping[str, object] | None = None,
) -> Eligibility:
    """Why ``adjunct`` cannot be offered, in the provider's words (no reasons: eligible).
    ``values`` fill the questions' placeholders (the clinic's isotretinoin window and minimum
    age; the catalog's defaults when not given)."""
    values = placeholder_values(catalog, values)
    reasons = []
    if fitzpatrick is not None and fitzpatrick not in adjunct.fitzpatrick:
        reasons.append(
            f"Not offered for skin type {ROMAN.get(fitzpatrick, fitzpatrick)} "
            f"(offered for {_types(adjunct.fitzpatrick)}; source: {catalog.cite(adjunct.sources)})."
        )
    flagged = set(flagged_questions)
    for question_id in adjunct.excluded_by:
        if question_id in flagged:
            question = catalog.question(question_id)
            reasons.append(
                f"Ruled out by the screening answer to: {question.ask(lang, values)} "
                f"(source: {catalog.cite(adjunct.sources)})"
            )
    chosen = list(area_ids)
    if adjunct.areas and chosen and not set(adjunct.areas) & set(chosen):
        names = ", ".join(catalog.area(a).name[lang].lower() for a in adjunct.areas)
        reasons.append(f"Not used on the chosen areas (it is for: {names}).")
    return Eligibility(adjunct.id, tuple(reasons))


def all_eligibility(
    catalog: Catalog,
    fitzpatrick: int | None,
    flagged_questions: Iterable[str] = (),
    area_ids: Iterable[str] = (),
    values: Mapping[str, object] | None = None,
) -> dict[str, Eligibility]:
    flagged = tuple(flagged_questions)
    areas = tuple(area_ids)
    return {
        a.id: eligibility(catalog, a, fitzpatrick, flagged, areas, values=values)
        for a in catalog.adjuncts
    }


def placeholder_values(
    catalog: Catalog, values: Mapping[str, object] | None = None
) -> dict[str, object]:
    """What the screening questions' placeholders stand for: the clinic's settings where
    given, the catalog's defaults otherwise."""
    found: dict[str, object] = {
        "isotretinoin_window_months": catalog.protocol.isotretinoin_window_months,
        "min_age": catalog.protocol.min_age,
    }
    found.update(values or {})
    return found


@dataclass(frozen=True)
class Suggestion:
    """Why the rules suggest an adjunct for this patient, in the provider's words."""

    adjunct_id: str
    treats: tuple[str, ...]  # the chosen concerns it treats, in the catalog's order
    reason: str


def _names(catalog: Catalog, concern_ids: Iterable[str], lang: str) -> str:
    return "; ".join(catalog.concern(c).name[lang].lower() for c in concern_ids)


def suggestions(
    catalog: Catalog,
    fitzpatrick: int | None,
    concern_ids: Iterable[str],
    area_ids: Iterable[str],
    verdicts: dict[str, Eligibility],
    lang: str = "en",
) -> dict[str, Suggestion]:
    """The adjuncts the catalog's data suggest for these concerns on these areas, by kind.

    Of each kind (peels, facials, skincare), among those the patient may have and that treat
    at least one chosen concern on a chosen area, the closest match is suggested:

    1. the one treating the most of the chosen concerns;
    2. then the one aimed most closely at them: fewest concerns it treats that were not chosen;
    3. for a skin type that darkens easily after inflammation (``pih_risk``), then one the
       catalog offers for every skin type.

    Adjuncts still equal after these are all suggested. Nothing is suggested for a kind where
    no adjunct treats a chosen concern.
    """
    chosen = list(dict.fromkeys(concern_ids))
    areas = set(area_ids)
    skin = next((s for s in catalog.skin_types if s.type == fitzpatrick), None)
    darkens = bool(skin and skin.pih_risk)
    every_type = frozenset(range(1, 7))
    found: dict[str, Suggestion] = {}
    for kind in catalog.adjunct_kinds:
        ranked = []
        for adjunct in catalog.adjuncts:
            verdict = verdicts.get(adjunct.id)
            if adjunct.kind != kind.id or verdict is None or not verdict.eligible:
                continue
            if adjunct.areas and areas and not areas & set(adjunct.areas):
                continue
            treats = [c for c in chosen if c in adjunct.concerns]
            if not treats:
                continue
            gentle = darkens and adjunct.fitzpatrick >= every_type
            rank = (-len(treats), len(set(adjunct.concerns) - set(chosen)), not gentle)
            ranked.append((rank, adjunct, treats, gentle))
        if not ranked:
            continue
        best = min(rank for rank, *_ in ranked)
        # The skin type decided only if an equal match was left out for it.
        skin_decided = any(rank[:2] == best[:2] and not gentle for rank, _, _, gentle in ranked)
        # How closely it is aimed decided if an adjunct treating as much was left out for it.
        focus_decided = any(rank[0] == best[0] and rank[1] > best[1] for rank, *_ in ranked)
        for rank, adjunct, treats, gentle in ranked:
            if rank != best:
                continue
            if len(treats) == len(chosen) > 1:
                reason = f"Treats every concern chosen: {_names(catalog, treats, lang)}."
            else:
                reason = f"Treats {_names(catalog, treats, lang)}"
                others = [c for c in chosen if c not in treats]
                reason += f" (not {_names(catalog, others, lang)})." if others else "."
            if focus_decided:
                reason += " Of those that treat " + ("them" if len(treats) > 1 else "it")
                reason += ", the one aimed most closely at what was chosen."
            if gentle and skin_decided:
                reason += (
                    f" Offered for every skin type: type {ROMAN[fitzpatrick or 0]} darkens "
                    "easily after inflammation."
                )
            found[adjunct.id] = Suggestion(adjunct.id, tuple(treats), reason)
    return found
