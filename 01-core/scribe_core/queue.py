"""The Taskiq broker shared by the gateway and the worker.

- ``REDIS_URL`` set: :class:`taskiq_redis.RedisStreamBroker`. A Redis stream with a consumer
  group gives acknowledged delivery: a message is acknowledged only after its task ran, and a
  message left unacknowledged by a dead worker is re-claimed (``XAUTOCLAIM``) after
  ``TASK_IDLE_TIMEOUT_SECONDS``.
- unset: :class:`taskiq.InMemoryBroker`, which runs each task in the sending process (the
  embedded default of ``scribe serve``).

Call ``await broker.startup()`` before the first kick: it creates the consumer group, and a
message sent before the group exists is never delivered.
"""

from __future__ import annotations

import uuid

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.kicker import AsyncKicker

from scribe_core.settings import QueueSettings
from scribe_core.tasks import ENROLL_SPEAKER, PROCESS_MEETING, EnrollSpeaker, ProcessMeeting


def create_broker(settings: QueueSettings | None = None) -> AsyncBroker:
    """The broker the settings describe.

    Args:
        settings: Queue settings; read from the environment when ``None``.

    Returns:
        A :class:`~taskiq_redis.RedisStreamBroker` on ``REDIS_URL`` (``socket_timeout=None`` so
        a worker stops promptly on SIGTERM), or an :class:`~taskiq.InMemoryBroker`.
    """
    settings = settings or QueueSettings()
    if settings.redis_url:
        from taskiq_redis import RedisStreamBroker

        return RedisStreamBroker(
            settings.redis_url,
            queue_name=settings.queue_name,
            consumer_group_name=settings.consumer_group,
            consumer_id="0",
            idle_timeout=int(settings.idle_timeout_seconds * 1000),
            unacknowledged_lock_timeout=30.0,
            socket_timeout=None,
        )
    return InMemoryBroker()


async def kick_process_meeting(
    broker: AsyncBroker, meeting_id: uuid.UUID, *, task_id: str | None = None
) -> str:
    """Send :data:`~scribe_core.tasks.PROCESS_MEETING` for a committed meeting.

    Args:
        broker: A started broker.
        meeting_id: The meeting to process.
        task_id: Taskiq task id to use (the meeting's public task id on the first send).

    Returns:
        The Taskiq task id of the message.
    """
    kicker: AsyncKicker[..., object] = AsyncKicker(PROCESS_MEETING, broker, {})
    task = await kicker.with_task_id(task_id).kiq(**ProcessMeeting(meeting_id).to_kwargs())
    return str(task.task_id)


async def kick_enroll_speaker(broker: AsyncBroker, person_id: uuid.UUID) -> str:
    """Send :data:`~scribe_core.tasks.ENROLL_SPEAKER` for a committed ``people`` row.

    Args:
        broker: A started broker.
        person_id: The person whose pending samples the worker embeds.

    Returns:
        The Taskiq task id of the message.
    """
    kicker: AsyncKicker[..., object] = AsyncKicker(ENROLL_SPEAKER, broker, {})
    task = await kicker.kiq(**EnrollSpeaker(person_id).to_kwargs())
    return str(task.task_id)


async def ping_broker(broker: AsyncBroker) -> None:
    """Round-trip to the broker's server (``PING`` on Redis; nothing in-process).

    Raises:
        redis.exceptions.RedisError: Redis is unreachable.
    """
    pool = getattr(broker, "connection_pool", None)
    if pool is None:
        return
    from redis.asyncio import Redis

    async with Redis(connection_pool=pool) as redis:
        await redis.ping()
