"""Schemathesis over the OpenAPI schema: the document matches what the server sends.

Runs in-process (ASGI) against a fresh sample book with an admin token, so
every operation is reachable; what it writes stays in that throwaway book.
Each operation gets a few deterministic examples (derandomized), so the run
is bounded and repeatable. Every answer is checked against the document: no
server error, a documented status code, the documented content type and
headers, and a body valid against the documented schema of that status;
errors are problem details.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from accord import access, services
from accord.api.app import create_app
from accord.storage.engines import dispose_all
from tests.api.conftest import AS_OF, SAMPLE

EXAMPLES = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_every_answer_matches_the_openapi_document(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=SAMPLE)
    token = access.create_token(url=url, user_id="U9")
    app = create_app(url=url, as_of=AS_OF)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    try:
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]
            operations += 1

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def run(case: Any) -> None:
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as exc:  # names each broken check
                    failures.append(
                        f"{case.method} {case.formatted_path}: {response.status_code} "
                        f"{str(exc)[:600]}"
                    )
                if response.status_code >= 400:
                    kind = response.headers.get("content-type", [""])[0]
                    if not kind.startswith("application/problem+json"):
                        failures.append(
                            f"{case.method} {case.formatted_path}: "
                            f"{response.status_code} is not a problem detail"
                        )

            run()
    finally:
        dispose_all()
    assert operations >= 14 * 5
    assert failures == [], "\n\n".join(failures[:20])


def test_the_document_says_what_the_server_sends_and_requires(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    change = document["paths"]["/api/v1/touchpoints/{touchpoint_id}"]["patch"]
    [if_match] = [p for p in change["parameters"] if p["name"] == "If-Match"]
    assert if_match["required"] is True
    assert set(change["responses"]["412"]["content"]) == {"application/problem+json"}
    assert set(change["responses"]["200"]["content"]) == {"application/json"}
    line = document["paths"]["/api/v1/order_lines/{order_id}/{line_no}"]["get"]
    [key] = [p for p in line["parameters"] if p["name"] == "line_no"]
    assert (key["schema"]["minimum"], key["schema"]["maximum"]) == (0, 10**15)
