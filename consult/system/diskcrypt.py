"""Whether the disk holding a folder is encrypted: LUKS (dm-crypt), FileVault or BitLocker.

The records file itself is not encrypted by the app (see docs/security.md for why SQLCipher is
not used yet), so a lost or stolen computer is protected only by the operating system's disk
encryption. ``consult selftest`` and ``consult db check`` say which it is, with advice when
the disk is not encrypted or it cannot be told.

- Linux: the mount holding the folder is found in ``/proc/self/mountinfo``; its device, or any
  device below it (LVM on LUKS), is encrypted when it is a device-mapper target whose uuid
  starts ``CRYPT-`` (what cryptsetup gives LUKS and plain dm-crypt). An eCryptfs or fscrypt
  folder counts too. Anything else (a container's overlay, a network folder) cannot be told.
- macOS: ``fdesetup status`` says whether FileVault is on.
- Windows: the drive's BitLocker protection as Explorer shows it (no administrator needed).

Every outside source is given as an argument, so the tests describe a computer in a folder.
"""

from __future__ import annotations

import ntpath
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENCRYPTED = "encrypted"
NOT_ENCRYPTED = "not encrypted"
UNKNOWN = "unknown"

Runner = Callable[[list[str]], str]


@dataclass(frozen=True)
class DiskEncryption:
    state: str  # ENCRYPTED, NOT_ENCRYPTED or UNKNOWN
    how: str = ""  # "LUKS (dm-crypt)", "FileVault", "BitLocker", "eCryptfs", "fscrypt"
    where: str = ""  # the device or drive looked at

    @property
    def encrypted(self) -> bool:
        return self.state == ENCRYPTED

    def summary(self) -> str:
        disk = "The disk holding the records" + (f" ({self.where})" if self.where else "")
        if self.state == ENCRYPTED:
            return f"{disk} is encrypted ({self.how})."
        if self.state == NOT_ENCRYPTED:
            return (
                f"{disk} is NOT encrypted: anyone who takes the computer or its disk can read "
                f"every record. {ADVICE}"
            )
        return (
            f"Whether {disk[0].lower()}{disk[1:]} is encrypted cannot be told here; check it "
            f"with your IT support. {ADVICE}"
        )


ADVICE = (
    "Health records at rest should be on an encrypted disk: turn on BitLocker (Windows: "
    "Settings, Privacy & security, Device encryption), FileVault (macOS: System Settings, "
    "Privacy & Security) or install Linux with LUKS full-disk encryption, and keep backups "
    "on encrypted drives too."
)


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    return done.stdout


def check(
    folder: Path,
    *,
    platform: str = sys.platform,
    proc: Path = Path("/proc"),
    sysfs: Path = Path("/sys"),
    run: Runner = _run,
) -> DiskEncryption:
    """How the disk holding ``folder`` is encrypted (never raises: ``UNKNOWN`` instead)."""
    try:
        if platform.startswith("linux"):
            return _linux(Path(folder), proc, sysfs)
        if platform == "darwin":
            return _macos(run)
        if platform in ("win32", "cygwin"):
            return _windows(Path(folder), run)
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    return DiskEncryption(UNKNOWN)


# --------------------------------------------------------------------------- Linux


@dataclass(frozen=True)
class Mount:
    point: str
    fstype: str
    source: str
    major_minor: str


def _unescape(field: str) -> str:
    """mountinfo writes a space as \\040 (and tab, newline, backslash likewise)."""
    return field.encode().decode("unicode_escape")


def mounts(proc: Path) -> list[Mount]:
    found = []
    for line in (proc / "self" / "mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 2:
            continue
        found.append(Mount(_unescape(fields[4]), tail[0], _unescape(tail[1]), fields[2]))
    return found


def mount_of(folder: Path, proc: Path) -> Mount:
    """The mount a folder is on: the longest mount point that holds it."""
    # A link is followed; a data folder not made yet is on the mount of the path it will have.
    target = str(folder.resolve() if folder.exists() else folder.absolute())
    best: Mount | None = None
    for mount in mounts(proc):
        point = mount.point.rstrip("/") or "/"
        inside = target == point or target.startswith(point + "/") or point == "/"
        if inside and (best is None or len(point) > len(best.point.rstrip("/") or "/")):
            best = mount
    if best is None:
        raise ValueError("no mount holds the folder")
    return best


def _linux(folder: Path, proc: Path, sysfs: Path) -> DiskEncryption:
    mount = mount_of(folder, proc)
    if mount.fstype == "ecryptfs":
        return DiskEncryption(ENCRYPTED, "eCryptfs", mount.point)
    block = sysfs / "dev" / "block" / mount.major_minor
    if not block.exists():
        return DiskEncryption(UNKNOWN, where=f"{mount.fstype} at {mount.point}")
    name = block.resolve().name
    crypt = _crypt_below(sysfs / "class" / "block" / name, set())
    if crypt:
        return DiskEncryption(ENCRYPTED, "LUKS (dm-crypt)", f"/dev/{name}")
    return DiskEncryption(NOT_ENCRYPTED, where=f"/dev/{name}")


def _crypt_below(device: Path, seen: set[str]) -> bool:
    """True when ``device`` or any device it is built on is a dm-crypt target."""
    device = device.resolve()
    if device.name in seen:
        return False
    seen.add(device.name)
    uuid = device / "dm" / "uuid"
    if uuid.exists() and uuid.read_text().strip().startswith("CRYPT-"):
        return True
    below = [device / "slaves"]
    # A partition's own entry has no "slaves": its disk's has (a partition on an md RAID).
    if (device / "partition").exists():
        below.append(device.parent / "slaves")
    for folder in below:
        if folder.is_dir():
            for slave in sorted(folder.iterdir()):
                if _crypt_below(slave, seen):
                    return True
    return False


# --------------------------------------------------------------------------- macOS, Windows


def _macos(run: Runner) -> DiskEncryption:
    said = run(["fdesetup", "status"])
    if "FileVault is On" in said:
        return DiskEncryption(ENCRYPTED, "FileVault")
    if "FileVault is Off" in said:
        return DiskEncryption(NOT_ENCRYPTED, where="FileVault is off")
    return DiskEncryption(UNKNOWN)


# Explorer's System.Volume.BitLockerProtection: 1 on, 3 encrypting, 5 on but suspended,
# 2 off, 4 decrypting, 6 off (not started); anything else cannot be told.
_BITLOCKER = {
    "1": ENCRYPTED,
    "3": ENCRYPTED,
    "5": ENCRYPTED,
    "2": NOT_ENCRYPTED,
    "6": NOT_ENCRYPTED,
}


def _windows(folder: Path, run: Runner) -> DiskEncryption:
    drive = ntpath.splitdrive(str(folder))[0] or "C:"
    if not (len(drive) == 2 and drive[1] == ":" and drive[0].isalpha()):
        return DiskEncryption(UNKNOWN, where=drive)  # a network share
    script = (
        "(New-Object -ComObject Shell.Application).NameSpace('"
        f"{drive}').Self.ExtendedProperty('System.Volume.BitLockerProtection')"
    )
    said = run(["powershell", "-NoProfile", "-NonInteractive", "-Command", script]).strip()
    state = _BITLOCKER.get(said, UNKNOWN)
    how = "BitLocker" if state == ENCRYPTED else ""
    note = " (protection suspended)" if said == "5" else ""
    return DiskEncryption(state, how + note, f"drive {drive}")
