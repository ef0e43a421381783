"""ASGI entry point: ``uvicorn scribe_gateway.main:app`` (what the gateway image runs).

Importing it builds the application only; the database, broker and store clients are created
by its lifespan when the server starts.
"""

from scribe_gateway.app import create_app

app = create_app()
