"""Sub-commands of ``consult``. Each module has ``register(subparsers, common)``.

``common`` is a parent parser carrying the options every command accepts (``--db``).
"""

MODULES = (
    "consult.commands.accounts",
    "consult.commands.catalog",
    "consult.commands.consent",
    "consult.commands.course",
    "consult.commands.db",
    "consult.commands.photos",
    "consult.commands.report",
    "consult.commands.selftest",
)
