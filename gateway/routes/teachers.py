"""Teachers of the admin's school."""

from shared.contracts.roster import Teacher, TeacherIn, TeacherQuery

from gateway.api import ADMIN, Call
from gateway.routes import api

NOT_FOUND = "教师不存在"


@api.route("GET", "/teachers", auth=ADMIN, query=TeacherQuery, tag="教师",
           summary="教师列表与搜索（手机号、证件号码打码显示）")
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
