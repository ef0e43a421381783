"""Builders of LOCAL pyannote.audio models with random weights and the real architectures.

Tests cannot reach the Hugging Face hub, and the pretrained pyannote models are gated; but
pyannote.audio 4 loads a pipeline from a local directory with the hub layout
(``config.yaml``, ``segmentation/``, ``embedding/``, ``plda/``). These builders write such a
directory whose models have the architectures of ``pyannote/speaker-diarization-community-1``
with randomly initialised (seeded) weights, so the tests exercise pyannote's real loading and
inference code path without any download. This is the path ``PYANNOTE_PIPELINE`` takes when
it names a hub id or a local directory (``scribe_worker.stages.diarize.
load_diarization_pipeline`` → ``Pipeline.from_pretrained``); the embedded default (empty
``PYANNOTE_PIPELINE``) is built from the shipped weights instead. The directory holds:

- ``segmentation/pytorch_model.bin``: PyanNet as in ``pyannote/segmentation-3.0`` (SincNet
  with stride 10, 4 bidirectional LSTM layers of 128 units, 2 linear layers of 128 units)
  with the powerset specification of segmentation-3.0: 10 s chunks, 3 speakers per chunk,
  at most 2 active per frame (Plaquet & Bredin, "Powerset multi-class cross entropy loss for
  neural speaker diarization", Interspeech 2023).
- ``embedding/pytorch_model.bin``: WeSpeaker ResNet34 (256-d) as in
  ``pyannote/wespeaker-voxceleb-resnet34-LM``, saved the way pyannote.audio's own
  ``models/embedding/wespeaker/convert.py`` saves it.
- ``plda/xvec_transform.npz`` + ``plda/plda.npz``: a random but valid x-vector transform
  (256 → 128 LDA) and PLDA (orthogonal transform, positive between-class variances), the
  files VBx clustering reads (Landini et al., "Bayesian HMM clustering of x-vector
  sequences (VBx)", CSL 2022).
- ``config.yaml``: the community-1 pipeline configuration (``SpeakerDiarization`` with
  ``VBxClustering``, threshold 0.6, Fa 0.07, Fb 0.8) with ``segmentation_step`` 0.5 and a
  small ``embedding_batch_size`` to be fast on a CPU.

Directory names never contain the word "wespeaker": pyannote.audio routes a model path
string containing it to its ONNX loader.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

EMBEDDING_DIMENSION = 256
"""Dimension of the WeSpeaker ResNet34 embedding."""

LDA_DIMENSION = 128
"""Dimension of the PLDA space of community-1."""

CONFIG_YAML = """\
# Community-1 pipeline (pyannote/speaker-diarization-community-1) with random local models;
# segmentation_step 0.5 and small batches keep it fast on a CPU.
dependencies:
  pyannote.audio: 4.0.0
pipeline:
  name: pyannote.audio.pipelines.SpeakerDiarization
  params:
    clustering: VBxClustering
    segmentation: $model/segmentation
    segmentation_step: {segmentation_step}
    segmentation_batch_size: 8
    embedding: $model/embedding
    embedding_batch_size: {embedding_batch_size}
    embedding_exclude_overlap: true
    plda: $model/plda
params:
  clustering:
    threshold: 0.6
    Fa: 0.07
    Fb: 0.8
  segmentation:
    min_duration_off: 0.0
