"""Unfinished consultations, saved as the provider works so a crash loses nothing.

One JSON file per draft in ``<data folder>/drafts/``, written atomically (temp file in the
same folder, fsync, rename) and private to the user (0600). A draft is removed once the
consultation is finalised.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from consult.domain.model import Consultation
from consult.domain.serialize import consultation_from_dict, consultation_to_dict
from consult.system.files import write_private_atomic

SUFFIX = ".draft.json"


@dataclass(frozen=True)
class Draft:
    key: str
    saved_at: datetime
    consultation: Consultation


class DraftStore:
    def __init__(self, folder: Path):
        self.folder = folder

    def new_key(self) -> str:
        return uuid.uuid4().hex

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("a draft key is letters and digits only")
        return self.folder / f"{key}{SUFFIX}"

    def save(self, key: str, consultation: Consultation) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = {
            "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "consultation": consultation_to_dict(consultation),
        }
        write_private_atomic(
            self._path(key), json.dumps(payload, ensure_ascii=False).encode("utf-8")
        )

    def load(self, key: str) -> Draft:
        payload = json.loads(self._path(key).read_text(encoding="utf-8"))
        return Draft(
            key,
            datetime.fromisoformat(payload["saved_at"]),
            consultation_from_dict(payload["consultation"]),
        )

    def all(self) -> list[Draft]:
        """Every readable draft, newest first; unreadable files are skipped, never deleted."""
        drafts = []
        if not self.folder.is_dir():
            return drafts
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                drafts.append(self.load(path.name.removesuffix(SUFFIX)))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return sorted(drafts, key=lambda d: d.saved_at, reverse=True)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
