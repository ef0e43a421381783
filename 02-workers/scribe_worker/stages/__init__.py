"""The pipeline stages, one module each with a typed input and output: :mod:`.convert`,
:mod:`.diarize`, :mod:`.identify` (with :mod:`.enrolment`), :mod:`.transcribe`, :mod:`.fuse`.
"""
