"""``consult selftest``: check that this installation works, on a throwaway data folder.

For a clinic's computer after installing, and for the packaging smoke test. Each check prints
one line, ``ok NAME details`` or ``FAIL NAME: what went wrong`` (a check that needs an earlier
one that failed says ``skip``); the command exits 0 when every check passed and 1 otherwise.

It runs in a fresh private temporary folder (``CONSULT_DATA_DIR`` points there while it runs,
so nothing reaches the clinic's records, drafts or settings) and deletes that folder
afterwards. It needs no display: the Qt check runs on Qt's offscreen platform. The clinic's
own catalog is not used either: the check is of what the installation ships.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# One name per script the plan must print (the same scripts the PDF tests print).
SAMPLE_NAMES = (
    "Zoë O'Brien-Łukasiewicz",
    "Nguyễn Thị Minh Khai",
    "Αλέξανδρος",
    "Иванова",
    "محمد",
    "דוד",
    "李小龍",
    "山田太郎",
    "김민준",
)
# A date whose spelling in each language is known; other catalog languages just need one.
KNOWN_DATES = {
    "en": "Tuesday, December 1, 2026",
    "es": "martes, 1 de diciembre de 2026",
}
SAMPLE_DAY = date(2026, 12, 1)


class SkipCheck(Exception):
    """The check cannot run because one it needs failed."""


class CheckFailed(Exception):
    """The check ran and found a problem (the message says which, in plain words)."""


@dataclass
class Run:
    """What the checks hand on to each other, and the throwaway folder they work in."""

    folder: Path
    today: date = field(default_factory=date.today)
    catalog: Any = None
    pdfs: dict[str, Any] = field(default_factory=dict)
    headings: dict[str, str] = field(default_factory=dict)

    def need_catalog(self):
        if self.catalog is None:
            raise SkipCheck("needs the catalog")
        return self.catalog

    def need_pdfs(self) -> dict[str, Any]:
        if not self.pdfs:
            raise SkipCheck("needs the printed plan")
        return self.pdfs


Check = tuple[str, Callable[[Run], str]]


def register(commands, common: argparse.ArgumentParser) -> None:
    selftest = commands.add_parser(
        "selftest",
        parents=[common],
        help="check that this installation works (catalog, fonts, dates, printed plan, "
        "records database, Qt)",
        description="Runs every part of the app that can break in an installation, on a "
        "temporary data folder that it deletes afterwards; the clinic's records and settings "
        "are never read or written (so --db is not used). Prints one line per check and "
        "exits 0 when all pass, 1 otherwise. Needs no display.",
    )
    selftest.set_defaults(func=selftest_command)


def selftest_command(args: argparse.Namespace) -> int:
    from consult.system import diskcrypt
    from consult.system.folders import data_dir

    if getattr(args, "db", None) is not None:
        print("consult selftest: --db is not used; the self-test never opens your records.")
    # The clinic's data folder (not the throwaway one): is its disk encrypted? Advice, not a
    # failed check: the installation works either way.
    disk = diskcrypt.check(data_dir(create=False))
    status = run_checks(CHECKS)
    print(f"Disk encryption: {disk.summary()}", file=sys.stdout if disk.encrypted else sys.stderr)
    return status


def run_checks(checks: list[Check] | tuple[Check, ...]) -> int:
    started = time.monotonic()
    failed: list[str] = []
    with throwaway_data_folder() as folder:
        run = Run(folder)
        for name, check in checks:
            # flush: each line shows as its check ends (print does nothing where a windowed
            # Windows program has no output at all).
            try:
                details = check(run)
            except SkipCheck as exc:
                print(f"skip {name}: {exc}", flush=True)
                failed.append(name)
            except Exception as exc:  # every failure is reported, and the other checks go on
                reason = str(exc)
                if not isinstance(exc, CheckFailed):
                    reason = f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
                print(f"FAIL {name}: {reason}", flush=True)
                failed.append(name)
            else:
                print(f"ok {name} {details}".rstrip(), flush=True)
    seconds = time.monotonic() - started
    if failed:
        print(
            f"consult selftest: {len(failed)} of {len(checks)} checks did not pass "
            f"({', '.join(failed)}).",
            file=sys.stderr,
        )
        return 1
    print(f"consult selftest: all {len(checks)} checks passed in {seconds:.1f} s.")
    return 0


@contextlib.contextmanager
def throwaway_data_folder() -> Iterator[Path]:
    """A private temporary folder as the data folder while the checks run; deleted after."""
    folder = Path(tempfile.mkdtemp(prefix="consult-selftest-"))  # mode 0700
    saved = os.environ.get("CONSULT_DATA_DIR")
    os.environ["CONSULT_DATA_DIR"] = str(folder / "data")
    try:
        yield folder
    finally:
        if saved is None:
            os.environ.pop("CONSULT_DATA_DIR", None)
        else:
            os.environ["CONSULT_DATA_DIR"] = saved
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- the checks


def check_catalog(run: Run) -> str:
    from consult.app.catalog import builtin_catalog_dir
    from consult.domain.catalog import check

    catalog, problems = check(builtin_catalog_dir())
    if problems or catalog is None:
        first = "; ".join(str(p) for p in problems[:3]) or "it did not load"
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise CheckFailed(f"the built-in catalog has problems: {first}{more}")
    run.catalog = catalog
    return f"{catalog.version} ({', '.join(catalog.languages)})"


def check_fonts(run: Run) -> str:
    from consult.report.fonts import faces, has_glyph

    registered = faces()
    missing = sorted(
        {
            f"U+{ord(ch):04X}"
            for name in SAMPLE_NAMES
            for ch in unicodedata.normalize("NFC", name)
            if not ch.isspace() and ch not in "'-" and not has_glyph(ch)
        }
    )
    if missing:
        raise CheckFailed(f"no bundled font has {', '.join(missing)}")
    return f"{len(registered)} faces ({', '.join(f.regular for f in registered)})"


def check_dates(run: Run) -> str:
    import babel

    from consult.report.dates import full_date

    catalog = run.need_catalog()
    for lang in catalog.languages:
        text = full_date(SAMPLE_DAY, lang)
        expected = KNOWN_DATES.get(lang)
        if not text or (expected is not None and text != expected):
            raise CheckFailed(f"{lang} dates read {text!r}, expected {expected!r}")
    return f"{', '.join(catalog.languages)} (babel {babel.__version__})"


def check_pdf(run: Run) -> str:
    from consult.domain.plan import build_plan
    from consult.report.demo import DEMO_NAME, DEMO_PLAN_ID, demo_clinic, demo_consultation
    from consult.report.plan_pdf import render_plan_pdf, write_pdf_atomic
    from consult.report.strings import builtin_strings

    catalog = run.need_catalog()
    strings = builtin_strings()
    clinic = demo_clinic(catalog)
    out = run.folder / "plans"
    out.mkdir(mode=0o700)
    done = []
    for lang in catalog.languages:
        if lang not in strings.languages:
            continue
        consultation = demo_consultation(catalog, run.today, DEMO_NAME, lang)
        plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)
        pdf = render_plan_pdf(
            catalog, consultation, plan, clinic, printed_on=run.today, plan_id=DEMO_PLAN_ID
        )
        if pdf.missing_characters:
            raise CheckFailed(f"{lang}: characters printed as [?]: {pdf.missing_characters}")
        path = out / f"plan-{lang}.pdf"
        write_pdf_atomic(pdf, path)
        heading = strings.for_language(lang)("section_calendar")
        pages, text = read_pdf(path.read_bytes())
        if pages != pdf.page_count:
            raise CheckFailed(f"{lang}: {pages} pages read back, {pdf.page_count} written")
        for expected in (DEMO_NAME, heading, DEMO_PLAN_ID):
            if expected not in text:
                raise CheckFailed(f"{lang}: {expected!r} is not in the text read back")
        run.pdfs[lang] = pdf
        run.headings[lang] = heading
        done.append(f"{lang} {pages} pages")
    if not done:
        raise CheckFailed("the plan's strings have none of the catalog's languages")
    return f"{', '.join(done)}, written and read back"


def read_pdf(data: bytes) -> tuple[int, str]:
    """The page count and all the text (NFC, white space made single spaces), with pypdf."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(unicodedata.normalize("NFC", text).split())


