"""Schemathesis over the app's own OpenAPI: every operation, with each role's key.

Shared by the short run in ``make test`` (``tests/api/test_api_fuzz.py``) and the long one
in ``make soak`` (``tests/soak/test_soak_fuzz.py``). Cases come from schemathesis'
Hypothesis strategies (valid and schema-violating requests); each is sent through the
test's own in-process client with the role's ``Authorization`` header in place of the
generated one, and every answer must be below 500, and every 4xx must be the one error
envelope ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.api.harness import Server

ROLES = ("submitter", "analyst", "researcher", "admin", "generated")
"""Keys the cases are sent with; ``generated`` keeps schemathesis' own (bogus) header."""


INT64_MAX = 2**63 - 1


@dataclass
class Tally:
    """What a fuzzing run sent and got back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def operations(app: FastAPI) -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every operation in the app's OpenAPI document."""
    document = app.openapi()
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


def role_key(server: Server, role: str) -> str | None:
    """The key name in ``server.keys`` for ``role`` (``None``: keep the generated header)."""
    if role == "generated":
        return None
    return server.organisations[0] if role == "submitter" else role


def envelope_problem(status: int, body: bytes) -> str | None:
    """Why a 4xx body is not the one error envelope, or ``None`` if it is."""
    try:
        payload = json.loads(body)
    except ValueError:
        return "not JSON"
    if not isinstance(payload, dict) or set(payload) != {"error"}:
        return f"top-level keys {sorted(payload) if isinstance(payload, dict) else payload!r}"
    error = payload["error"]
    if not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        return f"error keys {sorted(error) if isinstance(error, dict) else error!r}"
    if not isinstance(error["code"], str) or not error["code"]:
        return "code is not a non-empty str"
    if not isinstance(error["message"], str) or not error["message"]:
        return "message is not a non-empty str"
    return None


def _request_kwargs(case: Any, authorization: str | None) -> dict[str, Any]:
    """The case as keyword arguments of Starlette's (httpx) ``TestClient.request``."""
    sent = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: str(v) for k, v in (sent.get("headers") or {}).items()}
    headers.pop("X-Schemathesis-TestCaseId", None)
    if authorization is not None:
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        headers["Authorization"] = authorization
    kwargs: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "headers": headers,
        "params": sent.get("params") or None,
        "cookies": sent.get("cookies") or None,
    }
    if sent.get("json") is not None:
        kwargs["json"] = sent["json"]
    data = sent.get("data")
    if isinstance(data, (bytes, str)):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    if sent.get("files") is not None:
        # Schemathesis puts form fields in ``files`` as ``(None, value)``; httpx reads
        # every part's content, so a number is sent as its text (as a browser would).
        kwargs["files"] = [
            (name, tuple(str(v) if isinstance(v, (int, float)) else v for v in part))
            for name, part in sent["files"]
        ]
    return kwargs


def fuzz_operation(
    server: Server,
    method: str,
    path: str,
    role: str,
    *,
    max_examples: int,
    tally: Tally,
    fail_fast: bool = True,
) -> None:
    """Send ``max_examples`` derandomised cases of one operation with ``role``'s key.

    With ``fail_fast`` the first bad answer raises (Hypothesis then shrinks it); otherwise
    bad answers are only collected in ``tally.failures`` (the soak counts them).
    """
    schema = schemathesis.openapi.from_dict(server.app.openapi())
    operation = schema[path][method]
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    name = role_key(server, role)
    authorization = None if name is None else server.auth(name)["Authorization"]

    def check(case: Any) -> None:
        response = server.client.request(**_request_kwargs(case, authorization))
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        problem = None
        if response.status_code >= 500:
            problem = f"{response.status_code}: {response.text[:300]}"
        elif response.status_code >= 400:
            why = envelope_problem(response.status_code, response.content)
            problem = None if why is None else f"{response.status_code} envelope: {why}"
        if problem is not None:
            described = f"{method} {path} as {role}: {problem} (case {case!r})"
            if fail_fast:
                raise AssertionError(described)
            tally.failures.append(described)

    run: Callable[[], None] = settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )(given(case=strategy)(check))
    run()
