"""Task names and payloads shared by the gateway (which sends) and the worker (which runs).

The gateway kicks tasks by NAME with ids only and never imports worker code; the worker
reloads what it needs from the database (polarsource/polar ``server/polar/worker/_enqueue.py``,
taskiq ``taskiq/kicker.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

PROCESS_MEETING: Final = "meetings.process"
"""Run the pipeline on one uploaded meeting."""

ENROLL_SPEAKER: Final = "speakers.enroll"
"""Embed the pending enrolment samples of one voice bank person and store their voiceprints."""


@dataclass(frozen=True)
class ProcessMeeting:
    """Payload of :data:`PROCESS_MEETING`: the meeting id, nothing else.

    Attributes:
        meeting_id: Id of a committed ``meetings`` row.
    """

    meeting_id: uuid.UUID

    def to_kwargs(self) -> dict[str, str]:
        """Keyword arguments of the task message (JSON-serialisable)."""
        return {"meeting_id": str(self.meeting_id)}

    @classmethod
    def from_kwargs(cls, meeting_id: str) -> ProcessMeeting:
        """Inverse of :meth:`to_kwargs`.

        Raises:
            ValueError: ``meeting_id`` is not a UUID.
        """
        return cls(uuid.UUID(meeting_id))


@dataclass(frozen=True)
class EnrollSpeaker:
    """Payload of :data:`ENROLL_SPEAKER`: the person id, nothing else.

    Attributes:
        person_id: Id of a committed ``people`` row whose ``pending_keys`` name the samples.
    """

    person_id: uuid.UUID

    def to_kwargs(self) -> dict[str, str]:
        """Keyword arguments of the task message (JSON-serialisable)."""
        return {"person_id": str(self.person_id)}

    @classmethod
    def from_kwargs(cls, person_id: str) -> EnrollSpeaker:
        """Inverse of :meth:`to_kwargs`.

        Raises:
            ValueError: ``person_id`` is not a UUID.
        """
        return cls(uuid.UUID(person_id))
