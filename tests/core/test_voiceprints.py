"""The voiceprint store on real Qdrant local mode (on disk): owner isolation, one collection
per embedding space, voiceprint = normalised mean of samples, deletion.

The vectors are synthetic on purpose: these tests are about storage and filtering, not
about an embedder (the models run in ``tests/e2e/test_e2e_voice_bank.py``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from scribe_core.settings import VoiceBankSettings
from scribe_core.voiceprints import (
    UPLOAD_SOURCE,
    VoiceprintStore,
    collection_name,
    meeting_source,
    open_qdrant,
)

CAMPPLUS = ("campplus-zh-en-192", 192)
OTHER = ("wespeaker-resnet34", 192)


@pytest.fixture
def store(tmp_path: Path) -> VoiceprintStore:
    settings = VoiceBankSettings(QDRANT_PATH=str(tmp_path / "qdrant"), QDRANT_URL=None)
    return VoiceprintStore.from_settings(settings)


def _unit(rng: np.random.Generator, dimension: int, n: int = 1) -> np.ndarray:
    x = rng.standard_normal((n, dimension))
    unit: np.ndarray = x / np.linalg.norm(x, axis=1, keepdims=True)
    return unit


def test_collection_name_carries_model_and_dimension() -> None:
    assert collection_name("voiceprints", "campplus-zh-en-192", 192) == (
        "voiceprints__campplus-zh-en-192__192"
    )
    assert collection_name("vp", "pyannote/wespeaker resnet34", 192) == (
        "vp__pyannote-wespeaker-resnet34__192"
    )


def test_voiceprint_is_the_normalised_mean_of_the_samples(store: VoiceprintStore) -> None:
    rng = np.random.default_rng(0)
    owner, person = uuid.uuid4(), uuid.uuid4()
    samples = _unit(rng, CAMPPLUS[1], 3)
    store.add_samples(
        model=CAMPPLUS[0], owner_id=owner, person_id=person, name="Katie",
        vectors=samples, sources=[UPLOAD_SOURCE, UPLOAD_SOURCE, meeting_source(person, "S_00")],
    )  # fmt: skip
    prints = store.voiceprints(model=CAMPPLUS[0], dimension=CAMPPLUS[1], owner_id=owner)
    expected = samples.mean(axis=0)
    expected /= np.linalg.norm(expected)
    assert set(prints) == {person}
    assert prints[person].name == "Katie"
    assert prints[person].num_samples == 3
    np.testing.assert_allclose(prints[person].vector, expected, atol=1e-5)
    assert store.count(owner, person) == 3


def test_another_users_voice_bank_is_never_read(store: VoiceprintStore) -> None:
    rng = np.random.default_rng(1)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    store.add_samples(
        model=CAMPPLUS[0], owner_id=alice, person_id=uuid.uuid4(), name="Steve",
        vectors=_unit(rng, CAMPPLUS[1]), sources=[UPLOAD_SOURCE],
    )  # fmt: skip
    assert store.voiceprints(model=CAMPPLUS[0], dimension=CAMPPLUS[1], owner_id=bob) == {}
    assert store.count(bob) == 0
    assert store.count(alice) == 1


def test_a_changed_embedder_never_mixes_vectors(store: VoiceprintStore) -> None:
    rng = np.random.default_rng(2)
    owner, person = uuid.uuid4(), uuid.uuid4()
    store.add_samples(
        model=CAMPPLUS[0], owner_id=owner, person_id=person, name="Katie",
        vectors=_unit(rng, CAMPPLUS[1], 2), sources=[UPLOAD_SOURCE] * 2,
    )  # fmt: skip
    # Re-enrol after switching embedder: same person, another model and dimension.
    store.add_samples(
        model=OTHER[0], owner_id=owner, person_id=person, name="Katie",
        vectors=_unit(rng, OTHER[1]), sources=[UPLOAD_SOURCE],
    )  # fmt: skip
    # Same dimension but another model name is still another space.
    store.add_samples(
        model="other-256", owner_id=owner, person_id=person, name="Katie",
        vectors=_unit(rng, 256), sources=[UPLOAD_SOURCE],
    )  # fmt: skip
    assert store.collections() == sorted(
        [store.collection(*CAMPPLUS), store.collection(*OTHER), store.collection("other-256", 256)]
    )
    campplus = store.voiceprints(model=CAMPPLUS[0], dimension=CAMPPLUS[1], owner_id=owner)
    other = store.voiceprints(model=OTHER[0], dimension=OTHER[1], owner_id=owner)
    assert campplus[person].num_samples == 2
    assert campplus[person].vector.shape == (192,)
    assert other[person].num_samples == 1
    assert other[person].vector.shape == (192,)
    assert store.count(owner, person, model=CAMPPLUS[0], dimension=CAMPPLUS[1]) == 2
    assert store.count(owner, person) == 4

    store.delete_person(owner, person)  # every space
    assert store.count(owner) == 0


def test_delete_person_leaves_the_others(store: VoiceprintStore) -> None:
    rng = np.random.default_rng(3)
    owner, katie, steve = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for person, name in ((katie, "Katie"), (steve, "Steve")):
        store.add_samples(
            model=CAMPPLUS[0], owner_id=owner, person_id=person, name=name,
            vectors=_unit(rng, CAMPPLUS[1]), sources=[UPLOAD_SOURCE],
        )  # fmt: skip
    store.delete_person(owner, steve)
    prints = store.voiceprints(model=CAMPPLUS[0], dimension=CAMPPLUS[1], owner_id=owner)
    assert [p.name for p in prints.values()] == ["Katie"]


def test_one_client_per_location_and_process(tmp_path: Path) -> None:
    settings = VoiceBankSettings(QDRANT_PATH=str(tmp_path / "q"))
    assert open_qdrant(settings) is open_qdrant(settings.model_copy())
    assert settings.local_location == str(tmp_path / "q")
    assert VoiceBankSettings(SCRIBE_DATA_DIR=str(tmp_path), QDRANT_PATH=None).local_location == str(
        tmp_path / "qdrant-local"
    )
