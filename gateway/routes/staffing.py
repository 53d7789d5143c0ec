"""Preparation groups (备课组管理) and teaching assignments (任课管理)."""

from shared.contracts.roster.staffing import (
    AssignmentQuery,
    AssignmentsCleared,
    ClassSubjectAssignment,
    GradeAssignments,
    GradeLeaders,
    HeadTeacher,
    HeadTeacherIn,
    PrepGroup,
    PrepGroupIn,
    PrepGroups,
    StaffIn,
    StaffingQuery,
)

from gateway.api import ADMIN, Call
from gateway.routes import api

CLASS_NOT_FOUND = "班级不存在"


@api.route("GET", "/prep-groups", auth=ADMIN, query=StaffingQuery,
           response=PrepGroups, tag="备课组",
           summary="一个年级每门学科的备课组长与备课成员")
async def list_prep_groups(call: Call):
    return await call.rpc("roster.list_prep_groups", call.query)


@api.route("PUT", "/prep-groups/{grade}/{subject}", auth=ADMIN, body=PrepGroupIn,
           response=PrepGroup, tag="备课组",
           summary="设置备课组：组长与成员整体替换，备课组长必定是备课组成员；"
                   "学科可写编号或名称")
async def set_prep_group(call: Call):
    return await call.rpc("roster.set_prep_group", {
        "grade": call.path_param("grade"), "subject": call.path_param("subject"),
        **call.body.model_dump(mode="json"),
    })


@api.route("GET", "/assignments", auth=ADMIN, query=AssignmentQuery,
           response=GradeAssignments, tag="任课",
           summary="一个年级的任课关系：年级组长，各班班主任与各科任课教师")
async def get_assignments(call: Call):
    return await call.rpc("roster.get_assignments", call.query)


@api.route("PUT", "/assignments/{grade}/leaders", auth=ADMIN, body=StaffIn,
           response=GradeLeaders, tag="任课",
           summary="设置年级组长（可以是多位，空列表表示不设）")
async def set_grade_leaders(call: Call):
    return await call.rpc("roster.set_grade_leaders", {
        "grade": call.path_param("grade"), **call.body.model_dump(mode="json"),
    })


@api.route("PUT", "/classes/{id}/head-teacher", auth=ADMIN, body=HeadTeacherIn,
           response=HeadTeacher, tag="任课",
           summary="设置班主任（teacher_id 为 null 表示取消）")
async def set_head_teacher(call: Call):
    class_id = call.path_uuid("id", CLASS_NOT_FOUND)
    return await call.rpc("roster.set_head_teacher", {
        "class_id": class_id, **call.body.model_dump(mode="json"),
    })


@api.route("PUT", "/classes/{id}/subjects/{subject}", auth=ADMIN, body=StaffIn,
           response=ClassSubjectAssignment, tag="任课",
           summary="设置班级某学科的任课教师（可多位）；任课教师自动成为该学科备课组成员")
async def set_class_subject_teachers(call: Call):
    class_id = call.path_uuid("id", CLASS_NOT_FOUND)
    return await call.rpc("roster.set_class_subject_teachers", {
        "class_id": class_id, "subject": call.path_param("subject"),
        **call.body.model_dump(mode="json"),
    })


@api.route("DELETE", "/assignments", auth=ADMIN, query=StaffingQuery,
           response=AssignmentsCleared, tag="任课",
           summary="清空一个年级的任课关系（班主任、任课教师、年级组长），备课组不变")
async def clear_assignments(call: Call):
    return await call.rpc("roster.clear_assignments", call.query)
