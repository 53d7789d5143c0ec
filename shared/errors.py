"""The domain errors every service raises and the gateway turns into HTTP answers.

An error crosses the bus as `{"code", "message", "details"}`; the caller rebuilds the
same class from its code, so `except NotFound` works on both sides of a request.
Messages are Chinese and say what to fix: they are shown to school staff as they are.
"""

from typing import Any


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "请求有误"

    def __init__(self, message: str | None = None, details: Any = None) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    default_message = "提交的内容有误，请检查后重试"


class BadFile(DomainError):
    code = "bad_file"
    status = 422
    default_message = "上传的文件无法读取，请使用下载的模板重新填写"


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413
    default_message = "上传的文件太大"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    default_message = "请先登录"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "没有权限进行此操作"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "要找的记录不存在"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "与已有的记录冲突"


class Locked(DomainError):
    code = "locked"
    status = 429
    default_message = "尝试次数过多，请稍后再试"


class ServiceTimeout(DomainError):
    code = "service_timeout"
    status = 504
    default_message = "服务响应超时，请稍后重试"


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status = 503
    default_message = "服务暂时不可用，请稍后重试"


_BY_CODE = {
    cls.code: cls
    for cls in (
        DomainError, InvalidInput, BadFile, FileTooLarge, Unauthenticated,
        Forbidden, NotFound, Conflict, Locked, ServiceTimeout, ServiceUnavailable,
    )
}


def from_wire(payload: dict[str, Any]) -> DomainError:
    """Rebuild the error a service sent; an unknown code stays a plain DomainError."""
    cls = _BY_CODE.get(payload.get("code", ""), DomainError)
    error = cls(payload.get("message"), payload.get("details"))
    error.code = payload.get("code", cls.code)
    return error
