"""Which records a computer uses (records.toml): read, kept, and refused in plain words."""

from __future__ import annotations

import stat

import pytest

from consult.commands import records_target
from consult.system import records_location as rl

URL = "postgresql://consult@clinic-server/consult?sslmode=verify-full"


def test_no_file_means_the_records_file_here():
    assert rl.configured() is None


def test_a_server_is_kept_privately_and_read_back():
    path = rl.save(URL)
    assert rl.configured() == URL
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rl.save(None)
    assert rl.configured() is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://consult:secret@clinic-server/consult", "holds a password"),
        ("postgresql://consult@clinic-server/", "names no database"),
        ("postgresql://consult@clinic-server:port/consult", "cannot be read"),
        ("mysql://consult@clinic-server/consult", "postgresql://USER@HOST/DATABASE"),
    ],
)
def test_unusable_addresses_are_refused_before_they_are_kept(url, says):
    with pytest.raises(rl.LocationError, match=says):
        rl.save(url)
    assert not rl.config_file().exists()


def test_the_password_never_reaches_the_message():
    with pytest.raises(rl.LocationError) as refused:
        rl.checked_url("postgresql://consult:hunter2@host/db")
    assert "hunter2" not in str(refused.value)


def test_a_damaged_file_is_said_not_guessed():
    rl.config_file(create=True).write_text('records_url = "postgresql://unterminated\n')
    with pytest.raises(rl.LocationError, match="cannot be read"):
        rl.configured()
    rl.config_file().write_text("records_url = 5\n")
    with pytest.raises(rl.LocationError, match="must be text"):
        rl.configured()


def test_hostile_text_in_the_address_round_trips_as_toml():
    odd = 'postgresql://consult@clinic-server/consult?application_name=a"b\\c'
    rl.save(odd)
    assert rl.configured() == odd


def test_db_takes_a_file_or_a_server():
    from pathlib import Path

    assert records_target("records.sqlite3") == Path("records.sqlite3")
    assert records_target(URL) == URL
