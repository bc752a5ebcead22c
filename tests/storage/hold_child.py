"""Run by test_fault_locks.py in a real process: hold the records open and save, the way the app
does, until killed.

The app keeps one connection open for the window and opens and closes others beside it (the
searches' connection, the daily backup, an upgrade check). Each round here saves one whole
consultation on the long-lived connection, prints ``saved PATIENT_ID`` once it is committed,
then opens and closes another connection to the same file, as the app does.
"""

from __future__ import annotations

import sys

from storage_helpers import CATALOG, consultation, patient, plan_for

from consult.storage import RecordStore


def main(path: str) -> None:
    repo = RecordStore.open(path, catalog=CATALOG, verify=False)
    print("ready", flush=True)
    k = 0
    while True:
        c = consultation(patient(f"Hold {k} Ærøskøbing"))
        saved = repo.consultations.finalize(c, plan_for(c))
        print(f"saved {saved.patient.id}", flush=True)
        if k % 2:
            with RecordStore.open(path, readonly=True, verify=False) as search:
                search.patient_list.search("hold")
        else:
            with RecordStore.open(path, verify=False) as background:
                background.health.counts()
        k += 1


if __name__ == "__main__":
    main(sys.argv[1])
