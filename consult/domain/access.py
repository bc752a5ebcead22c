"""Who may do what: the three roles and what each may do with the records.

The application layer (``consult.app.session``) checks these before every task, so the window
and the command line refuse the same things; the window also hides what the signed-in role
cannot do.

- A **provider** (doctor, nurse, aesthetician) consults: finds patients, sees their records,
  finishes and amends consultations, charts and signs off sessions, prints plans, lists the
  patients treated with a cartridge lot, takes and compares photos, deletes a photo (with a
  reason) and exports a patient's photos, and may see who has looked at a patient's record.
- An **assistant** finds patients and sees their page and plans, and prints a plan for the
  patient; checks a patient in for a session (asks the health questions again) and books,
  moves or cancels appointments; takes, imports, sees and compares a patient's photos; never
  finishes or amends a consultation, nor charts or signs off a session, deletes a photo or
  exports one.
- An **administrator** may do everything a provider may, and alone changes the clinic's
  settings and accounts, reads the whole audit trail, backs up, restores, exports, imports
  and checks the records.
"""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    PROVIDER = "provider"
    ASSISTANT = "assistant"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Permission(Enum):
    """One kind of task. ``label`` says it in a refusal ("… may not <label>")."""

    VIEW_PATIENTS = "find patients and see their records"
    CHECK_IN = "check a patient in for a session, asking the health questions again"
    SCHEDULE = "reschedule, cancel or mark missed a patient's appointments"
    PRINT_PLAN = "view, print or save a patient's plan"
    CONSULT = "start, finish or amend a consultation, or chart and sign off a session"
    RECALL = "list the patients treated with a cartridge lot, for a recall"
    PATIENT_AUDIT = "see who has looked at a patient's record"
    SETTINGS = "change the clinic's settings"
    ACCOUNTS = "add, disable or change accounts"
    AUDIT = "read the audit trail"
    BACKUP = "back up or check the records"
    RESTORE = "restore the records from a backup"
    EXCHANGE = "export, import or add demo records"
    ENCRYPTION = "encrypt or decrypt the records"
    PHOTOS = "take, import, see and compare a patient's photos"
    DELETE_PHOTO = "delete a patient's photo"
    EXPORT_PHOTOS = "export a patient's photos to a folder"

    @property
    def label(self) -> str:
        return self.value


_ASSISTANT = frozenset(
    {
        Permission.VIEW_PATIENTS,
        Permission.PRINT_PLAN,
        Permission.CHECK_IN,
        Permission.SCHEDULE,
        Permission.PHOTOS,
    }
)
_PROVIDER = _ASSISTANT | {
    Permission.CONSULT,
    Permission.PATIENT_AUDIT,
    Permission.RECALL,
    Permission.DELETE_PHOTO,
    Permission.EXPORT_PHOTOS,
}
_ADMINISTRATOR = frozenset(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSISTANT: _ASSISTANT,
    Role.PROVIDER: frozenset(_PROVIDER),
    Role.ADMINISTRATOR: _ADMINISTRATOR,
}

#: What an administrator's token (for scripted backups) may do: nothing that reads a patient.
TOKEN_PERMISSIONS = frozenset({Permission.BACKUP})


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
