"""Interactive API docs served offline: Swagger UI at ``/docs``, ReDoc at ``/redoc``.

FastAPI's own pages load Swagger UI and ReDoc from public CDNs, which an offline install cannot
reach. This follows FastAPI's documented recipe "Self-hosting JavaScript and CSS for docs"
(``docs_url=None``/``redoc_url=None``, then ``get_swagger_ui_html``/``get_redoc_html`` pointing
at local files), with the files the ``fastapi-offline`` package vendors (Swagger UI bundle and
CSS, the ReDoc standalone bundle, a favicon) mounted under ``/docs/assets``. Swagger UI's
validator badge, which calls validator.swagger.io, is off.

Each page carries a Content-Security-Policy of its own, looser than the API's but still
self-only: scripts from the gateway plus the page's one inline bootstrap script, allowed by its
SHA-256 hash (CSP Level 2 hash sources), inline styles (both UIs set style attributes),
``data:`` images (Swagger UI's icons) and ``blob:`` workers (ReDoc).
``DOCS_ENABLED=false`` leaves all of it out; ``/openapi.json`` is served either way.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from secure import ContentSecurityPolicy

SWAGGER_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"
"""Where the packaged Swagger UI and ReDoc files are served."""

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def assets_directory() -> Path:
    """The folder of the vendored docs assets inside the ``fastapi-offline`` package."""
    return Path(str(files("fastapi_offline") / "static"))


def docs_csp(html: str) -> str:
    """The Content-Security-Policy of a docs page: self-only, plus the SHA-256 hash of each
    inline ``<script>`` of ``html`` (the page's own bootstrap code)."""
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
        for code in _INLINE_SCRIPT.findall(html)
    ]
    return (
        ContentSecurityPolicy()
        .default_src("'none'")
        .script_src("'self'", *hashes)
        .style_src("'self'", "'unsafe-inline'")
        .img_src("'self'", "data:")
        .font_src("'self'", "data:")
        .connect_src("'self'")
        .worker_src("'self'", "blob:")
        .base_uri("'none'")
        .form_action("'none'")
        .frame_ancestors("'none'")
        .header_value
    )


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_csp(bytes(page.body).decode())
    return page


def install_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc`` and their assets to ``app`` (built with ``docs_url=None`` and
    ``redoc_url=None``).

    Raises:
        RuntimeError: The ``fastapi-offline`` package (the assets) is not installed.
    """
    assets = assets_directory()
    if not (assets / "swagger-ui-bundle.js").is_file():
        raise RuntimeError(f"the API docs assets are missing from {assets}")
    app.mount(ASSETS_PATH, StaticFiles(directory=assets), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    parameters = {**(app.swagger_ui_parameters or {}), "validatorUrl": None}

    @app.get(SWAGGER_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_csp(
            get_swagger_ui_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                oauth2_redirect_url=None,
                swagger_ui_parameters=parameters,
            )
        )

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_csp(
            get_redoc_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                with_google_fonts=False,
            )
        )
