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
