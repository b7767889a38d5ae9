"""JSON responses and the one error shape every endpoint uses: {"error": "<what is wrong>"}.

orjson serialises several times faster than the standard library, which matters on the hot
inbox/count path; the standard library is the fallback so the axis still runs without it.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

try:
    import orjson

    def dumps(data: Any) -> bytes:
        return orjson.dumps(data)

    def loads(data: bytes) -> Any:
        return orjson.loads(data)

    JSONDecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - orjson is a declared dependency
    import json

    def dumps(data: Any) -> bytes:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    def loads(data: bytes) -> Any:
        return json.loads(data)

    JSONDecodeError = ValueError


class HTTPError(Exception):
    """Raised by handlers; turned into `{"error": message}` with the status code."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, headers=headers,
                    media_type="application/json")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": message}, status, headers)
