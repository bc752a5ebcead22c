"""Fault: other processes read, check, back up and export the records while a process holding
them open saves and opens further connections — then that process is killed.

The records were being lost this way (issue 11): reading the file's header with Python's
``open()`` while a connection was open, then closing it, cancelled the process's POSIX locks
on the file (https://sqlite.org/howtocorrupt.html, section 2.2). ``consult db check`` in
another process then believed it was the last user, checkpointed and deleted the write-ahead
log, and every later save went into a deleted file.
"""

from __future__ import annotations

import ast
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from storage_helpers import consult_cli

from consult.storage import RecordStore, database, openfiles, opening

HERE = Path(__file__).parent
REPO = HERE.parents[1]
ROUNDS = 30
posix_only = pytest.mark.posix  # SIGKILL, fcntl locks


def _env() -> dict[str, str]:
    # This checkout's code, also where another checkout is the one installed (editable).
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), str(HERE), env.get("PYTHONPATH")]))
    return env


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "consult", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def _reader(path: Path) -> subprocess.Popen:
    """A plain sqlite3 reader in another process, as any other program would be."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "print(c.execute('SELECT count(*) FROM patients').fetchone()[0])\n"
        "c.close()\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Writer:
    """``hold_child.py`` in its own process; ``saved`` grows as it acknowledges commits."""

    def __init__(self, path: Path):
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "hold_child.py"), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=HERE,
            env=_env(),
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"
        self.saved: list[int] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            if line.startswith("saved "):
                with self._lock:
                    self.saved.append(int(line.split()[1]))

    def acknowledged(self) -> set[int]:
        with self._lock:
            return set(self.saved)

    def wait_for_more(self, than: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged()) < than:
            assert self.process.poll() is None, "the writer died"
            assert time.monotonic() < deadline, "the writer stopped saving"
            time.sleep(0.01)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._thread.join(timeout=10)
        self.process.stdout.close()
        assert self.process.returncode == -signal.SIGKILL


def _patient_ids(path: Path) -> set[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM patients")}
    finally:
        conn.close()


def _round(path: Path, backup: Path, export: Path, committed: set[int]) -> set[int]:
    writer = Writer(path)
    writer.wait_for_more(len(writer.acknowledged()) + 2)
    before_backup = committed | writer.acknowledged()
    others = {
        "check": _cli("--db", str(path), "db", "check"),
        "backup": _cli("--db", str(path), "db", "backup", str(backup)),
        "export": _cli("--db", str(path), "db", "export", "--format", "json", str(export)),
        "reader": _reader(path),
    }
    for name, process in others.items():
        out, err = process.communicate(timeout=120)
        assert "Traceback" not in err, (name, err)
        assert process.returncode == 0, (name, out, err)
    # The saves that follow the others' closing are the ones that went into a deleted log.
    writer.wait_for_more(len(writer.acknowledged()) + 3)
    writer.kill()
    committed = committed | writer.acknowledged()
    found = _patient_ids(path)  # a fresh reader: no "disk I/O error", nothing missing
    assert committed <= found, f"lost after the kill: {sorted(committed - found)}"
    assert before_backup <= _patient_ids(backup), "the backup misses saves made before it"
    return committed


@posix_only
@pytest.mark.slow
def test_saves_survive_checks_backups_exports_and_a_kill(tmp_path):
    path = tmp_path / "records.sqlite3"
    RecordStore.open(path).close()
    committed: set[int] = set()
    for n in range(ROUNDS):
        backup, export = tmp_path / f"backup-{n}.sqlite3", tmp_path / f"export-{n}.json"
        committed = _round(path, backup, export, committed)
    with RecordStore.open(path, verify=True) as repo:
        report = repo.health.check()
        assert report.healthy, report.summary()
        assert repo.audit.verify().intact
        # A save committed just before a kill may not have been acknowledged yet.
        assert len(committed) <= repo.health.counts()["patients"] <= len(committed) + ROUNDS


def test_the_issue_steps_lose_nothing(tmp_path):
    """The steps of the report, with the storage code alone."""
    path = tmp_path / "records.sqlite3"
    RecordStore.open(path).close()
    conn = opening.open_connection(path)
    try:
        add = "INSERT INTO providers (name, active, created_at) VALUES (?, 1, 'now')"
        conn.execute(add, ["Dr One"])
        conn.commit()
        assert database.side_file(path, "-wal").exists()
        opening.open_connection(path).close()  # a second connection, opened and closed
        check = consult_cli("--db", str(path), "db", "check")
        assert check.returncode == 0, check.stderr
        assert database.side_file(path, "-wal").exists()  # not checkpointed away under us
        conn.execute(add, ["Dr Two"])
        conn.commit()
        fresh = sqlite3.connect(path)
        try:
            assert fresh.execute("SELECT count(*) FROM providers").fetchone()[0] == 2
        finally:
            fresh.close()
    finally:
        conn.close()


def test_nothing_reads_the_header_from_python_while_a_connection_is_open(tmp_path, monkeypatch):
    path = tmp_path / "records.sqlite3"
    RecordStore.open(path).close()
    assert database.check_header(path) is not None  # no connection: checked from Python
    opened = []
    real_open = open

    def spy(file, *args, **kwargs):
        if Path(file).name.startswith(path.name) and openfiles.held(path):
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    with RecordStore.open(path, verify=False) as repo:
        assert openfiles.held(path)
        assert database.check_header(path) is None
        assert not database.needs_upgrade(path)
        assert openfiles.read_prefix(path, 16) is None
        with RecordStore.open(path, readonly=True, verify=False) as second:
            second.health.counts()
        repo.health.check()
        repo.health.counts()
    assert opened == []
    assert not openfiles.held(path)


def test_a_link_to_the_records_is_the_same_file(tmp_path):
    path = tmp_path / "records.sqlite3"
    RecordStore.open(path).close()
    link = tmp_path / "link.sqlite3"
    link.symlink_to(path)
    with RecordStore.open(path, verify=False):
        assert openfiles.held(link)
        assert database.check_header(link) is None


def _holder(path: Path) -> subprocess.Popen:
    code = (
        "import sys\n"
        "from consult.storage import RecordStore\n"
        "repo = RecordStore.open(sys.argv[1], verify=False)\n"
        "repo.clinic.save_provider('Dr Holder')\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "repo.clinic.save_provider('Dr Holder Again')\n"
        "print('saved', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )


@posix_only
def test_db_check_says_when_another_process_has_the_records_open(tmp_path):
    path = tmp_path / "records.sqlite3"
    RecordStore.open(path).close()
    holder = _holder(path)
    try:
        assert holder.stdout.readline().strip() == "ready"
        wal = database.side_file(path, "-wal")
        assert wal.exists()
        check = consult_cli("--db", str(path), "db", "check")
        assert check.returncode == 0, check.stderr
        assert "Another program has these records open" in check.stdout
        assert wal.exists()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "saved"
        with RecordStore.open(path, readonly=True, verify=False) as repo:
            assert {"Dr Holder", "Dr Holder Again"} <= set(repo.clinic.providers())
    finally:
        holder.kill()
        holder.communicate()
    alone = consult_cli("--db", str(path), "db", "check")
    assert "Another program" not in alone.stdout


# Where storage code may open a file from Python, and why that file is never a records file
# open in this process (or its -wal/-shm).
ALLOWED_OPENS = {
    ("openfiles.py", "read_prefix"): "the one header read; refuses a file open here",
    ("openfiles.py", "others_hold"): "the lock query; refuses a file open here",
    ("database.py", "place_file"): "fsyncs a new temporary file before it gets its name",
    ("exchange.py", "_write_private"): "writes a new temporary file of its own",
    ("exchange.py", "_read"): "the import file, after protect.check_input",
    ("exchange.py", "_export_csv"): "removes a CSV export's own staging folder if left",
    ("anchor.py", "read"): "an anchor file (NAME.anchor.json), never a records file",
    ("schema_check.py", "reference"): "a schema snapshot among the app's own resources",
    ("pg_schema.py", "script"): "a PostgreSQL migration among the app's own resources",
    ("photo_files.py", "digest"): "a photo's file, named by its SHA-256 in a photo folder",
    ("photo_files.py", "read"): "a photo's file, named by its SHA-256 in a photo folder",
    ("photo_files.py", "copy_into"): "photo files between photo folders (a backup's, a restore's)",
    ("photo_files.py", "remove_folder"): "a backup's photo folder, removed with its backup",
    ("exchange.py", "_photo_bytes"): "a photo file of an export's photo folder",
}
FILE_METHODS = {"open", "read_bytes", "read_text", "write_bytes", "write_text"}


def _opens(tree: ast.AST) -> list[tuple[str, int]]:
    """(function, line) of every call that opens a file from Python."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            if isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Name) and func.id == "open":
                    found.append((function, child.lineno))
                elif isinstance(func, ast.Attribute) and func.attr in FILE_METHODS:
                    owner = func.value
                    if isinstance(owner, ast.Name) and owner.id in ("RecordStore", "cls"):
                        pass  # opening the records through SQLite
                    elif (
                        isinstance(owner, ast.Name)
                        and owner.id == "os"
                        and "O_CREAT" in (ast.unparse(child))
                    ):
                        pass  # a new file of its own, never an existing one
                    else:
                        found.append((function, child.lineno))
                elif isinstance(func, ast.Attribute) and ast.unparse(func).startswith("shutil."):
                    found.append((function, child.lineno))
            visit(child, name)

    visit(tree, "")
    return found


def test_storage_code_opens_files_only_where_it_is_safe():
    """A check on the source: in the storage layer, only the places listed above open a file
    from Python (so nothing can open the records file behind SQLite's back)."""
    root = REPO / "consult" / "storage"
    unexpected = []
    for source in sorted(root.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for function, line in _opens(tree):
            if (source.name, function) not in ALLOWED_OPENS:
                unexpected.append(f"{source.name}:{line} in {function or 'the module'}")
    assert unexpected == [], "files opened from Python in storage: " + ", ".join(unexpected)


def test_the_open_check_finds_an_open():
    tree = ast.parse("def f(p):\n    with open(p) as h:\n        return p.read_bytes()\n")
    assert _opens(tree) == [("f", 2), ("f", 3)]
