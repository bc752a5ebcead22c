"""Documents for the patient (reportlab) and other exports. No Qt here."""
