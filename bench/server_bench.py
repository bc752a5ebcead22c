"""The clinic server's figures (PostgreSQL on loopback), beside SQLite's in ``run.py``.

The server is the one the tests use: ``CONSULT_TEST_POSTGRES`` names it (``.ci/run`` starts
one; so can anyone with PostgreSQL installed). Without it these rows are left out, with one
line saying why. The largest demo file is copied onto the server once with ``db copy``
(``consult_bench_N``, kept between runs and made again when its count of patients differs);
saving is measured on a copy of it made from it as a template, so the kept one never grows.

- search per keystroke: ``Clinic.search`` on the server, the same names typed as on SQLite;
  floor: one indexed lookup (a patient by uuid) on an open connection, a round trip;
- saving one consultation: ``finalize`` on the server; floor: one row committed there;
- start-up: ``consult --quit-after-launch --db postgresql://…``; floor: the same start on the
  SQLite file of the same size (the target is the ratio of the two).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import figures

ENV = "CONSULT_TEST_POSTGRES"


def server() -> str | None:
    return os.environ.get(ENV) or None


def describe() -> str:
    """The server's version, for the notes under the table."""
    base = server()
    if base is None:
        return "none"
    with _admin(base) as admin:
        return str(admin.execute("SHOW server_version").fetchone()[0]).split()[0]


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts._replace(path=f"/{name}").geturl()


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def bench_database(db: Path, size: int) -> str:
    """The demo file of ``size`` patients on the server (copied once, then kept)."""
    from consult.app.catalog import load_catalog
    from consult.storage.store import RecordStore
    from consult.storage.transfer import copy_records

    base = server()
    assert base is not None
    name = f"consult_bench_{size}"
    url = _with_database(base, name)
    with _admin(base) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        try:
            with RecordStore.open(url, readonly=True, verify=False) as there:
                if there.health.counts()["patients"] >= size:
                    return url
        except Exception:  # an unusable one is made again below
            pass
    with _admin(base) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    started = time.perf_counter()
    catalog = load_catalog().catalog
    with (
        RecordStore.open(db, catalog=catalog, readonly=True, verify=False) as source,
        RecordStore.open(url, catalog=catalog) as onto,
    ):
        copy_records(source, onto)
    with _admin(url) as conn:
        conn.execute("VACUUM ANALYZE")
    print(
        f"bench: {size:,} patients copied onto the server in {time.perf_counter() - started:.0f} s"
    )
    return url


def search(url: str, folder: Path, names: list[tuple[str, str]], repeat: int) -> figures.Samples:
    from consult.app.catalog import load_catalog
    from consult.app.clinic import Clinic

    clinic = Clinic(load_catalog().catalog, url, folder)
    figures.sign_in(clinic)
    with _admin(url) as floor:
        try:
            return figures.typing(
                clinic,
                names,
                repeat,
                lambda uuid: floor.execute(
                    "SELECT id, name FROM patients WHERE uuid = %s", [uuid]
                ).fetchall(),
            )
        finally:
            clinic.close()


def save(url: str, repeat: int) -> figures.Samples:
    """``finalize`` on a scratch copy of the bench database; floor: one row committed."""
    from consult.app.catalog import load_catalog
    from consult.domain.plan import build_plan
    from consult.report.demo import demo_clinic, demo_consultation
    from consult.storage.store import RecordStore

    base = server()
    assert base is not None
    template = url.rsplit("/", 1)[1].split("?")[0]
    scratch = f"{template}_save"
    with _admin(base) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{template}"')
    scratch_url = _with_database(base, scratch)
    catalog = load_catalog().catalog
    clinic = demo_clinic(catalog)
    samples = figures.Samples([], [])
    try:
        with _admin(scratch_url) as floor:
            floor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, value text)")
            with RecordStore.open(scratch_url, catalog=catalog, verify=False) as repo:
                for i in range(repeat):
                    consultation = demo_consultation(catalog, date.today(), f"Bench Patient {i}")
                    patient = repo.patients.save(consultation.patient)
                    consultation = replace(consultation, patient=patient)
                    plan = build_plan(catalog, consultation, clinic.calendar, clinic.interval_weeks)
                    started = time.perf_counter()
                    repo.consultations.finalize(consultation, plan)
                    samples.figure.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    floor.execute("INSERT INTO bench_floor (value) VALUES (%s)", [f"row {i}"])
                    samples.floor.append(time.perf_counter() - started)
    finally:
        with _admin(base) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    return samples


def startup(url: str, folder: Path, repeat: int, warmup: int) -> dict[str, list[float]]:
    """The app started on the server and on the SQLite file of the same data folder, in turns."""
    runs = [
        ("server", [*figures.APP, "--db", url]),
        ("sqlite", list(figures.APP)),
    ]
    env = figures._env(folder)
    times: dict[str, list[float]] = {key: [] for key, _ in runs}
    for round_no in range(warmup + repeat):
        for key, command in runs:
            seconds, _ = figures._run(command, env)
            if round_no >= warmup:
                times[key].append(seconds)
    return times
