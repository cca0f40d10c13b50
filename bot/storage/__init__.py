"""Storage: SQLite through aiosqlite. Everything that touches the database lives here."""
