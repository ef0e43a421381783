"""Security headers on every gateway response, built with the ``secure`` library.

Every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
``Referrer-Policy: no-referrer`` and, unless the route set its own,
``Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`` (an API answer is data,
never a page: nothing in it may load, run or be framed). The docs pages set a CSP of their own
that lets them load their packaged assets (:mod:`scribe_gateway.docs`).
``Strict-Transport-Security`` is added only to requests that arrived over HTTPS (the ASGI
scheme, which uvicorn takes from ``X-Forwarded-Proto`` of a trusted proxy), so a plain-HTTP
embedded install never pins itself to HTTPS; ``HSTS_MAX_AGE_SECONDS=0`` turns it off.

Headers a route already set are kept (the first value wins), so a route can relax the CSP for
itself and nothing else.
"""

from __future__ import annotations

from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = ContentSecurityPolicy().default_src("'none'").frame_ancestors("'none'")
"""The policy of every response that does not carry its own."""


def gateway_headers(hsts_max_age_seconds: int = 0) -> dict[str, str]:
    """The security headers of a gateway response, name to value.

    Args:
        hsts_max_age_seconds: ``max-age`` of ``Strict-Transport-Security``, in seconds; 0 leaves
            the header out.
    """
    secure = Secure(
        csp=API_CSP,
        xcto=XContentTypeOptions().nosniff(),
        xfo=XFrameOptions().deny(),
        referrer=ReferrerPolicy().no_referrer(),
        hsts=(
            StrictTransportSecurity().max_age(hsts_max_age_seconds)
            if hsts_max_age_seconds > 0
            else None
        ),
    )
    return dict(secure.validate_and_normalize_headers(on_invalid="raise").headers)


class SecurityHeadersMiddleware:
    """ASGI middleware adding :func:`gateway_headers` to every HTTP response.

    Args:
        app: The application to wrap.
        hsts_max_age_seconds: ``Strict-Transport-Security`` max-age for HTTPS requests, in
            seconds (0: never sent).
    """

    def __init__(self, app: ASGIApp, *, hsts_max_age_seconds: int = 0) -> None:
        self.app = app
        self.plain = list(gateway_headers().items())
        self.https = list(gateway_headers(hsts_max_age_seconds).items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.https if scope.get("scheme") == "https" else self.plain

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