"""


def _save_checkpoint(model: object, path: Path, hyper_parameters: dict[str, object]) -> None:
    """Save ``model`` as a pyannote.audio checkpoint that ``Model.from_pretrained`` loads."""
    import lightning
    import torch

    checkpoint: dict[str, object] = {
        "state_dict": model.state_dict(),  # type: ignore[attr-defined]
        "hyper_parameters": hyper_parameters,
        "pytorch-lightning_version": lightning.__version__,
    }
    model.on_save_checkpoint(checkpoint)  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, path)


def build_segmentation_checkpoint(path: Path, seed: int = 0) -> Path:
    """Write a random-weight PyanNet with the segmentation-3.0 architecture to ``path``.

    Returns:
        ``path`` (a ``pytorch_model.bin`` file).
    """
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.segmentation import PyanNet

    torch.manual_seed(seed)
    hyper_parameters: dict[str, object] = {
        "sincnet": {"stride": 10},
        "lstm": {
            "hidden_size": 128,
            "num_layers": 4,
            "bidirectional": True,
            "monolithic": True,
            "dropout": 0.5,
        },
        "linear": {"hidden_size": 128, "num_layers": 2},
        "sample_rate": 16_000,
        "num_channels": 1,
    }
    model = PyanNet(**hyper_parameters)  # type: ignore[arg-type]
    model.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=10.0,
        min_duration=10.0,
        warm_up=(0.0, 0.0),
        classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    model.build()  # type: ignore[no-untyped-call]
    _standardise_classifier(model, seed)
    _save_checkpoint(model, path, hyper_parameters)
    return path


def _standardise_classifier(model: object, seed: int) -> None:
    """Make the untrained segmentation output vary with its input.

    A randomly initialised PyanNet feeds its classifier almost constant features (their
    variation over time is ~1e-3 of their mean), so it would predict the same powerset class
    everywhere. The classifier is rescaled to standardise its input (mean and standard
    deviation measured on a seeded synthetic signal: noise bursts and silences), keeping its
    random weight directions: the output then follows the input energy, as real speech
    activity would, and the pipeline sees turns, silences and single-speaker frames.
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    num_samples = 160_000  # 10 s at 16 kHz: one segmentation chunk
    envelope = (torch.rand(20, generator=generator) > 0.4).float().repeat_interleave(8_000)
    signal = 0.1 * envelope * torch.randn(num_samples, generator=generator)
    captured: list[torch.Tensor] = []
    classifier = model.classifier  # type: ignore[attr-defined]
    handle = classifier.register_forward_hook(lambda _m, inputs, _o: captured.append(inputs[0]))
    with torch.inference_mode():
        model(signal[None, None])  # type: ignore[operator]
    handle.remove()
    features = captured[0][0]  # (num_frames, 128)
    mean, std = features.mean(dim=0), features.std(dim=0) + 1e-8
    with torch.no_grad():
        weight = classifier.weight / std
        classifier.weight.copy_(weight)
        classifier.bias.copy_(-(weight @ mean))


def build_embedding_checkpoint(path: Path, seed: int = 0) -> Path:
    """Write a random-weight WeSpeaker ResNet34 (pyannote.audio implementation) to ``path``.

    Returns:
        ``path`` (a ``pytorch_model.bin`` file).
    """
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import WeSpeakerResNet34

    torch.manual_seed(seed)
    model = WeSpeakerResNet34()
    model.specifications = Specifications(
        problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=5.0
    )
    _save_checkpoint(model, path, {})
    return path


def build_plda(directory: Path, seed: int = 0) -> Path:
    """Write random but valid ``xvec_transform.npz`` and ``plda.npz`` into ``directory``.

    Shapes follow community-1: ``mean1`` (256,), ``lda`` (256, 128), ``mean2`` (128,);
    ``mu`` (128,), ``tr`` (128, 128) orthogonal, ``psi`` (128,) positive and decreasing.

    Returns:
        ``directory``.
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    lda, _ = np.linalg.qr(rng.standard_normal((EMBEDDING_DIMENSION, LDA_DIMENSION)))
    np.savez(
        directory / "xvec_transform.npz",
        mean1=0.01 * rng.standard_normal(EMBEDDING_DIMENSION),
        mean2=0.01 * rng.standard_normal(LDA_DIMENSION),
        lda=lda,
    )
    tr, _ = np.linalg.qr(rng.standard_normal((LDA_DIMENSION, LDA_DIMENSION)))
    np.savez(
        directory / "plda.npz",
        mu=0.01 * rng.standard_normal(LDA_DIMENSION),
        tr=tr,
        psi=np.sort(rng.uniform(0.5, 5.0, LDA_DIMENSION))[::-1].copy(),
    )
    return directory


def build_pipeline_dir(
    directory: Path,
    *,
    seed: int = 0,
    segmentation_step: float = 0.5,
    embedding_batch_size: int = 4,
) -> Path:
    """Write a complete local community-1-like pipeline directory with random weights.

    Args:
        directory: Where to write (created); its path must not contain "wespeaker".
        seed: Seed of every random weight.
        segmentation_step: Step of the segmentation window, as a ratio of its 10 s duration.
        embedding_batch_size: Embedding batch size of the pipeline.

    Returns:
        ``directory``, loadable with ``pyannote.audio.Pipeline.from_pretrained(directory)``.

    Raises:
        ValueError: ``directory`` contains the word "wespeaker" (routed to an ONNX loader).
    """
    if "wespeaker" in str(directory).lower():
        raise ValueError(f"{directory}: a pyannote model path must not contain 'wespeaker'")
    directory.mkdir(parents=True, exist_ok=True)
    build_segmentation_checkpoint(directory / "segmentation" / "pytorch_model.bin", seed)
    build_embedding_checkpoint(directory / "embedding" / "pytorch_model.bin", seed)
    build_plda(directory / "plda", seed)
    (directory / "config.yaml").write_text(
        CONFIG_YAML.format(
            segmentation_step=segmentation_step, embedding_batch_size=embedding_batch_size
        ),
        encoding="utf-8",
    )
    return directory
