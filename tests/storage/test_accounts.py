"""Accounts: argon2id hashes, never the secret; five wrong secrets lock an account for a while;
every sign-in, failure and change is in the audit trail under the right name."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from storage_helpers import consultation, patient, plan_for

from consult.domain.access import Role
from consult.storage import RecordStore, passwords
from consult.storage.accounts import LOCKOUT, MAX_FAILURES, AccountError, SignInRefused
from consult.storage.errors import ConflictError

PIN = "246810"


@pytest.fixture
def admin(repo):
    repo.provider = "Dr Admin"  # the first administrator adds themself
    made = repo.accounts.add("Dr Admin", Role.ADMINISTRATOR, "admin-secret")
    return made


def every_text(repo, db_path) -> str:
    """Every value in every table of the file, as text (a search for a leaked secret)."""
    conn = sqlite3.connect(db_path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    values = []
    for table in tables:
        for row in conn.execute(f"SELECT * FROM [{table}]"):
            values.extend(str(v) for v in row)
    conn.close()
    return "\n".join(values)


def test_the_real_hash_is_argon2id_with_64_mib_and_never_the_secret(real_hashes):
    encoded = passwords.hash_secret(PIN)
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert PIN not in encoded
    assert passwords.verify(encoded, PIN)
    assert not passwords.verify(encoded, "246811")
    assert not passwords.needs_rehash(encoded)
    # Two hashes of one secret differ (a salt each), and both verify.
    again = passwords.hash_secret(PIN)
    assert again != encoded and passwords.verify(again, PIN)


def test_damaged_or_foreign_hashes_never_match():
    assert not passwords.verify("not a hash", PIN)
    assert not passwords.verify("$argon2id$v=19$m=8,t=1,p=1$AAAA$BBBB", PIN)
    assert not passwords.verify(passwords.hash_secret(PIN), "x" * 5000)


@pytest.mark.parametrize("secret", ["", "12345", "      ", "x" * 1025])
def test_short_blank_or_huge_secrets_are_refused(repo, secret):
    with pytest.raises(AccountError):
        repo.accounts.add("Dr Reyes", Role.PROVIDER, secret)
    assert repo.accounts.all() == []


def test_secrets_are_stored_only_as_hashes(repo, db_path, admin):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    repo.accounts.sign_in("Dr Reyes", PIN)
    with pytest.raises(SignInRefused):
        repo.accounts.sign_in("Dr Reyes", "wrong-pin")
    repo.accounts.set_secret("Dr Reyes", "a new one 1")
    text = every_text(repo, db_path)
    for secret in (PIN, "wrong-pin", "admin-secret", "a new one 1"):
        assert secret not in text
    (stored,) = repo.conn.execute(
        "SELECT secret_hash FROM accounts WHERE name = 'Dr Reyes'"
    ).fetchone()
    assert passwords.verify(stored, "a new one 1")


def test_names_are_unique_whatever_their_case_and_kept(repo, admin):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    with pytest.raises(AccountError, match="already an account"):
        repo.accounts.add("dr reyes", Role.ASSISTANT, PIN)
    assert repo.accounts.sign_in("DR REYES", PIN).name == "Dr Reyes"
    with pytest.raises(sqlite3.IntegrityError, match="keeps its name"):
        repo.conn.execute("UPDATE accounts SET name = 'Someone else' WHERE name = 'Dr Reyes'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        repo.conn.execute("DELETE FROM accounts WHERE name = 'Dr Reyes'")


def test_five_wrong_secrets_lock_the_account_for_a_while(repo, clock, admin):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(SignInRefused, match="do not match"):
            repo.accounts.sign_in("Dr Reyes", "000000")
    with pytest.raises(SignInRefused, match="locked for 15 more minutes"):
        repo.accounts.sign_in("Dr Reyes", "000000")
    # Locked: even the right PIN is refused, and says for how long.
    clock.moment += timedelta(minutes=10)
    with pytest.raises(SignInRefused, match="locked for 5 more minutes"):
        repo.accounts.sign_in("Dr Reyes", PIN)
    # Other accounts are not affected.
    assert repo.accounts.sign_in("Dr Admin", "admin-secret").name == "Dr Admin"
    clock.moment += LOCKOUT - timedelta(minutes=10)
    assert repo.accounts.sign_in("Dr Reyes", PIN).name == "Dr Reyes"


def test_a_success_starts_the_count_again(repo, admin):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    for _ in range(2):
        for _ in range(MAX_FAILURES - 1):
            with pytest.raises(SignInRefused, match="do not match"):
                repo.accounts.sign_in("Dr Reyes", "000000")
        repo.accounts.sign_in("Dr Reyes", PIN)


def test_a_new_secret_from_an_administrator_ends_the_lockout(repo, admin):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            repo.accounts.sign_in("Dr Reyes", "000000")
    repo.accounts.set_secret("Dr Reyes", "135790")
    assert repo.accounts.sign_in("Dr Reyes", "135790").name == "Dr Reyes"


def test_sign_ins_and_failures_are_audited_under_the_account(repo, clock, admin):
    repo.provider = "Dr Admin"
    reyes = repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    repo.accounts.sign_in("Dr Reyes", PIN)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            repo.accounts.sign_in("Dr Reyes", "000000")
    with pytest.raises(SignInRefused):
        repo.accounts.sign_in("Nobody", "000000")
    entries = [
        (e["action"], e["record_id"], e["provider"], e["detail"])
        for e in repo.audit.entries()
        if e["record_type"] == "account"
    ]
    assert entries[:3] == [
        ("account-add", admin.id, "Dr Admin", "role administrator"),
        ("account-add", reyes.id, "Dr Admin", "role provider"),
        ("sign-in", reyes.id, "Dr Reyes", ""),
    ]
    failures = [e for e in entries[3:] if e[0] == "sign-in-failed"]
    assert [e[3] for e in failures] == [
        *(f"wrong secret ({n} in a row)" for n in range(1, MAX_FAILURES + 1)),
        "no such account",
    ]
    assert ("locked-out", reyes.id, "Dr Reyes") == entries[-2][:3]
    # The name typed for no account is not kept (people type secrets into name fields).
    assert "Nobody" not in json.dumps(repo.audit.entries())
    assert repo.audit.verify().intact


def test_disabled_accounts_cannot_sign_in_and_the_last_administrator_stays(repo, admin):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    repo.accounts.set_active("Dr Reyes", False)
    with pytest.raises(SignInRefused, match="disabled"):
        repo.accounts.sign_in("Dr Reyes", PIN)
    assert repo.accounts.count() == 1
    repo.accounts.set_active("Dr Reyes", True)
    assert repo.accounts.sign_in("Dr Reyes", PIN).active
    with pytest.raises(ConflictError, match="only administrator"):
        repo.accounts.set_active("Dr Admin", False)
    repo.accounts.add("Ops Admin", Role.ADMINISTRATOR, "ops-secret")
    repo.accounts.set_active("Dr Admin", False)
    assert not repo.accounts.get("Dr Admin").active


@pytest.mark.sqlite_only
def test_a_token_signs_in_its_administrator_until_replaced(repo, admin):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    with pytest.raises(AccountError, match="administrator"):
        repo.accounts.issue_token("Dr Reyes")
    first = repo.accounts.issue_token("Dr Admin")
    assert first.startswith(passwords.TOKEN_PREFIX)
    assert repo.accounts.sign_in_token(first).name == "Dr Admin"
    second = repo.accounts.issue_token("Dr Admin")
    with pytest.raises(SignInRefused, match="not valid"):
        repo.accounts.sign_in_token(first)
    assert repo.accounts.sign_in_token(second).name == "Dr Admin"
    assert first not in every_text(repo, repo.path) and second not in every_text(repo, repo.path)


def test_every_audit_entry_names_the_account_at_the_keyboard(db_path, clock):
    """The store's account (set at sign-in) is on every change, view and print."""
    with RecordStore.open(db_path, clock=clock, provider="Dr Reyes") as repo:
        zoe = repo.patients.save(patient())
        draft = repo.consultations.save_draft(consultation(zoe, provider="Someone typed"))
        final = repo.consultations.finalize(draft, plan_for(draft))
        repo.audit.record("print", final.id)
        providers = {e["provider"] for e in repo.audit.entries()}
    assert providers == {"Dr Reyes"}


def test_a_read_only_sign_in_records_nothing(db_path, admin, repo):
    repo.accounts.add("Dr Reyes", Role.PROVIDER, PIN)
    before = len(repo.audit.entries())
    assert repo.accounts.sign_in("Dr Reyes", PIN, record=False).name == "Dr Reyes"
    for _ in range(MAX_FAILURES + 1):
        with pytest.raises(SignInRefused, match="do not match"):
            repo.accounts.sign_in("Dr Reyes", "000000", record=False)
    assert len(repo.audit.entries()) == before
