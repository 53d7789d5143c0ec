"""Teachers of the admin's school."""

from shared.contracts.roster import (
    PermissionFlags,
    Teacher,
    TeacherChanges,
    TeacherIds,
    TeacherIn,
    TeacherQuery,
)

from gateway.api import ADMIN, Call
from gateway.routes import api

NOT_FOUND = "教师不存在"


@api.route("GET", "/teachers", auth=ADMIN, query=TeacherQuery, tag="教师",
           summary="教师列表与搜索：q 搜姓名的一部分，或完整的备注、kid、手机号码、"
                   "证件号码；列表中手机号、证件号码打码显示")
async def list_teachers(call: Call):
    return await call.rpc("roster.list_teachers", call.query)


@api.route("POST", "/teachers", auth=ADMIN, body=TeacherIn, response=Teacher,
           status=201, tag="教师", summary="添加教师（同名教师用备注区分）")
async def create_teacher(call: Call):
    return await call.rpc("roster.create_teacher", call.body)


@api.route("GET", "/teachers/{id}", auth=ADMIN, response=Teacher, tag="教师",
           summary="查看一位教师")
async def get_teacher(call: Call):
    teacher_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.get_teacher", {"teacher_id": teacher_id})


@api.route("PATCH", "/teachers/{id}", auth=ADMIN, body=TeacherChanges,
           response=Teacher, tag="教师", summary="修改教师信息（只改提交的字段）")
async def update_teacher(call: Call):
    teacher_id = call.path_uuid("id", NOT_FOUND)
    changes = call.body.model_dump(mode="json", exclude_unset=True)
    return await call.rpc("roster.update_teacher",
                          {"teacher_id": teacher_id, **changes})


@api.route("DELETE", "/teachers/{id}", auth=ADMIN, tag="教师",
           summary="彻底删除教师（账号随之删除，不可恢复）")
async def delete_teacher(call: Call):
    teacher_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.delete_teacher", {"teacher_id": teacher_id})


@api.route("POST", "/teachers/disable", auth=ADMIN, body=TeacherIds, tag="教师",
           summary="批量停用：停用后不能登录，账号和密码保留")
async def disable_teachers(call: Call):
    return await call.rpc("roster.disable_teachers", call.body)


@api.route("POST", "/teachers/enable", auth=ADMIN, body=TeacherIds, tag="教师",
           summary="批量启用：账号与密码均不改变")
async def enable_teachers(call: Call):
    return await call.rpc("roster.enable_teachers", call.body)


@api.route("PUT", "/teachers/{id}/permissions", auth=ADMIN, body=PermissionFlags,
           response=Teacher, tag="教师",
           summary="设置权限：leadership 领导组、moral_education 德育组、admin 管理员、"
                   "exam_affairs 考试教务")
async def set_permissions(call: Call):
    teacher_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.set_permissions",
                          {"teacher_id": teacher_id, **call.body.model_dump()})
