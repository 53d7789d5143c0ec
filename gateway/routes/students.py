"""Students of the admin's school, and those it transferred out."""

from shared.contracts.roster import (
    ArchivedStudentDetail,
    NewStudent,
    Student,
    StudentArchivePage,
    StudentArchiveQuery,
    StudentChanges,
    StudentIds,
    StudentIn,
    StudentPage,
    StudentQuery,
    TransferOutIn,
)

from gateway.api import ADMIN, Call
from gateway.routes import api

NOT_FOUND = "学生不存在"
ARCHIVE_NOT_FOUND = "转出记录不存在"


@api.route("GET", "/students", auth=ADMIN, query=StudentQuery, response=StudentPage,
           tag="学生",
           summary="学生列表与搜索：q 搜学号、姓名、学籍号、kid 或证件号码；"
                   "counted 为其中在籍人数；不传 status 时不含毕业学生；"
                   "证件号码打码显示")
async def list_students(call: Call):
    return await call.rpc("roster.list_students", call.query)


@api.route("POST", "/students", auth=ADMIN, body=StudentIn, response=NewStudent,
           status=201, tag="学生",
           summary="添加学生（学号在同一班级内唯一，未分班的学生在本年级内唯一）；"
                   "证件号码曾从其他学校转出的，沿用原 kid，transferred_in 为 true")
async def create_student(call: Call):
    return await call.rpc("roster.create_student", call.body)


# Registered before /students/{id}: aiohttp matches routes in the order they came.
@api.route("GET", "/students/archive", auth=ADMIN, query=StudentArchiveQuery,
           response=StudentArchivePage, tag="学生",
           summary="转出学生列表（最近转出的在前，证件号码打码显示）")
async def list_student_archive(call: Call):
    return await call.rpc("roster.list_student_archive", call.query)


@api.route("GET", "/students/archive/{id}", auth=ADMIN,
           response=ArchivedStudentDetail, tag="学生",
           summary="查看一条转出记录：转出时的学生信息与所在班级的历史")
async def get_student_archive(call: Call):
    archive_id = call.path_uuid("id", ARCHIVE_NOT_FOUND)
    return await call.rpc("roster.get_student_archive", {"archive_id": archive_id})


@api.route("GET", "/students/{id}", auth=ADMIN, response=Student, tag="学生",
           summary="查看一位学生")
async def get_student(call: Call):
    student_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.get_student", {"student_id": student_id})


@api.route("PATCH", "/students/{id}", auth=ADMIN, body=StudentChanges,
           response=Student, tag="学生",
           summary="修改学生信息（只改提交的字段）：换班、改学号等；"
                   "只传 class_id 时学生随班级进入该年级")
async def update_student(call: Call):
    student_id = call.path_uuid("id", NOT_FOUND)
    changes = call.body.model_dump(mode="json", exclude_unset=True)
    return await call.rpc("roster.update_student",
                          {"student_id": student_id, **changes})


@api.route("DELETE", "/students/{id}", auth=ADMIN, tag="学生",
           summary="彻底删除学生（不存档，不可恢复；转学请用转出）")
async def delete_student(call: Call):
    student_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.delete_student", {"student_id": student_id})


@api.route("POST", "/students/disable", auth=ADMIN, body=StudentIds, tag="学生",
           summary="批量停用：停用后不能登录，学生信息保留")
async def disable_students(call: Call):
    return await call.rpc("roster.disable_students", call.body)


@api.route("POST", "/students/enable", auth=ADMIN, body=StudentIds, tag="学生",
           summary="批量启用停用的学生")
async def enable_students(call: Call):
    return await call.rpc("roster.enable_students", call.body)


@api.route("POST", "/students/{id}/transfer-out", auth=ADMIN, body=TransferOutIn,
           response=ArchivedStudentDetail, tag="学生",
           summary="学生转出：学生信息和班级历史存档后从本校移除，"
                   "转入其他学校时凭证件号码找回同一个人")
async def transfer_out_student(call: Call):
    student_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.transfer_out_student",
                          {"student_id": student_id, **call.body.model_dump()})