def check_database(run: Run) -> str:
    """Migrations on a new records file, the demo consultation saved final and read back."""
    from dataclasses import replace

    from consult.domain.plan import build_plan
    from consult.report.demo import demo_clinic, demo_consultation
    from consult.storage import RecordStore
    from consult.storage.migrations import SCHEMA_VERSION

    catalog = run.need_catalog()
    clinic = demo_clinic(catalog)
    consultation = demo_consultation(catalog, run.today)
    plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)
    # An explicit path in the throwaway folder: never the default records file.
    path = run.folder / "records.sqlite3"
    with RecordStore.open(path, catalog=catalog, provider="consult selftest") as repo:
        version = repo.db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise CheckFailed(f"the new database is at schema {version}, not {SCHEMA_VERSION}")
        saved = repo.consultations.finalize(consultation, plan)
        back = repo.records.consultation(saved.id)
        expected = replace(
            consultation,
            patient=replace(consultation.patient, id=back.patient.id),
            status=back.status,
            id=back.id,
            revision_of=back.revision_of,
            catalog_version=catalog.version,
        )
        if back != expected:
            raise CheckFailed("the consultation read back is not the one saved")
        if repo.records.planned_sessions(saved.id) != plan.sessions:
            raise CheckFailed("the plan's sessions read back are not the ones saved")
        report = repo.health.check()
        if not report.healthy:
            raise CheckFailed(" ".join(report.summary().split()))
    return (
        f"schema {version}: demo consultation saved final and read back "
        f"({len(plan.sessions)} sessions), integrity and audit trail ok"
    )


