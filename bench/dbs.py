"""Demo records databases for the benchmarks, built once and cached.

``demo_databases(sizes, cache, …)`` gives a records file of each size: that many demo
patients with their consultations (``consult.storage.demo.seed_demo``, the same records
``consult db seed-demo`` makes), built through the app's own RecordStore and migrations. The
file name carries the schema version and a digest of what shapes the records, so a change
there builds new files.

Building is the app's seeding with commits made cheap (``synchronous = OFF`` on the building
connection only: a crash while building just means building again). Each file is built under
a temporary name and renamed when whole, so an interrupted build leaves nothing half-made.
The same seed gives the same first patients whatever ``n`` is, so the names typed by the
search benchmark are in every file.

``data_folder(db, folder)`` lays out an app data folder (``CONSULT_DATA_DIR``) around a copy
of a cached file, with today's automatic backup already there so the app has none to make.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

SEED = 7
BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

# The benchmarks measure this checkout's code, also where another checkout is the one installed
# (an editable install made in the main worktree, say): it comes first on the path here, and in
# every process the benchmarks start (``figures._env``).
if sys.path[:1] != [str(REPO_ROOT)]:
    sys.path.insert(0, str(REPO_ROOT))


def _digest() -> str:
    """What the cached files depend on: the demo generator, the schema (its migrations, which
    never change once shipped), the catalog."""
    from consult.storage import audit, content, demo, migrations
    from consult.system.resources import resource_path

    h = hashlib.sha256(f"seed={SEED} migrations={migrations.names()}".encode())
    for module in (demo, content, audit):  # the records, and how they are sealed
        h.update(Path(module.__file__).read_bytes())
    for path in sorted(resource_path("catalog").rglob("*.toml")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def cached_name(n: int) -> str:
    from consult.storage.migrations import SCHEMA_VERSION

    return f"patients-{n}-v{SCHEMA_VERSION}-{_digest()}.sqlite3"


def build(n: int, dest: Path) -> float:
    """Seed a new records file of ``n`` demo patients at ``dest``; seconds taken."""
    from consult.app.catalog import load_catalog
    from consult.storage import anchor, database
    from consult.storage.demo import seed_demo
    from consult.storage.store import RecordStore

    started = time.perf_counter()
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.building")
    database.remove_with_sides(tmp)
    catalog = load_catalog().catalog
    try:
        with RecordStore.open(tmp, catalog=catalog) as repo:
            repo.db.execute("PRAGMA synchronous = OFF")
            seed_demo(repo, catalog, n, seed=SEED)
        tmp.replace(dest)
    finally:
        database.remove_with_sides(tmp)
        anchor.anchor_path(tmp).unlink(missing_ok=True)  # written as the store closed
    return time.perf_counter() - started


def demo_databases(sizes: list[int], cache: Path, *, to_build: list[int]) -> dict[int, Path]:
    """The cached file for each size, building those of ``to_build`` that are missing (two at a
    time); a size neither cached nor in ``to_build`` is left out."""
    cache.mkdir(parents=True, exist_ok=True)
    paths = {n: cache / cached_name(n) for n in sizes}
    missing = [n for n, path in paths.items() if not path.exists() and n in to_build]
    if missing:
        for n in missing:
            for stale in cache.glob(f"patients-{n}-*.sqlite3"):
                stale.unlink()  # built by an older schema or generator
        log(f"building demo databases of {', '.join(f'{n:,}' for n in missing)} patients …")
        # The largest first: it takes longest; the others are built beside it.
        order = sorted(missing, reverse=True)
        with ProcessPoolExecutor(max_workers=min(2, len(order))) as pool:
            built = pool.map(build, order, [paths[n] for n in order])
            for n, seconds in zip(order, built, strict=True):
                log(f"  {n:,} patients built in {seconds:.0f} s")
    return {n: path for n, path in paths.items() if path.exists()}


def data_folder(db: Path, folder: Path) -> Path:
    """An app data folder holding a copy of ``db`` as its records, and nothing unfinished.

    The copy is refreshed when the cached file changed. Today's automatic backup is put in
    place (a hard link to the cached file) so a normal start makes none; leftover drafts are
    removed so no "resume?" question stops the window.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    records = folder / "records.sqlite3"
    source = db.stat()
    if not records.exists() or _fingerprint(records) != (source.st_size, source.st_mtime_ns):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{records}{suffix}").unlink(missing_ok=True)
        shutil.copy2(db, records)
    backups = folder / "backups"
    if backups.exists():
        shutil.rmtree(backups)
    backups.mkdir(mode=0o700)
    today = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    backup = backups / f"records-auto-{today}.sqlite3"
    try:
        os.link(db, backup)
    except OSError:
        shutil.copy2(db, backup)
    drafts = folder / "drafts"
    if drafts.exists():
        shutil.rmtree(drafts)
    return folder


def _fingerprint(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
