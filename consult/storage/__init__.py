"""The records database: SQLite through sqlite-utils. No Qt here."""
