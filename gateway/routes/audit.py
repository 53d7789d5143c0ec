"""The audit trail of a school."""

from shared.contracts.roster import AuditPage, AuditQuery

from gateway.api import ADMIN, Call
from gateway.routes import api


@api.route("GET", "/audit", auth=ADMIN, query=AuditQuery, response=AuditPage,
           tag="操作记录",
           summary="本校操作记录，新的在前：谁、何时、做了什么、改动前后。"
                   "可按对象类型 kind（teacher、school 等）、操作 action、"
                   "日期 from/to（2026-09-01，含当天）筛选")
async def list_audit(call: Call):
    return await call.rpc("roster.list_audit", call.query)
