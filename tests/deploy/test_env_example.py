"""``.env.example`` documents exactly the environment variables the project reads.

"Read" is derived, not listed by hand, so the test keeps up as settings are added:
- every field of every ``BaseSettings`` class in ``scribe_core.settings`` (alias or prefixed
  name), whatever classes exist;
- every ``os.environ[...]`` / ``os.environ.get(...)`` / ``os.getenv(...)`` read in the three
  Python packages (string literals and module constants), except the test-only variables;
- every ``${VAR}`` interpolated by the Compose files;
- the variables ``manage.sh`` reads from ``.env``;
- a short explicit list of variables read by libraries (CUDA, huggingface_hub).
"""

from __future__ import annotations

import ast
import inspect
import re

import pytest
from deploy_support import COMPOSE_FILES, ROOT, Sandbox
from pydantic import AliasChoices, AliasPath, ValidationError
from pydantic_settings import BaseSettings

import scribe_core.settings as settings_module

PACKAGES = (
    "01-core/scribe_core",
    "02-workers/scribe_worker",
    "03-interface/backend/scribe_gateway",
)
READ_BY_LIBRARIES = {
    "CUDA_VISIBLE_DEVICES": "CUDA runtime: which GPU a worker uses",
    "HF_HUB_OFFLINE": "huggingface_hub: never download",
}
TEST_ONLY = {"SCRIBE_TEST_POSTGRES_URL", "SCRIBE_TEST_REDIS_URL", "CI"}
"""Read by ``scribe_core.testing`` (servers of the test suite), not user configuration."""

VARIABLE_LINE = re.compile(r"^(#?)([A-Z][A-Z0-9_]*)=(.*)$")


def settings_classes() -> list[type[BaseSettings]]:
    return [
        cls
        for _, cls in inspect.getmembers(settings_module, inspect.isclass)
        if issubclass(cls, BaseSettings)
        and cls is not BaseSettings
        and cls.__module__ == settings_module.__name__
    ]


def settings_variables() -> set[str]:
    names: set[str] = set()
    for cls in settings_classes():
        prefix = str(cls.model_config.get("env_prefix", ""))
        for field_name, info in cls.model_fields.items():
            alias = info.validation_alias or info.alias
            if isinstance(alias, AliasChoices):
                choices = alias.choices
            elif alias is None:
                choices = [prefix + field_name]
            else:
                choices = [alias]
            for choice in choices:
                if isinstance(choice, AliasPath):
                    choice = str(choice.path[0])
                names.add(str(choice).upper())
    return names


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def code_reads() -> set[str]:
    """Variables read through ``os.environ`` / ``os.getenv`` in the packages' sources."""
    names: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            constants = {
                target.id: node.value.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                for target in node.targets
                if isinstance(target, ast.Name)
            }

            def resolve(arg: ast.AST, constants: dict[str, str] = constants) -> str | None:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    return arg.value
                if isinstance(arg, ast.Name):
                    return constants.get(arg.id)
                return None

            for node in ast.walk(tree):
                key: str | None = None
                if (
                    isinstance(node, ast.Subscript)
                    and isinstance(node.ctx, ast.Load)
                    and _is_os_environ(node.value)
                ):
                    key = resolve(node.slice)
                elif isinstance(node, ast.Call) and node.args:
                    func = node.func
                    if isinstance(func, ast.Attribute) and (
                        (func.attr == "get" and _is_os_environ(func.value))
                        or (
                            func.attr == "getenv"
                            and isinstance(func.value, ast.Name)
                            and func.value.id == "os"
                        )
                    ):
                        key = resolve(node.args[0])
                if key is not None:
                    names.add(key)
    return names - TEST_ONLY


def compose_variables() -> set[str]:
    names: set[str] = set()
    for rel in COMPOSE_FILES.values():
        text = (ROOT / rel).read_text()
        names |= set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    return names


def manage_sh_variables() -> set[str]:
    text = (ROOT / "manage.sh").read_text()
    names = set(re.findall(r"env_value ([A-Z][A-Z0-9_]*)", text))
    for loop in re.findall(r"for name in ([A-Z0-9_ ]+);", text):
        names |= set(loop.split())
    return names


def read_variables() -> set[str]:
    return (
        settings_variables()
        | code_reads()
        | compose_variables()
        | manage_sh_variables()
        | set(READ_BY_LIBRARIES)
    )


