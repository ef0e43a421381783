"""The voice bank API: people enrolled by each user (``/api/v1/speakers…``)."""
