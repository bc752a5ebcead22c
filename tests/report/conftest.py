"""Fixtures for the printed plan's tests."""

from __future__ import annotations

import pytest
from report_helpers import TODAY

from consult.domain.plan import build_plan
from consult.report.demo import demo_clinic, demo_consultation
from consult.report.plan_pdf import render_plan_pdf


@pytest.fixture(scope="session")
def render(catalog):
    """render(name=..., lang=..., **options) -> (PlanPdf, consultation, plan) for the demo."""

    def _render(name="Zoë O'Brien-Łukasiewicz", lang="en", clinic=None, today=TODAY, **options):
        clinic = clinic or demo_clinic(catalog)
        consultation = demo_consultation(catalog, today, name, lang)
        if "consultation" in options:
            consultation = options.pop("consultation")
        if "consultation_change" in options:
            consultation = options.pop("consultation_change")(consultation)
        plan = build_plan(
            catalog, consultation, clinic.calendar, clinic.interval_weeks, clinic.placeholders
        )
        if "print_lang" in options:
            options["lang"] = options.pop("print_lang")
        options.setdefault("printed_on", today)
        options.setdefault("plan_id", "DEMO-1")
        options.setdefault("invariant", True)
        pdf = render_plan_pdf(catalog, consultation, plan, clinic, **options)
        return pdf, consultation, plan

    return _render
