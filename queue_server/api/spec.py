"""Routes declared once: the decorator registers the Flask view, checks the caller's role,
validates the body and query with pydantic, and records the operation for the OpenAPI document."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from queue_server.api.access import authenticate
from queue_server.api.errors import ApiError
from queue_server.api.models import Error
from queue_server.auth import Principal, Role
from queue_server.db.audit_log import AuditEntry
from queue_server.request_guard import loads
from queue_server.web import audit

View = Callable[..., Any]
# People's actions go to the audit log; devices' (tickets issued by kiosks) are the events.
AUDITED_ROLES = (Role.OFFICER, Role.ADMIN)


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    summary: str
    roles: tuple[Role, ...] | None  # None: public
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, tuple[type[BaseModel] | type[list[Any]] | None, str]]
    tag: str
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()  # optional request headers: (name, description)
    alternatives: tuple[str, ...] = ()  # other content types a 200 may come in (Accept, ?format=)

    @property
    def path(self) -> str:
        """The rule as the OpenAPI document writes it: `<ticket_id>` becomes `{ticket_id}`."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)


@dataclass
class ApiSpec:
    title: str
    version: str
    operations: list[Operation] = field(default_factory=list)

    def route(
        self,
        bp: Blueprint,
        method: str,
        rule: str,
        *,
        summary: str,
        tag: str,
        roles: Sequence[Role] | None = None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        responses: dict[int, tuple[Any, str]],
        content_type: str = "application/json",
        headers: Sequence[tuple[str, str]] = (),
        alternatives: Sequence[str] = (),
        audited: bool = True,
    ) -> Callable[[View], View]:
        """`audited=False`: the view writes its own audit row (one with a plainer name)."""
        op = Operation(
            method.upper(),
            (bp.url_prefix or "") + rule,
            summary,
            tuple(roles) if roles is not None else None,
            body,
            query,
            responses,
            tag,
            content_type,
            tuple(headers),
            tuple(alternatives),
        )
        self.operations.append(op)

        def decorate(view: View) -> View:
            @functools.wraps(view)
            def wrapper(**kwargs: Any) -> Any:
                if op.roles is not None:
                    kwargs["who"] = authenticate(op.roles)
                if op.body is not None:
                    kwargs["body"] = parse_body(op.body)
                if op.query is not None:
                    kwargs["query"] = parse_query(op.query)
                who = kwargs.get("who")
                entry = None
                if audited and op.method != "GET" and who is not None and who.role in AUDITED_ROLES:
                    entry = g.swq_audit = _audit_entry(op, who, kwargs)
                response = view(**kwargs)
                if entry is not None and not entry.written:
                    _audit_after(entry, response)
                return response

            bp.add_url_rule(rule, view_func=wrapper, methods=[op.method])
            return wrapper

        return decorate

    def document(self) -> dict[str, Any]:
        models: dict[type[BaseModel], None] = {}
        for op in self.operations:
            for model in (op.body, op.query, *(m for m, _ in _responses(op).values())):
                inner = _model_of(model)
                if inner is not None:
                    models[inner] = None
        _, schemas = models_json_schema(
            [(m, "serialization") for m in models], ref_template="#/components/schemas/{model}"
        )
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method.lower()] = self._operation(op, op.path)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": schemas.get("$defs", {}),
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }

    def _operation(self, op: Operation, path: str) -> dict[str, Any]:
        params: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", path)
        ]
        if op.query is not None:
            schema = op.query.model_json_schema()
            required = set(schema.get("required", ()))
            for name, prop in schema.get("properties", {}).items():
                params.append(
                    {"name": name, "in": "query", "required": name in required, "schema": prop}
                )
        params += [
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": description,
                "schema": {"type": "string", "maxLength": 200},
            }
            for name, description in op.headers
        ]
        doc: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": f"{op.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower())}",
            "parameters": params,
            "responses": {},
        }
        if op.roles is not None:
            doc["security"] = [{"bearer": []}]
            doc["description"] = "Roles: " + ", ".join(r.value for r in op.roles)
        if op.body is not None:
            doc["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(op.body)}},
            }
        for status, (model, description) in _responses(op).items():
            response: dict[str, Any] = {"description": description}
            if model is not None:
                # Errors are JSON whatever a route answers on success (a zip, a PNG, a stream).
                kind = op.content_type if status < 400 else "application/json"
                response["content"] = {kind: {"schema": _schema(model)}}
                if status == 200:
                    for alternative in op.alternatives:
                        response["content"][alternative] = {"schema": {"type": "string"}}
            doc["responses"][str(status)] = response
        return doc


def _responses(op: Operation) -> dict[int, tuple[Any, str]]:
    """What the route declares, and what any route may answer: 400 for a NUL character in the
    path or query (queue_server/request_guard.py), 413 for a body over the size limit, 503 while
    the database is down."""
    return {
        400: (Error, "bad request: a NUL character, or a body that is not JSON"),
        413: (Error, "the body is larger than the server accepts"),
        503: (Error, "the database is unavailable; retry shortly"),
        **op.responses,
    }


def _model_of(model: Any) -> type[BaseModel] | None:
    if model is None:
        return None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    args = getattr(model, "__args__", ())
    return (
        args[0] if args and isinstance(args[0], type) and issubclass(args[0], BaseModel) else None
    )


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _schema(model: Any) -> dict[str, Any]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return _ref(model)
    inner = _model_of(model)
    if inner is not None:
        return {"type": "array", "items": _ref(inner)}
    return {"type": "string"}


def parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip():
        doc: Any = {}
    else:
        try:
            doc = loads(raw)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ApiError(
                400, "bad_json", f"the body is not valid JSON: {exc}", "ข้อมูลที่ส่งมาไม่ใช่ JSON"
            ) from None
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise ApiError.from_validation(exc) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError.from_validation(exc) from None


def _audit_entry(op: Operation, who: Principal, kwargs: dict[str, Any]) -> AuditEntry:
    """The row of this action, which its unit of work writes if it takes it
    (`queue_server.api.acting`)."""
    body = kwargs.get("body")
    return audit.entry(
        who.office,
        who.name,
        who.role.value,
        f"{op.method} {op.rule}",
        " ".join(str(v) for k, v in kwargs.items() if k not in ("who", "body", "query")),
        body.model_dump(mode="json") if body is not None else None,
        counter=str(kwargs.get("code") or ""),
        own_counter=who.counter or "",
    )


def _audit_after(entry: AuditEntry, response: Any) -> None:
    """The row of an action no unit of work wrote, in a write of its own."""
    # A ticket's answer names its number and counter.
    answer = response.get_json(silent=True) if isinstance(response, Response) else None
    answer = answer if isinstance(answer, dict) else {}
    if "status_url" in answer:
        entry.about(str(answer.get("number") or ""), answer.get("counter"))
    audit.write(entry)
