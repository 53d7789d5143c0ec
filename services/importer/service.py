"""The importer service: templates, import jobs and their workers.

Every importer process answers the job requests and also takes tasks from the
durable queue `importer.jobs`, one at a time: starting more processes in enrollment
season adds workers without any other change.
"""

import asyncio
import base64
import binascii
import json
from pathlib import Path
from uuid import UUID

import structlog
from aio_pika.abc import AbstractIncomingMessage

from shared.contracts.common import Caller
from shared.contracts.importer import (
    FileOut,
    Job,
    JobRef,
    JobRow,
    KindRef,
    Progress,
    Resolved,
    ResolveRequest,
    RowsQuery,
    Summary,
    UploadIn,
)
from shared.db.outbox import record_event
from shared.errors import BadFile, Conflict, FileTooLarge, NotFound
from shared.logging import get_logger
from shared.service import Service, rpc
from shared.validators.id_numbers import mask_id_number
from shared.validators.phones import mask_phone

from services.importer import exports, issue_storage, resolutions, storage
from services.importer.committers import committer_for
from services.importer.committers_staffing import NAMED_KINDS
from services.importer.kinds import Column, get_kind
from services.importer.sheets.reader import sniff_xlsx
from services.importer.sheets.template import error_workbook, template_workbook
from services.importer.worker import JobRunner

log = get_logger("importer")

JOB_QUEUE = "importer.jobs"
JOB_NOT_FOUND = "导入任务不存在"


# Kinds whose template is an export of the school's students, to edit and import.
EXPORTED_TEMPLATES = {"students-update": "export_students",
                      "students-id-completion": "export_students_missing_id"}


def job_out(row, open_rows: list[int] = ()) -> Job:
    job = Job(
        id=row["id"], kind=row["kind"], state=row["state"], filename=row["filename"],
        all_or_nothing=row["all_or_nothing"],
        progress=Progress(done=row["done"], total=row["total"]),
        summary=Summary(total=row["total"], ok=row["ok"], warnings=row["warnings"],
                        errors=row["errors"]),
        created_at=row["created_at"], finished_at=row["finished_at"],
    )
    if row["state"] == "done":
        job.message = f"{row['committed']}/{row['total']} 导入成功"
    elif row["state"] == "failed":
        job.message = row["failure"]
    elif row["state"] == "ready":
        job.message = (f"共{row['total']}行，{row['ok']}行可导入，"
                       f"{row['errors']}行有错误")
        if open_rows:
            job.unresolved = len(open_rows)
            job.message += f"，{len(open_rows)}行有同名教师待选择"
    return job


def row_out(row) -> JobRow:
    """A row as the preview shows it; a staffing row's issues apart from its data."""
    data = masked_data(row["data"])
    issues = data.pop("issues", [])
    data.pop("notes", None)
    # A staffing row lands without a kid of its own (see committers_staffing).
    kid = row.get("kid") or None
    return JobRow(row=row["row"], status=row["status"], messages=row["messages"],
                  data=data, kid=kid, issues=issues)


def report_table(columns: tuple[Column, ...], rows) -> tuple[list[Column], list]:
    """The error report's columns and rows: a rest column becomes one column per
    header the refused rows filled in, as the file had them."""
    rest = next((c.field for c in columns if c.kind == "rest"), None)
    table = [(r["row"], r["raw"], r["messages"]) for r in rows]
    if rest is None:
        return list(columns), table
    headers = list(dict.fromkeys(header for _, raw, _ in table
                                 for header in raw.get(rest) or {}))
    fixed = [c for c in columns if c.kind != "rest"]
    return (fixed + [Column(f"{rest}:{h}", h, width=16) for h in headers],
            [(number, _flattened(raw, rest), messages)
             for number, raw, messages in table])


def _flattened(raw: dict, rest: str) -> dict:
    cells = raw.get(rest) or {}
    return raw | {f"{rest}:{header}": value for header, value in cells.items()}


def masked_data(data: dict) -> dict:
    """Row values for a preview: ID numbers and phones are never shown in full."""
    shown = dict(data)
    if shown.get("id_number"):
        shown["id_number"] = mask_id_number(str(shown["id_number"]))
    if shown.get("phone"):
        shown["phone"] = mask_phone(str(shown["phone"]))
    return shown


