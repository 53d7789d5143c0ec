"""Preparation groups (备课组) and teaching assignments (任课).

A path's grade and subject arrive as the admin wrote them (7 or 初一年级; a subject's
id or name) and are resolved by the roster within the caller's school.
"""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.contracts.roster.common import CleanText, Strict

MAX_STAFF = 500

ClassKind = Literal["administrative", "tiered", "elective"]


class TeacherSummary(BaseModel):
    """A teacher as other records show them."""

    id: UUID
    kid: int
    name: str
    remark: str | None


# --- requests at the gateway -----------------------------------------------------

class StaffingQuery(CleanText):
    grade: str = Field(min_length=1, max_length=20, title="年级")


class AssignmentQuery(StaffingQuery):
    kind: ClassKind | None = Field(None, title="班级类型")


class PrepGroupIn(Strict):
    """The whole group: who leads it and who is in it; leaders join the members."""

    leader_ids: list[UUID] = Field(max_length=MAX_STAFF, title="备课组长")
    member_ids: list[UUID] = Field(max_length=MAX_STAFF, title="备课成员")


class StaffIn(Strict):
    """Everyone who holds the role afterwards; an empty list clears it."""

    teacher_ids: list[UUID] = Field(max_length=MAX_STAFF, title="教师")


class HeadTeacherIn(Strict):
    teacher_id: UUID | None = Field(title="班主任")


# --- requests to the roster ------------------------------------------------------

class PrepGroupSet(PrepGroupIn):
    grade: str = Field(min_length=1, max_length=20, title="年级")
    subject: str = Field(min_length=1, max_length=50, title="学科")


class GradeLeadersSet(StaffIn):
    grade: str = Field(min_length=1, max_length=20, title="年级")


class HeadTeacherSet(HeadTeacherIn):
    class_id: UUID


class ClassSubjectSet(StaffIn):
    class_id: UUID
    subject: str = Field(min_length=1, max_length=50, title="学科")


# --- replies ---------------------------------------------------------------------

class PrepGroup(BaseModel):
    subject_id: UUID
    subject: str
    category: str
    leaders: list[TeacherSummary]
    members: list[TeacherSummary]


class PrepGroups(BaseModel):
    grade: int
    grade_name: str
    items: list[PrepGroup]
    total: int


class ClassSubjectTeachers(BaseModel):
    subject_id: UUID
    subject: str
    teachers: list[TeacherSummary]


class ClassAssignments(BaseModel):
    class_id: UUID
    class_name: str
    kind: ClassKind
    number: int
    alias: str | None
    virtual: bool
    head_teacher: TeacherSummary | None
    subjects: list[ClassSubjectTeachers]


class GradeAssignments(BaseModel):
    grade: int
    grade_name: str
    leaders: list[TeacherSummary]
    classes: list[ClassAssignments]


class GradeLeaders(BaseModel):
    grade: int
    grade_name: str
    leaders: list[TeacherSummary]


class HeadTeacher(BaseModel):
    class_id: UUID
    class_name: str
    head_teacher: TeacherSummary | None


class ClassSubjectAssignment(ClassSubjectTeachers):
    class_id: UUID
    class_name: str


class AssignmentsCleared(BaseModel):
    grade: int
    grade_name: str
    head_teachers: int
    subject_teachers: int
    leaders: int
