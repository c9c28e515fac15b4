"""The OpenAPI document: every error response declared as problem+json with one schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from intrathecal.api.problems import PROBLEM_MEDIA_TYPE, FieldError, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
#: Refusals any operation that reads a body may answer (``api.strict_json``, ``body_limit``).
_BODY_ERRORS = {
    "400": "Bad request (e.g. a key twice in one JSON object)",
    "413": "Content too large",
    "415": "Unsupported media type (the body must be JSON)",
}


def install_openapi(app: FastAPI) -> None:
    """Replace FastAPI's default error bodies with problem+json in the generated schema."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        problem.pop("$defs", None)
        components["Problem"] = problem
        components["FieldError"] = FieldError.model_json_schema()
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                for code, response in responses.items():
                    if code.isdigit() and int(code) >= 400:
                        # Keep other declared media types (FHIR routes answer OperationOutcome).
                        other = {
                            media: body
                            for media, body in response.get("content", {}).items()
                            if media not in ("application/json", PROBLEM_MEDIA_TYPE)
                        }
                        response["content"] = {
                            PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF},
                            **other,
                        }
                if "requestBody" in operation:
                    for code, description in _BODY_ERRORS.items():
                        responses.setdefault(
                            code,
                            {
                                "description": description,
                                "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
                            },
                        )
                responses.setdefault(
                    "500",
                    {
                        "description": "Internal error",
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
                    },
                )
        schema["components"]["schemas"] = components
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