def example_lines() -> list[str]:
    return (ROOT / ".env.example").read_text().splitlines()


def example_variables() -> dict[str, tuple[bool, str]]:
    """Name → (set, value): ``NAME=value`` is set, ``#NAME=value`` documents the default."""
    found: dict[str, tuple[bool, str]] = {}
    for line in example_lines():
        match = VARIABLE_LINE.match(line)
        if match:
            commented, name, value = match.groups()
            assert name not in found, f"{name} appears twice in .env.example"
            found[name] = (not commented, value)
    return found


def test_derivation_finds_the_known_readers() -> None:
    """Guards the derivation itself: each source contributes what it is known to read."""
    assert {"DEVICE", "REQUIRE_GPU", "WHISPER_MODEL", "HF_TOKEN"} <= settings_variables()
    assert "CUDA_VISIBLE_DEVICES" in code_reads()  # scribe_worker.models.device
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "CORE_BIND_ADDRESS"} <= compose_variables()
    assert {"HF_TOKEN", "JWT_SECRET", "MODELS_OFFLINE"} <= manage_sh_variables()


def test_every_variable_read_is_in_env_example() -> None:
    missing = sorted(read_variables() - set(example_variables()))
    assert not missing, f"read by the code but not in .env.example: {missing}"


def test_every_env_example_variable_is_read() -> None:
    unused = sorted(set(example_variables()) - read_variables())
    assert not unused, f"in .env.example but read by nothing: {unused}"


def test_each_variable_has_a_one_line_comment_above_it() -> None:
    lines = example_lines()
    for number, line in enumerate(lines):
        if VARIABLE_LINE.match(line):
            above = lines[number - 1] if number else ""
            where = f".env.example line {number + 1} ({line!r})"
            assert above.startswith("# "), f"{where} has no comment line above it"
            assert not VARIABLE_LINE.match(above), f"{where} has no comment line above it"
            assert len(above) <= 110, f"comment above {line!r} is longer than one line"


@pytest.fixture
def no_process_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the env file counts: drop every documented variable from the process env."""
    for name in example_variables():
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_process_env")
def test_every_settings_class_accepts_the_example_values() -> None:
    for cls in settings_classes():
        cls(_env_file=ROOT / ".env.example")


@pytest.mark.usefixtures("no_process_env")
def test_example_placeholders_are_refused_in_production() -> None:
    from scribe_core.settings import AuthSettings

    assert example_variables()["JWT_SECRET"] == (True, "changeme")
    with pytest.raises(ValidationError, match="JWT_SECRET is missing, a placeholder"):
        AuthSettings(_env_file=ROOT / ".env.example", ENVIRONMENT="production")


@pytest.mark.usefixtures("no_process_env")
def test_generated_env_is_accepted_in_production(deployed: Sandbox) -> None:
    from scribe_core.settings import AuthSettings, DatabaseSettings

    env_file = deployed.root / ".env"
    auth = AuthSettings(_env_file=env_file, ENVIRONMENT="production")
    assert auth.jwt_secret is not None
    assert len(auth.jwt_secret.get_secret_value()) == 64
    database = DatabaseSettings(_env_file=env_file, POSTGRES_HOST="postgres")
    password = next(
        line.split("=", 1)[1]
        for line in env_file.read_text().splitlines()
        if line.startswith("POSTGRES_PASSWORD=")
    )
    assert database.url == f"postgresql+asyncpg://scribe:{password}@postgres:5432/scribe"


@pytest.mark.usefixtures("no_process_env")
def test_example_keeps_the_embedded_default_when_copied_as_is() -> None:
    """A .env made from the example leaves ``demo``/``serve`` on the embedded default."""
    from scribe_core.settings import (
        DatabaseSettings,
        PipelineSettings,
        QueueSettings,
        StorageSettings,
    )

    example = ROOT / ".env.example"
    assert DatabaseSettings(_env_file=example).is_sqlite
    assert StorageSettings(_env_file=example).backend == "local"
    assert QueueSettings(_env_file=example).backend == "memory"
    pipeline = PipelineSettings(_env_file=example)
    assert pipeline.device == "cpu"
    assert pipeline.pyannote_pipeline == ""  # the shipped segmentation-3.0 + CAM++ pipeline
    assert pipeline.models_offline is True