class ImporterService(Service):
    name = "importer"
    migrations = Path(__file__).parent / "migrations"
    rpc_prefetch = 8

    async def setup(self) -> None:
        self.runner = JobRunner(self.pool, self.bus, self.settings)
        await self.bus.consume(JOB_QUEUE, ["importer.job.*"], self._on_task, prefetch=1)

    async def _on_task(self, message: AbstractIncomingMessage) -> None:
        """Run one job step; the task is acknowledged only when the step is over."""
        envelope = json.loads(message.body)
        job_id = UUID(envelope["data"]["job_id"])
        step = envelope["type"].rsplit(".", 1)[-1]
        try:
            if step == "parse":
                await self.runner.parse(job_id)
            elif step == "commit":
                await self.runner.commit(job_id)
            await message.ack()
        except Exception:
            log.error("job_step_failed", job_id=str(job_id), step=step, exc_info=True)
            await asyncio.sleep(2)
            await message.nack(requeue=True)
        finally:
            structlog.contextvars.unbind_contextvars("job_id", "kind")

    # --- templates -------------------------------------------------------------

    @rpc(model=KindRef)
    async def template(self, params: KindRef, caller: Caller) -> FileOut:
        """The kind's template. Staffing templates list the school's grades (or
        classes) and subjects; an update's template is the export it edits."""
        caller.require_school_admin()
        committer = committer_for(params.kind)
        kind = get_kind(params.kind)
        if params.kind in EXPORTED_TEMPLATES:
            exported = await getattr(self, EXPORTED_TEMPLATES[params.kind])({}, caller)
            return FileOut(filename=kind.template_filename,
                           content_b64=exported.content_b64)

        columns, rows = kind.columns, []
        if hasattr(committer, "template"):
            ctx = {"caller": caller.model_dump(mode="json")}
            columns, rows = await committer.template(self.bus, ctx)
        content = await asyncio.to_thread(template_workbook, columns, rows=rows)
        return FileOut(filename=kind.template_filename,
                       content_b64=base64.b64encode(content).decode())

    # --- exports ---------------------------------------------------------------

    @rpc
    async def export_teachers(self, params: dict, caller: Caller) -> FileOut:
        """Every teacher of the caller's school, by kid, paged from roster."""
        return await self._export(caller, "roster.teachers_for_export",
                                  exports.teacher_row, exports.TEACHER_COLUMNS,
                                  "教师", "教师列表.xlsx")

    @rpc
    async def export_students(self, params: dict, caller: Caller) -> FileOut:
        """Every current student of the caller's school, by kid, paged from roster."""
        return await self._export(caller, "roster.students_for_export",
                                  exports.student_row, exports.STUDENT_COLUMNS,
                                  "学生", "学生列表.xlsx")

    @rpc
    async def export_students_missing_id(self, params: dict, caller: Caller) -> FileOut:
        """The school's current students without an ID number, to fill in and
        import as an ID-number completion."""
        return await self._export(caller, "roster.students_missing_id_for_export",
                                  exports.missing_id_row, exports.MISSING_ID_COLUMNS,
                                  "缺少证件号码的学生", "缺少证件号码的学生.xlsx")

    async def _export(self, caller: Caller, method: str, to_row, header, title: str,
                      filename: str) -> FileOut:
        caller.require_school_admin()
        ctx = {"caller": caller.model_dump(mode="json")}

        async def rows():
            after = 0
            while page := await self.bus.call(method, {"after_kid": after,
                                                       "limit": 2000}, ctx=ctx):
                for record in page:
                    yield to_row(record)
                after = page[-1]["kid"]

        content = await exports.write_workbook(header, rows(), title)
        return FileOut(filename=filename,
                       content_b64=base64.b64encode(content).decode())

    # --- jobs ------------------------------------------------------------------

    @rpc(model=UploadIn)
    async def create_job(self, params: UploadIn, caller: Caller) -> Job:
        """Store the upload and queue it for parsing; a file that is no .xlsx is
        refused."""
        school_id = caller.require_school_admin()
        committer_for(params.kind)
        content = self._decode_upload(params.content_b64)
        sniff_xlsx(content)

        async with self.pool.acquire() as connection, connection.transaction():
            row = await storage.insert_job(
                connection, school_id=school_id, kind=params.kind,
                filename=params.filename, file=content,
                caller=caller.model_dump(mode="json"),
                all_or_nothing=params.all_or_nothing,
            )
            await record_event(connection, "importer.job.parse",
                               {"job_id": str(row["id"])})
        log.info("job_created", job_id=str(row["id"]), kind=params.kind,
                 size=len(content))
        return job_out(row)

    def _decode_upload(self, content_b64: str) -> bytes:
        try:
            content = base64.b64decode(content_b64, validate=True)
        except (binascii.Error, ValueError):
            raise BadFile("上传的文件已损坏，请重新上传") from None
        if not content:
            raise BadFile("上传的文件是空的，请选择填好的模板")
        if len(content) > self.settings.max_upload_bytes:
            limit = self.settings.max_upload_bytes // (1024 * 1024)
            raise FileTooLarge(f"上传的文件超过{limit}MB，请分成几个文件上传")
        return content

    async def _job(self, connection, caller: Caller, job_id: UUID):
        school_id = caller.require_school_admin()
        row = await storage.job_in_school(connection, school_id, job_id)
        if row is None:
            raise NotFound(JOB_NOT_FOUND)
        return row

    async def _open_rows(self, connection, job) -> list[int]:
        """The rows of a previewed staffing job still waiting for a choice."""
        if job["kind"] not in NAMED_KINDS or job["state"] != "ready":
            return []
        return await issue_storage.open_rows(connection, job["id"])

    @rpc(model=JobRef)
    async def get_job(self, params: JobRef, caller: Caller) -> Job:
        async with self.pool.acquire() as connection:
            job = await self._job(connection, caller, params.job_id)
            return job_out(job, await self._open_rows(connection, job))

    @rpc(model=RowsQuery)
    async def job_rows(self, params: RowsQuery, caller: Caller) -> dict:
        async with self.pool.acquire() as connection:
            await self._job(connection, caller, params.job_id)
            rows, total = await storage.rows_page(
                connection, params.job_id, params.status, params.page_size,
                params.offset,
            )
        return {"items": [row_out(r) for r in rows], "total": total}

    @rpc(model=JobRef)
    async def confirm(self, params: JobRef, caller: Caller) -> Job:
        """Start committing a previewed job; confirming twice changes nothing."""
        async with self.pool.acquire() as connection, connection.transaction():
            row = await self._job(connection, caller, params.job_id)
            row = await storage.lock_job(connection, row["id"])
            if row["state"] in ("committing", "done"):
                return job_out(row)
            if row["state"] == "failed":
                reason = (row["failure"] or "").rstrip("。")
                raise Conflict(f"这个导入任务没有通过检查：{reason}。"
                               "请修改文件后重新上传")
            if row["state"] != "ready":
                raise Conflict("文件还在检查中，请等检查完成后再确认导入")
            if row["all_or_nothing"] and row["errors"]:
                raise Conflict(f"文件中有{row['errors']}行错误，"
                               "本次选择了全部正确才导入，请修改后重新上传")
            await self._refuse_open_rows(connection, row)
            await storage.set_state(connection, row["id"], "committing")
            await record_event(connection, "importer.job.commit",
                               {"job_id": str(row["id"])})
            row = await storage.lock_job(connection, row["id"])
        log.info("job_confirmed", job_id=str(params.job_id))
        return job_out(row)

    async def _refuse_open_rows(self, connection, job) -> None:
        open_rows = await self._open_rows(connection, job)
        if open_rows:
            shown = "、".join(map(str, open_rows[:10]))
            if len(open_rows) > 10:
                shown += "等"
            raise Conflict(f"还有{len(open_rows)}行有同名教师没有选择（第{shown}行）："
                           "请先为每个同名的名字选择一位教师，或把这些行移出本次导入",
                           details={"rows": open_rows})

    @rpc(model=ResolveRequest)
    async def resolve(self, params: ResolveRequest, caller: Caller) -> Resolved:
        """Settle the teacher names of a previewed staffing job (see resolutions).

        Answers the job with its new summary and the rows that changed; the job
        can be confirmed once no row it keeps has a same-name teacher to choose.
        """
        async with self.pool.acquire() as connection, connection.transaction():
            job = await self._job(connection, caller, params.job_id)
            job = await storage.lock_job(connection, job["id"])
            if job["kind"] not in NAMED_KINDS:
                raise Conflict("这种导入没有需要选择的教师")
            if job["state"] != "ready":
                raise Conflict("只有检查完成、尚未确认的导入任务可以选择教师")
            rows = await self._rows_to_settle(connection, job["id"], params)
            settled = resolutions.settle(rows, params.resolutions, params.skip_rows)
            await issue_storage.save_rows(connection, job["id"],
                                          list(settled.rows.values()))
            await issue_storage.log_resolutions(connection, job["id"],
                                                caller.account_id, settled.log)
            job = await self._recount(connection, job["id"])
            open_rows = await self._open_rows(connection, job)
        log.info("job_resolved", job_id=str(job["id"]), rows=len(settled.rows),
                 unresolved=len(open_rows))
        items = [row_out(row) for row in sorted(settled.rows.values(),
                                                key=lambda r: r["row"])]
        return Resolved(job=job_out(job, open_rows), items=items, total=len(items))

    async def _rows_to_settle(self, connection, job_id: UUID,
                              params: ResolveRequest) -> dict[int, dict]:
        named = {choice.row for choice in params.resolutions} | set(params.skip_rows)
        found = await issue_storage.rows_for_update(
            connection, job_id, sorted(n for n in named if n is not None))
        if None in named:
            found += await issue_storage.rows_for_update(connection, job_id, None)
        return {row["row"]: dict(row) for row in found}

    async def _recount(self, connection, job_id: UUID):
        counts = await storage.count_by_status(connection, job_id)
        await storage.set_state(
            connection, job_id, "ready",
            ok=counts.get("ok", 0) + counts.get("warning", 0),
            warnings=counts.get("warning", 0), errors=counts.get("error", 0),
        )
        return await storage.lock_job(connection, job_id)

    @rpc(model=JobRef)
    async def error_report(self, params: JobRef, caller: Caller) -> FileOut:
        async with self.pool.acquire() as connection:
            job = await self._job(connection, caller, params.job_id)
            rows = await storage.error_rows(connection, params.job_id)
        kind = get_kind(job["kind"])
        columns, table = report_table(kind.columns, rows)
        content = await asyncio.to_thread(error_workbook, columns, table)
        return FileOut(filename=f"{kind.title}导入错误报告.xlsx",
                       content_b64=base64.b64encode(content).decode())
