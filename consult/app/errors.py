"""Errors as the person at the desk reads them: one short paragraph, never a traceback."""

from __future__ import annotations

import sys

from consult.storage.errors import StorageError


class UserFacingError(Exception):
    """What went wrong and what to do, in plain words (``message``), for a dialog or stderr."""

    def __init__(self, message: str, title: str = ""):
        super().__init__(message)
        self.message = message
        self.title = title


def plain_error(exc: Exception) -> UserFacingError:
    """Any error from below as a short message in the provider's words."""
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, StorageError):
        return UserFacingError(exc.message)
    # A ValidationError can only exist once its module is loaded: not loading it here keeps
    # the commands that never validate a record from importing the domain model for this.
    model = sys.modules.get("consult.domain.model")
    if model is not None and isinstance(exc, model.ValidationError):
        return UserFacingError(" ".join(p.message for p in exc.problems))
    if isinstance(exc, OSError):
        return UserFacingError(
            f"A file could not be read or written: {exc.strerror or exc}. Nothing you typed is "
            "lost; check the disk and folder, then try again."
        )
    return UserFacingError(
        "The app could not finish this. Nothing you typed is lost; try again, and if it keeps "
        f"happening, note the time and call your IT support. ({type(exc).__name__})"
    )
