"""The OpenAPI document and a plain docs page, both built from the declared
operations."""

import html
import re

from pydantic import BaseModel

from gateway.api import PREFIX, PUBLIC, Api

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "details": {}}, "required": ["code", "message"]}},
}


def _schema(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema()
    return [{"name": name, "in": "query", "required": False,
             "schema": {k: v for k, v in prop.items() if k != "title"},
             "description": prop.get("title", "")}
            for name, prop in schema.get("properties", {}).items()]


def build_document(api: Api) -> dict:
    paths: dict = {}
    components: dict = {}
    for op in api.operations:
        entry: dict = {"summary": op.summary, "tags": [op.tag] if op.tag else [],
                       "responses": {}}
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "string"}}
                      for name in re.findall(r"{(\w+)}", op.path)]
        if op.query:
            parameters += _query_parameters(op.query)
        if parameters:
            entry["parameters"] = parameters
        if op.body:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _schema(op.body, components)}}}
        if op.upload:
            entry["requestBody"] = {"required": True, "content": {
                media: {"schema": _upload_schema(media)} for media in op.upload}}
        entry["responses"][str(op.status)] = _success(op, components)
        entry["responses"]["default"] = {"description": "错误，message 为中文说明",
                                         "content": {"application/json": {
                                             "schema": ERROR_SCHEMA}}}
        # Who may call: public, user (any logged-in account), admin (school
        # admin) or operator (platform operator).
        entry["x-permission"] = op.auth
        if op.auth != PUBLIC:
            entry["security"] = [{"bearer": []}]
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = entry

    return {
        "openapi": "3.1.0",
        "info": {"title": "校园云 API", "version": "1"},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


def _upload_schema(media: str) -> dict:
    binary = {"type": "string", "format": "binary"}
    if media == "multipart/form-data":
        return {"type": "object", "properties": {"file": binary}, "required": ["file"]}
    return binary


def _success(op, components: dict) -> dict:
    if op.binary:
        return {"description": "文件", "content": {op.binary: {
            "schema": {"type": "string", "format": "binary"}}}}
    if op.response:
        return {"description": "成功", "content": {"application/json": {
            "schema": _schema(op.response, components)}}}
    return {"description": "成功"}


def docs_page(api: Api) -> str:
    rows = "\n".join(
        f"<tr><td><code>{op.method}</code></td>"
        f"<td><code>{html.escape(PREFIX + op.path)}</code></td>"
        f"<td>{html.escape(op.summary)}</td><td>{op.auth}</td></tr>"
        for op in api.operations
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>校园云 API</title>
<style>body{{font-family:sans-serif;margin:2em}}td{{padding:4px 12px;
border-bottom:1px solid #ddd}}</style></head>
<body><h1>校园云 API v1</h1>
<p>机器可读的文档：<a href="{PREFIX}/openapi.json">{PREFIX}/openapi.json</a>。
认证：<code>Authorization: Bearer &lt;access_token&gt;</code>。</p>
<table><tr><th>方法</th><th>路径</th><th>说明</th><th>权限</th></tr>
{rows}</table></body></html>"""
