"""Is the records' disk encrypted? Computers described in a folder: their mounts and devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.system.diskcrypt import ENCRYPTED, NOT_ENCRYPTED, UNKNOWN, check


class Computer:
    """A Linux computer's /proc/self/mountinfo and /sys/{dev,class}/block, in ``root``."""

    def __init__(self, root: Path):
        self.proc = root / "proc"
        self.sys = root / "sys"
        (self.proc / "self").mkdir(parents=True)
        (self.sys / "dev" / "block").mkdir(parents=True)
        (self.sys / "class" / "block").mkdir(parents=True)
        self.lines: list[str] = []

    def device(self, name: str, number: str, *, crypt: bool = False, on: tuple[str, ...] = ()):
        device = self.sys / "devices" / name
        (device / "slaves").mkdir(parents=True)
        if crypt or name.startswith("dm-"):
            (device / "dm").mkdir()
            uuid = "CRYPT-LUKS2-0123-luks" if crypt else "LVM-abc"
            (device / "dm" / "uuid").write_text(uuid + "\n")
        for below in on:
            (device / "slaves" / below).symlink_to(self.sys / "devices" / below)
        (self.sys / "class" / "block" / name).symlink_to(device)
        (self.sys / "dev" / "block" / number).symlink_to(device)

    def mount(self, point: str, number: str, fstype: str = "ext4", source: str = "/dev/x"):
        n = len(self.lines) + 20
        self.lines.append(f"{n} 1 {number} / {point} rw,relatime - {fstype} {source} rw")
        (self.proc / "self" / "mountinfo").write_text("\n".join(self.lines) + "\n")

    def check(self, folder: str):
        return check(Path(folder), platform="linux", proc=self.proc, sysfs=self.sys)


@pytest.fixture
def computer(tmp_path):
    return Computer(tmp_path)


def test_a_plain_partition_is_not_encrypted(computer):
    computer.device("sda2", "8:2")
    computer.mount("/", "8:2")
    found = computer.check("/home/clinic/.local/share/consult")
    assert (found.state, found.where) == (NOT_ENCRYPTED, "/dev/sda2")
    assert "NOT encrypted" in found.summary() and "BitLocker" in found.summary()


def test_luks_and_lvm_on_luks_are_encrypted(computer):
    computer.device("nvme0n1p3", "259:3")
    computer.device("dm-0", "253:0", crypt=True, on=("nvme0n1p3",))
    computer.device("dm-1", "253:1", on=("dm-0",))  # LVM on LUKS
    computer.device("sdb1", "8:17")
    computer.mount("/", "253:1")
    computer.mount("/media/usb", "8:17")
    found = computer.check("/home/clinic/consult-data")
    assert (found.state, found.how) == (ENCRYPTED, "LUKS (dm-crypt)")
    assert found.summary().startswith("The disk holding the records (/dev/dm-1) is encrypted")
    # The longest mount point wins: a folder on the USB disk is on the plain disk.
    assert computer.check("/media/usb/consult").state == NOT_ENCRYPTED


def test_ecryptfs_and_unknown_disks(computer):
    computer.device("sda1", "8:1")
    computer.mount("/", "8:1")
    computer.mount("/home/clinic", "0:50", fstype="ecryptfs", source="/home/.ecryptfs")
    computer.mount("/srv/share", "0:51", fstype="cifs", source="//server/share")
    assert computer.check("/home/clinic/consult").how == "eCryptfs"
    found = computer.check("/srv/share/consult")
    assert found.state == UNKNOWN and "cannot be told" in found.summary()


def test_macos_asks_fdesetup():
    said = {"on": "FileVault is On.\n", "off": "FileVault is Off.\n", "odd": ""}
    for key, state in (("on", ENCRYPTED), ("off", NOT_ENCRYPTED), ("odd", UNKNOWN)):
        found = check(Path("/Users/x"), platform="darwin", run=lambda cmd, k=key: said[k])
        assert found.state == state


@pytest.mark.parametrize(
    ("answer", "state"), [("1", ENCRYPTED), ("5", ENCRYPTED), ("2", NOT_ENCRYPTED), ("", UNKNOWN)]
)
def test_windows_asks_for_the_drives_bitlocker_protection(answer, state):
    asked = []
    found = check(
        Path("D:/consult"), platform="win32", run=lambda cmd: asked.append(cmd) or answer + "\r\n"
    )
    assert found.state == state
    assert "NameSpace('D:')" in asked[0][-1]


def test_a_failing_source_is_unknown_never_an_error(tmp_path):
    found = check(tmp_path, platform="linux", proc=tmp_path / "none", sysfs=tmp_path / "none")
    assert found.state == UNKNOWN
