"""The request-size limit, as ASGI middleware in front of every route.

``Content-Length`` is checked before any byte is read, so an honest client sending too
much is told at once; the bytes actually received are counted as well, because a client
may send a chunked body with no length or lie about it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerbench.api.errors import RequestTooLarge, envelope


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with a 413 in the error envelope.

    Args:
        app: The wrapped ASGI app.
        max_bytes: Largest body accepted.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            error = RequestTooLarge(self.max_bytes)
            response = envelope(413, error.message, details=error.details)
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the endpoint's read; the error handlers turn it into
                    # the same 413 envelope.
                    raise RequestTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
