"""The command line asks who is running it before reading or changing the records; the secret
comes from the terminal or standard input, never from the command line; roles as in the
window; an administrator's token for scripted backups, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from consult.domain.access import Role
from consult.storage import RecordStore

ADMIN, ADMIN_PIN = "Dr Admin", "admin-pin-1"
PIN = "246810"
pytestmark = pytest.mark.process  # every test runs the command line


def consult(*args, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "consult", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture
def records(tmp_path) -> Path:
    """Records with an administrator, a provider and an assistant, and one patient."""
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path, provider=ADMIN) as store:
        store.accounts.add(ADMIN, Role.ADMINISTRATOR, ADMIN_PIN)
        store.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
        store.accounts.add("Ben", Role.ASSISTANT, PIN)
    return path


def as_user(records, name, secret, *args, stdin: str | None = None, **kwargs):
    """A command run as ``name``, the secret on standard input (or all of ``stdin``)."""
    return consult(
        *args,
        "--db",
        records,
        "--user",
        name,
        "--password-stdin",
        stdin=secret + "\n" if stdin is None else stdin,
        **kwargs,
    )


def test_commands_that_read_no_records_need_no_account(records, tmp_path):
    assert consult("--help").returncode == 0
    assert consult("--version").returncode == 0
    assert consult("catalog", "validate", stdin="").returncode == 0
    plan = tmp_path / "demo.pdf"
    done = consult("demo-plan", "-o", plan, "--db", records)
    assert done.returncode == 0, done.stderr
    assert plan.exists()


@pytest.mark.parametrize(
    "command",
    [
        ("db", "check"),
        ("db", "verify"),
        ("db", "export", "out.json"),
        ("db", "backup", "copy.sqlite3"),
        ("render-plan", "1", "-o", "plan.pdf"),
        ("accounts", "list"),
    ],
)
def test_commands_on_the_records_need_an_account(records, tmp_path, command):
    command = [tmp_path / c if c.endswith((".json", ".sqlite3", ".pdf")) else c for c in command]
    done = consult(*command, "--db", records)
    assert done.returncode == 1
    assert "needs an account" in done.stderr or "needs a PIN" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "copy.sqlite3").exists()


def test_the_secret_is_never_an_option():
    help_text = consult("db", "check", "--help").stdout
    assert "--password-stdin" in help_text
    assert "--password " not in help_text and "--pin" not in help_text
    done = consult("db", "check", "--password", "x")
    assert done.returncode == 2  # argparse: no such option


def test_a_wrong_secret_is_refused_and_counted(records):
    done = as_user(records, "Dr Reyes", "wrong-one", "db", "check")
    assert done.returncode == 1 and "do not match" in done.stderr
    with RecordStore.open(records) as store:
        (entry,) = [e for e in store.audit.entries() if e["action"] == "sign-in-failed"]
    assert (entry["provider"], entry["detail"]) == ("Dr Reyes", "wrong secret (1 in a row)")


def test_roles_on_the_command_line(records, tmp_path):
    # An administrator may check, back up and export; the entries name them.
    assert as_user(records, ADMIN, ADMIN_PIN, "db", "check").returncode == 0
    done = as_user(records, ADMIN, ADMIN_PIN, "db", "backup", tmp_path / "copy.sqlite3")
    assert done.returncode == 0, done.stderr
    # A provider may not export all records, nor restore, nor manage accounts.
    done = as_user(records, "Dr Reyes", PIN, "db", "export", tmp_path / "all.json")
    assert done.returncode == 1 and "may not export" in done.stderr
    assert not (tmp_path / "all.json").exists()
    done = as_user(records, "Dr Reyes", PIN, "db", "restore", tmp_path / "copy.sqlite3")
    assert done.returncode == 1 and "may not restore" in done.stderr
    done = as_user(records, "Ben", PIN, "accounts", "list")
    assert done.returncode == 1 and "may not add, disable or change accounts" in done.stderr
    with RecordStore.open(records) as store:
        backups = [e for e in store.audit.entries() if e["action"] == "backup"]
        signed = [e["provider"] for e in store.audit.entries() if e["action"] == "sign-in"]
    assert [e["provider"] for e in backups] == [ADMIN]
    assert signed == [ADMIN, ADMIN, "Dr Reyes", "Dr Reyes", "Ben"]


def test_accounts_add_list_disable(records):
    done = as_user(
        records,
        ADMIN,
        ADMIN_PIN,
        "accounts",
        "add",
        "Nurse Kim",
        "--role",
        "provider",
        stdin=f"{ADMIN_PIN}\n135790\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Added Nurse Kim (provider)." in done.stdout
    assert as_user(records, "Nurse Kim", "135790", "db", "check").returncode == 1  # a provider
    listed = as_user(records, ADMIN, ADMIN_PIN, "accounts", "list").stdout
    assert "Nurse Kim" in listed and "provider" in listed
    done = as_user(records, ADMIN, ADMIN_PIN, "accounts", "disable", "Nurse Kim")
    assert done.returncode == 0 and "disabled" in done.stdout
    done = as_user(records, "Nurse Kim", "135790", "render-plan", "1", "-o", "x.pdf")
    assert done.returncode == 1 and "disabled" in done.stderr
    done = as_user(records, ADMIN, ADMIN_PIN, "accounts", "disable", ADMIN)
    assert done.returncode == 1  # never oneself
    text = records.read_bytes()
    assert b"135790" not in text and ADMIN_PIN.encode() not in text


def test_the_first_administrator_of_new_records(tmp_path):
    path = tmp_path / "new.sqlite3"
    done = consult(
        "accounts",
        "add",
        "Ana",
        "--role",
        "provider",
        "--db",
        path,
        "--password-stdin",
        stdin="135790\n",
    )
    assert done.returncode == 1 and "must be the administrator" in done.stderr
    done = consult(
        "accounts",
        "add",
        "Ana",
        "--role",
        "administrator",
        "--db",
        path,
        "--password-stdin",
        stdin="135790\n",
    )
    assert done.returncode == 0, done.stderr
    done = consult(
        "accounts",
        "add",
        "Eve",
        "--role",
        "administrator",
        "--db",
        path,
        "--password-stdin",
        stdin="135790\n",
    )
    assert done.returncode == 1  # from now on only with an administrator's credentials


def test_records_without_accounts_say_they_are_not_protected(tmp_path):
    path = tmp_path / "old.sqlite3"
    RecordStore.open(path).close()
    done = consult("db", "check", "--db", path)
    assert done.returncode == 0
    assert "no accounts yet" in done.stderr


def test_a_token_backs_up_and_checks_and_does_nothing_else(records, tmp_path):
    done = as_user(records, ADMIN, ADMIN_PIN, "accounts", "token", ADMIN)
    assert done.returncode == 0
    token = done.stdout.strip()
    env = {"CONSULT_TOKEN": token}
    done = consult("db", "backup", tmp_path / "nightly.sqlite3", "--db", records, env=env)
    assert done.returncode == 0, done.stderr
    assert consult("db", "check", "--db", records, env=env).returncode == 0
    done = consult("db", "export", tmp_path / "all.json", "--db", records, env=env)
    assert done.returncode == 1 and not (tmp_path / "all.json").exists()
    assert "token runs only db backup, db check and db verify" in done.stderr
    done = consult(
        "db",
        "backup",
        tmp_path / "x.sqlite3",
        "--db",
        records,
        env={"CONSULT_TOKEN": "consult-token-guessed"},
    )
    assert done.returncode == 1 and "not valid" in done.stderr
    with RecordStore.open(records) as store:
        details = [
            (e["action"], e["detail"])
            for e in store.audit.entries()
            if e["action"].startswith("sign-in")
        ]
    assert ("sign-in", "token") in details and ("sign-in-failed", "unknown token") in details
