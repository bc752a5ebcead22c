"""Signed demo consents for ``consult db seed-demo``: a clinic trying the app sees them.

A few of the newest demo consultations with sessions get their consents as a patient would
give them on the signing screen: the text in the patient's language, both signatures (drawn
here as a hand might, from a seeded random walk), the PDF rendered and sealed with the
clinic's certificate. One patient wants to think about it instead. Every record is marked as
demo data. A handful only: each is a real PDF with a real seal (about a tenth of a second).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time
from pathlib import Path

from consult.app.consents import ConsentDesk
from consult.domain.catalog import Catalog
from consult.domain.consent import Decision, Point, Signature
from consult.storage.protocol import RecordStoreAPI

DEMO_CONSENTS = 8  # consultations that get consents
PAD = (900.0, 260.0)


def demo_signature(rng: random.Random) -> Signature:
    """A signature as a hand writes one: two or three strokes of loops across the line."""
    width, height = PAD
    strokes = []
    x = rng.uniform(70, 120)
    for _ in range(rng.randint(2, 3)):
        length = rng.uniform(160, 300)
        phase = rng.uniform(0, math.tau)
        points = []
        steps = int(length / 4)
        for i in range(steps):
            t = i / steps
            px = x + t * length + 14 * math.sin(i / 2.2 + phase)
            py = height * 0.58 - 38 * math.sin(i / 3.1 + phase) * (1 - 0.6 * t)
            pressure = 0.45 + 0.35 * math.sin(t * math.pi)
            points.append(Point(round(px, 1), round(py, 1), round(pressure, 3), i * 12))
        strokes.append(tuple(points))
        x += length + rng.uniform(20, 50)
    return Signature(width, height, tuple(strokes))


def seed_demo_consents(
    catalog: Catalog,
    store: RecordStoreAPI,
    data_folder: Path,
    *,
    count: int = DEMO_CONSENTS,
    seed: int | None = None,
) -> int:
    """Consents for up to ``count`` demo consultations that have sessions and none yet; how
    many consent records were added."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    desk = ConsentDesk(catalog, store, data_folder)
    rows = store.consents.demo_candidates(count)
    added = 0
    settings = store.clinic.settings()
    for n, consultation_id in enumerate(rows):
        item = store.records.consultation(consultation_id)
        plan = desk.plan_for(item)
        documents = desk.documents(item, plan)
        moment = datetime.combine(item.date, time(rng.randrange(9, 17), rng.randrange(60)), UTC)
        for document in documents:
            text = desk.text(item, plan, document.id)
            if n == len(rows) - 1 and document.kind == "treatment" and len(rows) > 1:
                # One patient takes the form home to think about it.
                desk.decline(
                    item, text, Decision.DEFERRED, note="Demo record: took it home.", demo=True
                )
                added += 1
                break
            choices = {c.id: c.id == "record" or rng.random() < 0.3 for c in document.choices}
            prepared = desk.prepare(
                item,
                text,
                patient_signature=demo_signature(rng),
                provider_signature=demo_signature(rng),
                provider=desk.signer(item),
                choices=choices,
                signed_at=moment,
                record_id=desk.next_id(),
                settings=settings,
            )
            desk.save(prepared, item, demo=True)
            added += 1
    return added
