"""Classes of the admin's school: administrative, tiered and elective."""

from shared.contracts.roster.classes import (
    Class,
    ClassBatchIn,
    ClassChanges,
    ClassIn,
    ClassPage,
    ClassQuery,
    ClassWithStudents,
)

from gateway.api import ADMIN, Call
from gateway.routes import api

NOT_FOUND = "班级不存在"


@api.route("GET", "/classes", auth=ADMIN, query=ClassQuery, response=ClassPage,
           tag="班级",
           summary="班级列表（可按年级、类型筛选），带在读人数和在籍人数")
async def list_classes(call: Call):
    return await call.rpc("roster.list_classes",
                          call.query.model_dump(mode="json", exclude_none=True))


@api.route("POST", "/classes", auth=ADMIN, body=ClassIn, response=Class, status=201,
           tag="班级",
           summary="添加一个班级：行政班 administrative、分层走班 tiered、"
                   "选修班 elective；同一年级同类班级的班号不能重复")
async def create_class(call: Call):
    return await call.rpc("roster.create_class", call.body)


@api.route("POST", "/classes/batch", auth=ADMIN, body=ClassBatchIn, response=ClassPage,
           status=201, tag="班级",
           summary="批量添加班级：在该年级同类班级的最大班号之后依次编号")
async def create_classes(call: Call):
    return await call.rpc("roster.create_classes", call.body)


@api.route("GET", "/classes/{id}", auth=ADMIN, response=ClassWithStudents,
           tag="班级", summary="查看一个班级及其学生（按学号排列）")
async def get_class(call: Call):
    class_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.get_class", {"class_id": class_id})


@api.route("PATCH", "/classes/{id}", auth=ADMIN, body=ClassChanges, response=Class,
           tag="班级", summary="修改班号、别名、虚拟班标记或排序（只改提交的字段）")
async def update_class(call: Call):
    class_id = call.path_uuid("id", NOT_FOUND)
    changes = call.body.model_dump(mode="json", exclude_unset=True)
    return await call.rpc("roster.update_class", {"class_id": class_id, **changes})


@api.route("DELETE", "/classes/{id}", auth=ADMIN, tag="班级",
           summary="删除班级（班里还有学生时不能删除）")
async def delete_class(call: Call):
    class_id = call.path_uuid("id", NOT_FOUND)
    return await call.rpc("roster.delete_class", {"class_id": class_id})
