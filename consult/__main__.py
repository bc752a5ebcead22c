"""``python -m consult`` and the ``consult`` command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from consult.cli import run

    # Called with no arguments, this is the start of the process (the command, the frozen
    # app); tests call it with theirs, inside a process that may hold databases open.
    return run(sys.argv[1:] if argv is None else argv, entry=argv is None)


if __name__ == "__main__":
    sys.exit(main())
