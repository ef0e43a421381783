"""Alembic migration scripts of the shared package (a package so wheels ship them)."""
