"""Pydantic validation errors as Chinese messages a school admin can act on."""

from pydantic import BaseModel, ValidationError

from shared.errors import InvalidInput

_MESSAGES = {
    "missing": "必须填写",
    "string_too_short": "不能为空",
    "string_too_long": "太长，最多{max_length}个字符",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "greater_than": "应大于{gt}",
    "less_than": "应小于{lt}",
    "literal_error": "只能是{expected}",
    "enum": "只能是{expected}",
    "uuid_parsing": "编号格式不正确",
    "uuid_type": "编号格式不正确",
    "list_type": "应为列表",
    "extra_forbidden": "是不认识的字段，请去掉",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "json_invalid": "不是合法的 JSON",
    "too_short": "至少需要{min_length}项",
    "too_long": "最多{max_length}项",
}


def _field_label(model: type[BaseModel] | None, loc: tuple) -> str:
    if not loc:
        return "请求内容"
    name = loc[0]
    field = model.model_fields.get(name) if model and isinstance(name, str) else None
    label = field.title if field is not None and field.title else str(name)
    rest = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                   for part in loc[1:])
    return label + rest


def _message(error: dict, label: str) -> str:
    if error["type"] == "value_error":
        # Our own validators raise ValueError with a complete Chinese sentence.
        return str(error["ctx"]["error"]) if error.get("ctx") else error["msg"]
    if error["type"] in ("literal_error", "enum"):
        choices = error["ctx"]["expected"].replace("' or '", "、").replace("', '", "、")
        return f"{label}只能是{choices.strip(chr(39))}"
    if _too_short_but_typed(error):
        return f"{label}至少{error['ctx']['min_length']}个字符"
    template = _MESSAGES.get(error["type"])
    if template is None:
        return f"{label}格式不正确"
    return label + template.format(**(error.get("ctx") or {}))


def _too_short_but_typed(error: dict) -> bool:
    """Text shorter than a minimum above one; empty text is still "不能为空"."""
    if error["type"] != "string_too_short" or error["ctx"]["min_length"] <= 1:
        return False
    return bool(str(error.get("input") or "").strip())


def invalid_input(error: ValidationError,
                  model: type[BaseModel] | None = None) -> InvalidInput:
    problems = []
    for item in error.errors(include_url=False):
        label = _field_label(model, tuple(item["loc"]))
        problems.append({"field": ".".join(map(str, item["loc"])),
                         "message": _message(item, label)})
    summary = "；".join(p["message"] for p in problems[:5])
    return InvalidInput(summary or None, details=problems)


def parse(model: type[BaseModel], data) -> BaseModel:
    """Validate `data` as `model`, raising InvalidInput with Chinese messages."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_input(error, model) from None