def check_sign_in(run: Run) -> str:
    """The accounts' hash (argon2id, the real cost) on a throwaway records file: an account
    made, its PIN accepted, a wrong one refused and audited."""
    from consult.domain.access import Role
    from consult.storage import RecordStore
    from consult.storage.accounts import SignInRefused

    secret = "selftest-" + os.urandom(6).hex()
    path = run.folder / "accounts.sqlite3"
    started = time.perf_counter()
    with RecordStore.open(path, provider="consult selftest") as repo:
        made = repo.accounts.add("Selftest Administrator", Role.ADMINISTRATOR, secret)
        (stored,) = repo.conn.execute(
            "SELECT secret_hash FROM accounts WHERE id = ?", [made.id]
        ).fetchone()
        if not stored.startswith("$argon2id$") or secret in stored:
            raise CheckFailed("the PIN is not kept as an argon2id hash")
        if repo.accounts.sign_in(made.name, secret).id != made.id:
            raise CheckFailed("the account's own PIN was not accepted")
        try:
            repo.accounts.sign_in(made.name, secret + "x")
        except SignInRefused:
            pass
        else:
            raise CheckFailed("a wrong PIN was accepted")
        actions = [e["action"] for e in repo.audit.entries() if e["record_type"] == "account"]
    if actions != ["account-add", "sign-in", "sign-in-failed"]:
        raise CheckFailed(f"the sign-ins were not audited as they happened ({actions})")
    seconds = time.perf_counter() - started
    return (
        f"argon2id: account made, PIN accepted, a wrong one refused and audited ({seconds:.1f} s)"
    )


