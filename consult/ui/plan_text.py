"""What the provider's screens say about a plan: its status and the rules it applied, each
with its sources. Plain text and HTML only (no widgets), shared by the wizard and the main
window."""

from __future__ import annotations

from html import escape

from consult.domain.catalog import Catalog
from consult.domain.plan import Plan, PlanStatus

STATUS_TEXT = {
    PlanStatus.CONFIRMED: "Confirmed: the dates are booked.",
    PlanStatus.PROVISIONAL: (
        "Provisional: the dates are proposed, and the plan prints as provisional on every page, "
        "until a doctor's clearance is recorded (Record clearance… on the main window)."
    ),
    PlanStatus.NOT_TREATING: (
        "Not treating: no sessions are planned. The patient is given a letter saying why and "
        "what happens next."
    ),
}


def status_text(plan: Plan) -> str:
    text = STATUS_TEXT[plan.status]
    if plan.status is PlanStatus.CONFIRMED and plan.clearance is not None:
        clearance = plan.clearance
        text = (
            f"Confirmed: cleared by {clearance.cleared_by} on "
            f"{clearance.cleared_on.isoformat()} (recorded by {clearance.recorded_by})."
        )
    return text


def rules_html(catalog: Catalog, plan: Plan) -> str:
    """The rules the plan applied, each with the short names of its sources."""
    items = []
    for notice in plan.notices:
        source = catalog.cite(notice.sources)
        cited = f" <small>(source: {escape(source)})</small>" if source else ""
        items.append(f"<li>{escape(notice.message)}{cited}</li>")
    return "<ul>" + "".join(items) + "</ul>" if items else ""
