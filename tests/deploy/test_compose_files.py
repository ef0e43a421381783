"""The three Compose stacks, each alone and the three together, validated and rendered by the
real Docker Compose v2 (``docker compose config``, no engine needed) with the ``.env`` that
``manage.sh`` generates; the rendered configuration shows the health checks, the data under
``volumes/``, the shared network, the GPU reservation and the production model settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_support import COMPOSE_FILES, Sandbox, compose_config


def _config(box: Sandbox, *stacks: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = compose_config(box.compose_bin, box.root, *(COMPOSE_FILES[s] for s in stacks), env=env)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def _env(box: Sandbox) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in (box.root / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )


def _ports(service: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p.get("host_ip", ""), p["published"]) for p in service.get("ports", [])}


def test_core_stack(deployed: Sandbox) -> None:
    config = _config(deployed, "core")
    env = _env(deployed)
    services = config["services"]
    assert set(services) == {"postgres", "redis", "minio", "minio-init", "qdrant"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")

    # Health checks on every long-running service; the bucket job waits for MinIO's.
    for name in ("postgres", "redis", "minio", "qdrant"):
        health = services[name]["healthcheck"]
        assert health["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert services[name]["restart"] == "unless-stopped"
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"
    assert services["minio-init"]["restart"] == "no"
    buckets = services["minio-init"]["environment"]["MINIO_BUCKETS"].split()
    assert {"uploads", "processed", "voice-bank", env["S3_BUCKET"]} <= set(buckets)

    # Redis persists with an append-only file; the secrets come from the generated .env.
    assert "--appendonly yes" in " ".join(services["redis"]["command"])
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == env["POSTGRES_PASSWORD"]
    assert services["minio"]["environment"]["MINIO_ROOT_PASSWORD"] == env["MINIO_ROOT_PASSWORD"]
    assert services["qdrant"]["environment"]["QDRANT__SERVICE__API_KEY"] == env["QDRANT_API_KEY"]

    # Data bind-mounted under volumes/.
    volumes = deployed.root / "volumes"
    for name, target in {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
        "minio": "/data",
        "qdrant": "/qdrant/storage",
    }.items():
        (mount,) = services[name]["volumes"]
        assert mount["type"] == "bind"
        assert Path(mount["source"]) == volumes / name
        assert mount["target"] == target

    # Only MinIO (API for presigned downloads, console) is published on every interface.
    assert _ports(services["minio"]) == {("", "9000"), ("", "9001")}
    assert _ports(services["postgres"]) == {("127.0.0.1", "5432")}
    assert _ports(services["redis"]) == {("127.0.0.1", "6379")}
    assert _ports(services["qdrant"]) == {("127.0.0.1", "6333")}
    assert "ports" not in services["minio-init"]

    # The named network the other stacks join.
    assert config["networks"]["core"]["name"] == "sms_core"
    assert not config["networks"]["core"].get("external", False)
    assert all(set(s["networks"]) == {"core"} for s in services.values())


def test_core_bind_address_opens_the_core_to_other_gpu_hosts(deployed: Sandbox) -> None:
    config = _config(deployed, "core", env={"CORE_BIND_ADDRESS": "192.0.2.10"})
    assert _ports(config["services"]["postgres"]) == {("192.0.2.10", "5432")}
    assert _ports(config["services"]["redis"]) == {("192.0.2.10", "6379")}


def test_workers_stack(deployed: Sandbox) -> None:
    config = _config(deployed, "workers")
    env = _env(deployed)
    (name,) = config["services"]
    worker = config["services"][name]
    assert worker["container_name"] == "sms_worker"
    assert worker["build"]["dockerfile"] == "02-workers/Dockerfile"
    assert Path(worker["build"]["context"]) == deployed.root

    # GPU reservation through the NVIDIA runtime.
    (device,) = worker["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert device["capabilities"] == ["gpu"]

    # One meeting at a time, after the GPU check.
    command = " ".join(worker["command"])
    assert "python -m scribe_worker.models.device &&" in command
    assert (
        "taskiq worker scribe_worker.jobs.tasks:broker --workers 1 --max-async-tasks 1" in command
    )

    # Production models, the HF token, and the core services by name on the shared network.
    environment = worker["environment"]
    assert {k: environment[k] for k in PRODUCTION} == PRODUCTION
    assert environment["HF_TOKEN"] == env["HF_TOKEN"] == "hf_test"
    assert environment["CUDA_VISIBLE_DEVICES"] == "0"
    assert environment["POSTGRES_HOST"] == "postgres"
    assert environment["MINIO_ENDPOINT"] == "http://minio:9000"
    assert environment["REDIS_URL"] == f"redis://:{env['REDIS_PASSWORD']}@redis:6379/0"
    assert environment["POSTGRES_PASSWORD"] == env["POSTGRES_PASSWORD"]  # from env_file

    # Model cache volume, voice bank read-only, external network.
    mounts = {m["target"]: m for m in worker["volumes"]}
    assert mounts["/models"]["type"] == "volume"
    assert config["volumes"][mounts["/models"]["source"]]["name"] == "sms_model_cache"
    assert mounts["/data/voice_bank"]["read_only"] is True
    assert Path(mounts["/data/voice_bank"]["source"]) == deployed.root / "02-workers/voice_bank"
    assert config["networks"]["core"] == {"name": "sms_core", "ipam": {}, "external": True}


PRODUCTION = {
    "DEVICE": "cuda",
    "REQUIRE_GPU": "true",
    "PYANNOTE_PIPELINE": "pyannote/speaker-diarization-community-1",
    "EMBEDDING_BACKEND": "campplus",
    "WESPEAKER_MODEL": "pyannote/wespeaker-voxceleb-resnet34-LM",
    "WHISPER_MODEL": "large-v3-turbo",
    "WHISPER_COMPUTE_TYPE": "float16",
    "MODELS_OFFLINE": "false",
}


def test_worker_settings_follow_env_gpu_pinning_and_pipeline_choice(deployed: Sandbox) -> None:
    config = _config(
        deployed,
        "workers",
        env={
            "CUDA_VISIBLE_DEVICES": "1",
            "WORKER_CONTAINER_NAME": "sms_worker_gpu1",
            "PYANNOTE_PIPELINE": "pyannote/speaker-diarization-3.1",
            "REQUIRE_GPU": "false",
        },
    )
    worker = config["services"]["worker"]
    assert worker["container_name"] == "sms_worker_gpu1"
    assert worker["environment"]["CUDA_VISIBLE_DEVICES"] == "1"
    assert worker["environment"]["PYANNOTE_PIPELINE"] == "pyannote/speaker-diarization-3.1"
    assert worker["environment"]["REQUIRE_GPU"] == "false"


def test_worker_settings_match_the_pipeline_settings_names() -> None:
    """Every production variable the worker stack sets is a PipelineSettings field."""
    from scribe_core.settings import PipelineSettings

    aliases = {f.alias for f in PipelineSettings.model_fields.values()}
    assert set(PRODUCTION) <= aliases


def test_interface_stack(deployed: Sandbox) -> None:
    config = _config(deployed, "interface")
    services = config["services"]
    assert set(services) == {"gateway", "dashboard"}
    gateway, dashboard = services["gateway"], services["dashboard"]
    assert _ports(gateway) == {("", "5000")}
    assert _ports(dashboard) == {("", "3000")}
    assert gateway["build"]["dockerfile"] == "03-interface/backend/Dockerfile"
    assert Path(dashboard["build"]["context"]) == deployed.root / "03-interface/frontend-nextjs"
    assert "/health" in " ".join(gateway["healthcheck"]["test"])
    assert dashboard["healthcheck"]["test"][0] == "CMD"
    assert dashboard["depends_on"]["gateway"]["condition"] == "service_healthy"
    assert dashboard["environment"]["SCRIBE_GATEWAY_URL"] == "http://gateway:5000"
    assert dashboard["environment"]["SCRIBE_MAX_UPLOAD_BYTES"] == _env(deployed)["MAX_UPLOAD_BYTES"]
    assert gateway["environment"]["ENVIRONMENT"] == "production"
    assert gateway["environment"]["POSTGRES_HOST"] == "postgres"
    assert gateway["environment"]["GATEWAY_HOST"] == "0.0.0.0"
    assert config["networks"]["core"]["external"] is True


def test_the_three_stacks_together(deployed: Sandbox) -> None:
    config = _config(deployed, "core", "workers", "interface")
    assert set(config["services"]) == {
        "postgres", "redis", "minio", "minio-init", "qdrant", "worker", "gateway", "dashboard",
    }  # fmt: skip
    assert config["networks"]["core"]["name"] == "sms_core"
    assert all(set(s["networks"]) == {"core"} for s in config["services"].values())
    # Relative paths resolve the same when merged (every file's paths start with ../).
    worker = config["services"]["worker"]
    sources = {m["target"]: m["source"] for m in worker["volumes"]}
    assert Path(sources["/data/voice_bank"]) == deployed.root / "02-workers/voice_bank"
    init = config["services"]["minio-init"]["volumes"][0]["source"]
    assert Path(init) == deployed.root / "01-core/init/create-buckets.sh"


@pytest.mark.parametrize("stack", list(COMPOSE_FILES))
def test_missing_secret_fails_validation_with_its_name(deployed: Sandbox, stack: str) -> None:
    """Required values (``${VAR:?message}``) stop Compose with a message naming them."""
    env_file = deployed.root / ".env"
    original = env_file.read_text()
    try:
        env_file.write_text(original.replace("\nREDIS_PASSWORD=", "\n#REDIS_PASSWORD="))
        result = compose_config(deployed.compose_bin, deployed.root, COMPOSE_FILES[stack])
    finally:
        env_file.write_text(original)
    assert result.returncode != 0
    assert "set REDIS_PASSWORD in .env" in result.stderr


def test_validator_rejects_an_invalid_file(deployed: Sandbox, tmp_path: Path) -> None:
    """The validator is a real one: a health check with a wrong type is refused."""
    broken = deployed.root / "broken.yml"
    text = (deployed.root / COMPOSE_FILES["core"]).read_text()
    broken.write_text(text.replace("retries: 6", "retries: [6]"))
    try:
        result = compose_config(deployed.compose_bin, deployed.root, "broken.yml")
    finally:
        broken.unlink()
    assert result.returncode != 0
    assert "retries" in result.stderr
