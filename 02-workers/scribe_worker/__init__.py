"""Smart Meeting Scribe worker: the pipeline stages, the ``scribe`` CLI and the Taskiq task.

Stages (one module each, typed input and output): :mod:`.convert`, :mod:`.diarize`,
:mod:`.identify`, :mod:`.transcribe`, :mod:`.fuse`; :mod:`.pipeline` chains them under a
:class:`~scribe_worker.models.residency.ModelResidency` so one model is resident at a time.
"""
