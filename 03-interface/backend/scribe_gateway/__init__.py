"""Smart Meeting Scribe gateway: the FastAPI HTTP API (``/api/v1``, ``/health``, ``/ready``).

It streams uploads to the object store, records meetings in the database, sends
``meetings.process`` to the queue and serves results. It never imports torch or worker code:
the pipeline runs in the worker (or, in ``scribe serve``, in the same process through the
in-process broker).
"""
