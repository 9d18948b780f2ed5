"""Voice packs an office records and uploads in admin, kept in the database so that every server
node on one PostgreSQL serves the same pack (display/voice/README.md has the pack's layout)."""
