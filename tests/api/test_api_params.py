"""Every integer query parameter is bounded: huge values are a 422, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from peerbench.api.params import MAX_QUERY_INT, query_int
from tests.api.harness import Server
from tests.api.test_api_errors import assert_envelope


def _integer_query_parameters(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                options = schema.get("anyOf", [schema])
                if parameter["in"] == "query" and any(o.get("type") == "integer" for o in options):
                    found.append((f"{method.upper()} {path}", parameter["name"], schema))
    return found


def test_every_integer_query_parameter_is_bounded(server: Server) -> None:
    parameters = _integer_query_parameters(server.app.openapi())
    names = {(where, name) for where, name, _ in parameters}
    assert {("GET /v1/submissions", "offset"), ("GET /v1/submissions", "limit"),
            ("GET /v1/audit", "limit")} <= names  # fmt: skip
    for where, name, schema in parameters:
        assert -MAX_QUERY_INT <= schema["minimum"] <= schema["maximum"] <= MAX_QUERY_INT, (
            where,
            name,
        )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/submissions", {"offset": "9223372036854775808"}),
        ("/v1/submissions", {"offset": str(MAX_QUERY_INT + 1)}),
        ("/v1/submissions", {"offset": "-1"}),
        ("/v1/submissions", {"limit": "9223372036854775807"}),
        ("/v1/submissions", {"limit": "0"}),
        ("/v1/audit", {"limit": "18446744073709551616"}),
    ],
)
def test_out_of_range_integers_are_422(server: Server, path: str, params: dict[str, str]) -> None:
    response = server.client.get(path, params=params, headers=server.auth("admin"))
    assert response.status_code == 422, response.text
    assert_envelope(response, 422)


def test_largest_offset_is_an_empty_page(server: Server) -> None:
    response = server.client.get(
        "/v1/submissions", params={"offset": MAX_QUERY_INT}, headers=server.auth("admin")
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "count": 0}


@pytest.mark.parametrize(("ge", "le"), [(0, MAX_QUERY_INT + 1), (5, 4), (-MAX_QUERY_INT - 1, 0)])
def test_query_int_refuses_wide_or_reversed_bounds(ge: int, le: int) -> None:
    with pytest.raises(ValueError, match="bounds"):
        query_int(ge=ge, le=le)
