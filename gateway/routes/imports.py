"""Templates and import jobs: upload, preview, confirm, error report."""

import base64
from urllib.parse import quote, unquote

from aiohttp import web
from pydantic import BaseModel, Field

from shared.contracts.importer import Job, KindRef, Resolved, ResolveIn, RowStatus
from shared.errors import BadFile, FileTooLarge, InvalidInput
from shared.validation import parse

from gateway.api import ADMIN, Call
from gateway.routes import api

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FOUND = "导入任务不存在"


class UploadOptions(BaseModel):
    all_or_nothing: bool = Field(False, title="全部正确才导入")


class RowsFilter(BaseModel):
    status: RowStatus | None = Field(None, title="状态")
    page: int = Field(1, ge=1, title="页码")
    page_size: int = Field(50, ge=1, le=500, title="每页条数")


def xlsx_response(file: dict) -> web.Response:
    body = base64.b64decode(file["content_b64"])
    disposition = f"attachment; filename*=UTF-8''{quote(file['filename'])}"
    return web.Response(body=body, content_type=XLSX,
                        headers={"Content-Disposition": disposition})


def kind_of(call: Call) -> str:
    return parse(KindRef, {"kind": call.path_param("kind")}).kind


@api.route("GET", "/imports/templates/{kind}", auth=ADMIN, tag="导入",
           binary=XLSX, summary="下载导入模板（空白表，只包含格式）")
async def template(call: Call):
    return xlsx_response(await call.rpc("importer.template", {"kind": kind_of(call)}))


@api.route("POST", "/imports/{kind}", auth=ADMIN, query=UploadOptions, response=Job,
           status=202, upload=("multipart/form-data",), tag="导入",
           summary="上传填好的模板（表单字段 file），生成导入任务")
async def upload(call: Call):
    kind = kind_of(call)
    filename, content = await read_upload(call.request)
    return await call.rpc("importer.create_job", {
        "kind": kind, "filename": filename,
        "content_b64": base64.b64encode(content).decode(),
        "all_or_nothing": call.query.all_or_nothing,
    })


async def read_upload(request: web.Request) -> tuple[str, bytes]:
    """The multipart field `file`, read in chunks and refused past the size limit."""
    limit = request.app["settings"].max_upload_bytes
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput("请用 multipart/form-data 上传，文件放在 file 字段")
    reader = await request.multipart()
    async for part in reader:
        if part.name != "file":
            continue
        content = bytearray()
        while chunk := await part.read_chunk(256 * 1024):
            content.extend(chunk)
            if len(content) > limit:
                raise FileTooLarge(
                    f"上传的文件超过{limit // (1024 * 1024)}MB，请分成几个文件上传")
        if not content:
            raise BadFile("上传的文件是空的，请选择填好的模板")
        # Clients send non-ASCII names percent-encoded (RFC 7578 allows it).
        filename = unquote(part.filename or "upload.xlsx")[:255]
        return filename, bytes(content)
    raise InvalidInput("没有收到文件：请把文件放在 file 字段上传")


@api.route("GET", "/imports/{job}", auth=ADMIN, response=Job, tag="导入",
           summary="导入任务的状态、进度和汇总")
async def get_job(call: Call):
    job_id = call.path_uuid("job", NOT_FOUND)
    return await call.rpc("importer.get_job", {"job_id": job_id})


@api.route("GET", "/imports/{job}/rows", auth=ADMIN, query=RowsFilter, tag="导入",
           summary="预览：每一行的检查结果（?status=ok|warning|error）")
async def job_rows(call: Call):
    return await call.rpc("importer.job_rows", {
        "job_id": call.path_uuid("job", NOT_FOUND),
        **call.query.model_dump(mode="json"),
    })


@api.route("POST", "/imports/{job}/resolve", auth=ADMIN, body=ResolveIn,
           response=Resolved, tag="导入",
           summary="备课组长、任课关系导入：处理重名（红色，从候选教师中选一位）和"
                   "未找到（蓝色，只能移除）的教师姓名。每项为 {row, column, name, "
                   "teacher_id}：column 是学科名或“班主任”，teacher_id 为行中 "
                   "issues 的候选教师之一，null 表示移除这个名字；不写 row 或 "
                   "column 时作用于所有含这个名字的行或列。skip_rows 中的行不导入"
                   "（记为错误行）。未找到的名字不处理也会在导入时略过；要导入的行里"
                   "只要还有未选择的重名教师，就不能确认导入。返回任务和改动过的行")
async def resolve(call: Call):
    return await call.rpc("importer.resolve", {
        "job_id": call.path_uuid("job", NOT_FOUND), **call.body.model_dump(mode="json"),
    })


@api.route("POST", "/imports/{job}/confirm", auth=ADMIN, response=Job, status=202,
           tag="导入", summary="确认导入：正确的行分批写入，错误的行留在错误报告里")
async def confirm(call: Call):
    job_id = call.path_uuid("job", NOT_FOUND)
    return await call.rpc("importer.confirm", {"job_id": job_id})


@api.route("GET", "/imports/{job}/errors.xlsx", auth=ADMIN, binary=XLSX, tag="导入",
           summary="错误报告：上传的错误行，最后一列写明错误原因")
async def error_report(call: Call):
    return xlsx_response(await call.rpc("importer.error_report",
                                        {"job_id": call.path_uuid("job", NOT_FOUND)}))


@api.route("GET", "/exports/teachers.xlsx", auth=ADMIN, binary=XLSX, tag="导出",
           summary="导出教师（kid、姓名、性别、备注、权限）")
async def export_teachers(call: Call):
    return xlsx_response(await call.rpc("importer.export_teachers", timeout=60))


@api.route("GET", "/exports/students.xlsx", auth=ADMIN, binary=XLSX, tag="导出",
           summary="导出在校学生（含 kid，可修改班级、学号后作为更新导入）")
async def export_students(call: Call):
    return xlsx_response(await call.rpc("importer.export_students", timeout=120))


@api.route("GET", "/exports/students-missing-id.xlsx", auth=ADMIN, binary=XLSX,
           tag="导出",
           summary="导出还没有证件号码的在校学生（含 kid），补全证件号码后作为补全导入")
async def export_students_missing_id(call: Call):
    return xlsx_response(await call.rpc("importer.export_students_missing_id",
                                        timeout=120))
