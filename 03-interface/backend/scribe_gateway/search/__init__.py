"""Full-text search over the caller's meetings (``GET /api/v1/search``; the index itself is
:mod:`scribe_core.search`)."""