def check_qt(run: Run) -> str:
    from consult.system.resources import resource_path

    pdfs = run.need_pdfs()
    lang = "en" if "en" in pdfs else next(iter(pdfs))
    # Imported here: the Qt libraries are the heaviest part, and the other checks need none.
    from consult.ui.selfcheck import check_qt as qt_check

    try:
        return qt_check(
            bytes(pdfs[lang]),
            expected_text=run.headings[lang],
            icon=resource_path("icons", "consult.svg"),
            folder=run.folder,
        )
    except RuntimeError as exc:
        raise CheckFailed(str(exc)) from exc


def check_consent(run: Run) -> str:
    """A demo consent signed, its PDF sealed (pyHanko, with a certificate made in the
    throwaway folder) and checked, and a changed byte found."""
    import random

    from consult.app.consents import ConsentDesk
    from consult.app.demo_consents import demo_signature
    from consult.domain.plan import build_plan
    from consult.report.demo import demo_clinic, demo_consultation
    from consult.storage import RecordStore

    catalog = run.need_catalog()
    clinic = demo_clinic(catalog)
    consultation = demo_consultation(catalog, run.today)
    plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)
    path = run.folder / "consent.sqlite3"
    with RecordStore.open(path, catalog=catalog, provider="consult selftest") as repo:
        saved = repo.consultations.finalize(consultation, plan)
        desk = ConsentDesk(catalog, repo, run.folder / "data")
        text = desk.text(saved, desk.plan_for(saved), catalog.consents[0].id)
        rng = random.Random(1)  # noqa: S311 - a drawing, not a secret
        signed = desk.sign(
            saved,
            text,
            patient_signature=demo_signature(rng),
            provider_signature=demo_signature(rng),
        )
        report = desk.verify(signed.id)
        if not report.ok:
            raise CheckFailed(" ".join(report.summary().split()))
        copy = run.folder / "consent.pdf"
        data = bytearray(desk.pdf(signed.id))
        data[len(data) // 2] ^= 0x01
        copy.write_bytes(bytes(data))
        if desk.verify(signed.id, copy).ok:
            raise CheckFailed("a changed byte in the signed PDF was not found")
    return f"signed, sealed and checked ({len(data):,} bytes); a changed byte found"


def check_photos(run: Run) -> str:
    """Photos taken in as the app takes them: a JPEG carrying GPS tags, a PNG, a TIFF and a
    WebP made here, and a HEIC shipped with the app (the built program decodes HEIC but
    cannot write it); each turned upright, kept as a JPEG with no metadata block left."""
    import io

    from PIL import Image

    from consult.system import imaging
    from consult.system.resources import resource_path

    picture = Image.linear_gradient("L").resize((200, 150)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 12.0)  # a GPS latitude
    made = {}
    for kind, options in (
        ("JPEG", {"exif": exif.tobytes()}),
        ("PNG", {}),
        ("TIFF", {}),
        ("WEBP", {}),
    ):
        out = io.BytesIO()
        picture.save(out, kind, **options)
        made[kind] = out.getvalue()
    made["HEIC"] = resource_path("photos", "selftest.heic").read_bytes()
    for kind, data in made.items():
        try:
            kept = imaging.prepare(data, f"The {kind} picture")
        except imaging.ImageRefused as exc:
            raise CheckFailed(exc.message) from None
        if b"Exif" in kept.jpeg or kept.jpeg[2:4] != b"\xff\xe0":
            raise CheckFailed(f"the {kind} picture kept metadata")
    turned = imaging.prepare(made["JPEG"])
    if (turned.width, turned.height) != (150, 200):
        raise CheckFailed("the JPEG's EXIF orientation was not applied")
    return "JPEG, PNG, TIFF, WebP and HEIC read, turned upright and kept without metadata"


CHECKS: tuple[Check, ...] = (
    ("catalog", check_catalog),
    ("fonts", check_fonts),
    ("dates", check_dates),
    ("pdf", check_pdf),
    ("database", check_database),
    ("sign-in", check_sign_in),
    ("qt", check_qt),
    ("consent", check_consent),
    ("photos", check_photos),
)
