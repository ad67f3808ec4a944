"""Row conversions shared by the SQL backends (SQLite and PostgreSQL store the same columns)."""
