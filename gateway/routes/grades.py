"""Grades of the admin's school and the subjects each one teaches."""

from shared.contracts.roster.grades import (
    GradeSubjects,
    GradeSubjectsIn,
    GradeSubjectsReplaced,
    GradeSummaryList,
)

from gateway.api import ADMIN, Call
from gateway.routes import api


@api.route("GET", "/grades", auth=ADMIN, response=GradeSummaryList, tag="学科",
           summary="本校的年级：学段、学科模式、各类班级数量和学科数量")
async def list_grades(call: Call):
    return await call.rpc("roster.list_grades")


@api.route("GET", "/grades/{grade}/subjects", auth=ADMIN, response=GradeSubjects,
           tag="学科",
           summary="一个年级的学科，按思想品德、学业水平等七个分类列出"
                   "（年级可写 7、初一年级或七年级）")
async def get_grade_subjects(call: Call):
    return await call.rpc("roster.get_grade_subjects",
                          {"grade": call.path_param("grade")})


@api.route("PUT", "/grades/{grade}/subjects", auth=ADMIN, body=GradeSubjectsIn,
           response=GradeSubjectsReplaced, tag="学科",
           summary="保存一个年级的全部学科：保留的学科编号不变，未提交的学科连同其"
                   "备课组和任课一起删除并在 removed 中列出；3+3 模式仅限高中年级")
async def replace_grade_subjects(call: Call):
    body = call.body.model_dump(mode="json", exclude_unset=True)
    return await call.rpc("roster.replace_grade_subjects",
                          {"grade": call.path_param("grade"), **body})
