"""Database layer shared by the gateway and the worker: models, engine/session, migrations."""

from scribe_core.db.models import (
    Base,
    Meeting,
    MeetingSpeaker,
    MeetingStatus,
    Person,
    PersonStatus,
    User,
    utcnow,
)
from scribe_core.db.session import create_engine, create_sessionmaker

__all__ = [
    "Base",
    "Meeting",
    "MeetingSpeaker",
    "MeetingStatus",
    "Person",
    "PersonStatus",
    "User",
    "create_engine",
    "create_sessionmaker",
    "utcnow",
]
