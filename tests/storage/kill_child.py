"""Run by test_fault_sigkill.py in a real process: save consultations until killed.

Consultation number k is a pure function of k (``expected``), so the test can tell whether
every consultation it finds was saved whole. Three ways of saving take turns: finalise at
once; save a draft, then finalise it; finalise, then amend.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, timedelta

from storage_helpers import CATALOG, FACE_ACNE, NECK_LINES, consultation, patient, plan_for

from consult.storage import RecordStore

AREAS = ((FACE_ACNE,), (FACE_ACNE, NECK_LINES), (NECK_LINES,))


def expected(k: int, amended: bool = False):
    who = patient(f"Kill {k} Łukasz", date_of_birth=date(1970, 1, 1) + timedelta(days=k))
    c = consultation(
        who,
        areas=AREAS[k % len(AREAS)],
        notes=f"kill-test {k} " + "ż" * (k % 7 * 2000),
        date=date(2026, 1, 1) + timedelta(days=k % 300),
    )
    if amended:
        c = replace(c, areas=(*c.areas, NECK_LINES), notes=c.notes + " amended")
    return c


def main(path: str) -> None:
    repo = RecordStore.open(path, catalog=CATALOG, verify=False)
    k = repo.health.counts()["patients"]
    print("ready", flush=True)
    while True:
        c = expected(k)
        if k % 3 == 1:
            draft = repo.consultations.save_draft(c)
            repo.consultations.finalize(draft, plan_for(c))
        elif k % 3 == 2:
            final = repo.consultations.finalize(c, plan_for(c))
            changed = replace(expected(k, amended=True), patient=final.patient)
            repo.consultations.amend(final.id, changed, plan_for(changed))
        else:
            repo.consultations.finalize(c, plan_for(c))
        k += 1


if __name__ == "__main__":
    main(sys.argv[1])
