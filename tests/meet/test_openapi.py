"""The generated OpenAPI description has real response schemas, and they carry the reference's
field names (its OpenAPI files, copied into ``tests/fixtures/openapi/``).

Where the running reference differs from its own OpenAPI files, api-contract.md wins (its §13);
those differences are listed below, each with its reason, and nothing else may differ.
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import yaml
from rest_framework.test import APIClient

REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "openapi"
METHODS = ("get", "post", "put", "patch", "delete")

# (METHOD, path, status) -> (field paths only the reference has, field paths only we have).
DOCUMENTED_DIFFERENCES: dict[tuple[str, str, str], tuple[set[str], set[str]]] = {
    # api-contract §13 #5: the key's property is ``key``, not ``apiKey``.
    ("POST", "/internal-api/v1/auth/api-keys", "201"): ({"apiKey"}, {"key"}),
    ("GET", "/internal-api/v1/auth/api-keys", "200"): ({"[].apiKey"}, {"[].key"}),
    # api-contract §13 #4: the security config carries authTransportMode.
    ("GET", "/internal-api/v1/config/security", "200"): (
        set(),
        {"authentication.authTransportMode"},
    ),
    # api-contract §13 #8: a theme has ``enabled`` and may have ``accentColor``.
    ("GET", "/internal-api/v1/config/rooms/appearance", "200"): (
        set(),
        {"appearance.themes[].enabled", "appearance.themes[].accentColor"},
    ),
    # api-contract §4.6: each successful item of a bulk room deletion names its room.
    ("DELETE", "/api/v1/rooms", "200"): (set(), {"successful[].roomId"}),
    ("DELETE", "/api/v1/rooms", "400"): (set(), {"successful[].roomId"}),
}


def _room_policies(prefix: str) -> set[str]:
    """docs/policies.md: a room's config may carry retentionDays and limits (ours)."""
    return {
        f"{prefix}limits",
        f"{prefix}limits.maxDurationMinutes",
        f"{prefix}limits.maxParticipants",
        f"{prefix}recording.retentionDays",
    }


for _key, _prefix in (
    (("POST", "/api/v1/rooms", "201"), "config."),
    (("GET", "/api/v1/rooms", "200"), "rooms[].config."),
    (("DELETE", "/api/v1/rooms", "200"), "successful[].room.config."),
    (("DELETE", "/api/v1/rooms", "400"), "successful[].room.config."),
    (("GET", "/api/v1/rooms/{roomId}", "200"), "config."),
    (("DELETE", "/api/v1/rooms/{roomId}", "200"), "room.config."),
    (("DELETE", "/api/v1/rooms/{roomId}", "202"), "room.config."),
    (("GET", "/api/v1/rooms/{roomId}/config", "200"), ""),
):
    _only_reference, _only_ours = DOCUMENTED_DIFFERENCES.get(_key, (set(), set()))
    DOCUMENTED_DIFFERENCES[_key] = (_only_reference, _only_ours | _room_policies(_prefix))


def _resolve(document: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    schema = schema or {}
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(_resolve(document, part).get("properties", {}))
        return merged
    if "oneOf" in schema or "anyOf" in schema:  # e.g. a nullable string
        options = [
            _resolve(document, option) for option in schema.get("oneOf", schema.get("anyOf", []))
        ]
        typed = [option for option in options if option.get("type") != "null"]
        return typed[0] if len(typed) == 1 else schema
    return schema


def field_paths(
    document: dict[str, Any], schema: dict[str, Any] | None, prefix: str = ""
) -> set[str]:
    """Every property of a response body as a dotted path (``[]`` for array items)."""
    schema = _resolve(document, schema)
    if schema.get("type") == "array" or "items" in schema:
        return field_paths(document, schema.get("items"), prefix + "[]")
    paths: set[str] = set()
    for name, child in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        paths.add(path)
        paths |= field_paths(document, child, path)
    return paths


def json_responses(document: dict[str, Any], base: str = "") -> dict[tuple[str, str, str], Any]:
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation.get("responses", {}).items():
                content = _resolve(document, response).get("content", {})
                if "application/json" in content:
                    key = (method.upper(), base + path.rstrip("/"), str(status))
                    found[key] = content["application/json"].get("schema")
    return found


@cache
def reference() -> tuple[dict[tuple[str, str, str], set[str]], ...]:
    result = {}
    for name in ("public", "internal"):
        document = yaml.safe_load((REFERENCE / f"openvidu-meet-3.4.1-{name}-api.yaml").read_text())
        base = document["servers"][0]["url"]
        for key, schema in json_responses(document, base).items():
            if key[2].startswith("2") or key in DOCUMENTED_DIFFERENCES or _is_bulk(key):
                result[key] = field_paths(document, schema)
    return (result,)


def _is_bulk(key: tuple[str, str, str]) -> bool:
    """The bulk deletions' 400 bodies are outcomes (not errors), described like a 200."""
    return (
        key[0] == "DELETE" and key[1] in ("/api/v1/rooms", "/api/v1/recordings") and key[2] == "400"
    )


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    response = APIClient().get("/api/v1/docs/openapi.json")
    assert response.status_code == HTTPStatus.OK
    return dict(response.json())


def test_every_response_of_ours_has_a_real_schema(ours: dict[str, Any]) -> None:
    untyped = []
    count = 0
    for path, item in ours["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                count += 1
                content = response.get("content", {})
                schema = _resolve(ours, next(iter(content.values()), {}).get("schema"))
                binary = schema.get("format") == "binary"
                if not binary and not field_paths(ours, schema):
                    untyped.append(f"{method.upper()} {path} {status}")
    assert untyped == []
    assert count >= 45


def test_response_schemas_carry_the_reference_field_names(ours: dict[str, Any]) -> None:
    ours_by_key = {key: field_paths(ours, schema) for key, schema in json_responses(ours).items()}
    (expected,) = reference()
    mismatches = {}
    for key, reference_fields in expected.items():
        if key not in ours_by_key:
            mismatches[key] = "missing from our description"
            continue
        only_reference = reference_fields - ours_by_key[key]
        only_ours = ours_by_key[key] - reference_fields
        if (only_reference, only_ours) != DOCUMENTED_DIFFERENCES.get(key, (set(), set())):
            mismatches[key] = f"only the reference: {only_reference}; only ours: {only_ours}"
    assert mismatches == {}


def test_the_comparison_would_see_a_renamed_field() -> None:
    document = {
        "components": {
            "schemas": {"Room": {"properties": {"roomId": {}, "config": {"$ref": "#/c"}}}}
        },
        "c": {"properties": {"chat": {"properties": {"enabled": {}}}}},
    }

    assert field_paths(document, {"$ref": "#/components/schemas/Room"}) == {
        "roomId",
        "config",
        "config.chat",
        "config.chat.enabled",
    }
    assert field_paths(document, {"type": "array", "items": {"properties": {"key": {}}}}) == {
        "[].key"
    }
