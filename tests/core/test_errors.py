"""The table of failure codes and the rule that turns an exception into a stored reason."""

from __future__ import annotations

import pytest

from scribe_core.errors import (
    ERROR_MESSAGES,
    AudioTooLongError,
    BadInputError,
    ErrorCode,
    ModelLoadError,
    NoAudioStreamError,
    NotFoundError,
    ScribeError,
    describe_failure,
    error_message,
)


def test_every_code_has_one_sentence_without_internals() -> None:
    assert set(ERROR_MESSAGES) == set(ErrorCode)
    for code, sentence in ERROR_MESSAGES.items():
        assert code.value == code.value.lower().strip("_"), code
        assert sentence[0].isupper(), sentence
        assert sentence.endswith("."), sentence
        assert "/" not in sentence, sentence
        assert "ffmpeg" not in sentence.lower(), sentence
    assert error_message("no_such_code") == ERROR_MESSAGES[ErrorCode.PROCESSING_FAILED]


def test_an_error_without_detail_says_its_codes_sentence() -> None:
    error = NoAudioStreamError(internal="ffmpeg: Stream map '0:a:0' matches no streams.")
    assert (error.code, error.status_code) == ("no_audio_stream", 415)
    assert error.detail == str(error) == ERROR_MESSAGES[ErrorCode.NO_AUDIO_STREAM]
    assert "matches no streams" in (error.internal or "")


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        # The user's input is at fault: its own detail is kept (it says what to fix).
        (AudioTooLongError("the recording lasts 9 h, over the 8 h limit"), "audio_too_long",
         "the recording lasts 9 h, over the 8 h limit"),
        (BadInputError("num_speakers must be at least 1"), "bad_input",
         "num_speakers must be at least 1"),
        (NoAudioStreamError(), "no_audio_stream", ERROR_MESSAGES[ErrorCode.NO_AUDIO_STREAM]),
        # The server is at fault: its detail (paths, model names) is for the log only.
        (ModelLoadError("cannot load Whisper model '/srv/models/x': no config.json"),
         "model_unavailable", ERROR_MESSAGES[ErrorCode.MODEL_UNAVAILABLE]),
        # A code outside the table, or no ScribeError at all: an unexpected failure.
        (NotFoundError("no object 'uploads/1_x.wav'"), "processing_failed",
         ERROR_MESSAGES[ErrorCode.PROCESSING_FAILED]),
        (ScribeError("GPU required but none found", 503), "processing_failed",
         ERROR_MESSAGES[ErrorCode.PROCESSING_FAILED]),
        (RuntimeError("CUDA error at 0x7f3a"), "processing_failed",
         ERROR_MESSAGES[ErrorCode.PROCESSING_FAILED]),
    ],
)  # fmt: skip
def test_describe_failure(exc: BaseException, code: str, message: str) -> None:
    reason = describe_failure(exc)
    assert (reason.code.value, reason.message) == (code, message)
