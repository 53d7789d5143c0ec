"""The roster service: schools and the people in them."""

from pathlib import Path

import asyncpg

from shared.contracts.common import ADMIN, Caller, PageQuery
from shared.contracts.roster import (
    IdNumbersIn,
    RowResult,
    School,
    SchoolAdminIn,
    SchoolIn,
    SchoolRef,
    Teacher,
    TeacherImportBatch,
    TeacherIn,
    TeacherPage,
    TeacherQuery,
    TeacherRef,
)
from shared.db.outbox import record_event
from shared.errors import Conflict, NotFound
from shared.logging import get_logger
from shared.service import Service, rpc
from shared.validators.id_numbers import MAINLAND_ID, mask_id_number
from shared.validators.phones import mask_phone

from services.roster import storage

log = get_logger("roster")

TEACHER_NOT_FOUND = "教师不存在"
DUPLICATE_ID_NUMBER = "证件号码与本校已有教师重复"


def teacher_out(row, *, masked: bool) -> Teacher:
    teacher = Teacher.model_validate(dict(row))
    if masked:
        teacher.phone = mask_phone(teacher.phone) if teacher.phone else None
        teacher.id_number = mask_id_number(teacher.id_number) if teacher.id_number else None
    return teacher


def teacher_event(row) -> dict:
    return {"id": str(row["id"]), "kid": row["kid"], "school_id": str(row["school_id"]),
            "name": row["name"], "permissions": list(row["permissions"]),
            "status": row["status"]}


class RosterService(Service):
    name = "roster"
    migrations = Path(__file__).parent / "migrations"

    # --- schools ---------------------------------------------------------------

    @rpc(model=SchoolIn)
    async def create_school(self, params: SchoolIn, caller: Caller) -> School:
        caller.require_operator()
        async with self.pool.acquire() as connection, connection.transaction():
            row = await storage.insert_school(connection, params.name, params.stages)
            if row is None:
                raise Conflict(f"已有名为“{params.name}”的学校")
            await record_event(connection, "roster.school.created",
                               {"id": str(row["id"]), "name": row["name"]})
        log.info("school_created", school_id=str(row["id"]))
        return School.model_validate(dict(row))

    @rpc(model=PageQuery)
    async def list_schools(self, params: PageQuery, caller: Caller) -> dict:
        caller.require_operator()
        async with self.pool.acquire() as connection:
            total = await connection.fetchval("SELECT count(*) FROM schools")
            rows = await connection.fetch(
                "SELECT * FROM schools ORDER BY created_at LIMIT $1 OFFSET $2",
                params.page_size, params.offset,
            )
        return {"items": [School.model_validate(dict(r)) for r in rows], "total": total}

    @rpc
    async def get_school(self, params: dict, caller: Caller) -> School:
        school_id = caller.require_school_member()
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow("SELECT * FROM schools WHERE id = $1",
                                            school_id)
        if row is None:
            raise NotFound("学校不存在")
        return School.model_validate(dict(row))

    @rpc(model=SchoolAdminIn)
    async def create_school_admin(self, params: SchoolAdminIn, caller: Caller) -> Teacher:
        """A teacher holding the admin permission; identity gives it its password."""
        caller.require_operator()
        async with self.pool.acquire() as connection, connection.transaction():
            school = await connection.fetchval(
                "SELECT id FROM schools WHERE id = $1", params.school_id
            )
            if school is None:
                raise NotFound("学校不存在")
            fields = params.model_dump() | {"id_type": MAINLAND_ID}
            row = await storage.insert_teacher(connection, school, fields, [ADMIN])
            await record_event(connection, "roster.teachers.created",
                               {"teachers": [teacher_event(row)]})
        return teacher_out(row, masked=False)

    # --- teachers --------------------------------------------------------------

    @rpc(model=TeacherIn)
    async def create_teacher(self, params: TeacherIn, caller: Caller) -> Teacher:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            try:
                row = await storage.insert_teacher(connection, school_id,
                                                   params.model_dump())
            except asyncpg.UniqueViolationError:
                raise Conflict(DUPLICATE_ID_NUMBER) from None
            await record_event(connection, "roster.teachers.created",
                               {"teachers": [teacher_event(row)]})
        log.info("teacher_created", teacher_id=str(row["id"]))
        return teacher_out(row, masked=False)

    @rpc(model=TeacherQuery)
    async def list_teachers(self, params: TeacherQuery, caller: Caller) -> TeacherPage:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            rows, total = await storage.teacher_page(
                connection, school_id, q=params.q, status=params.status,
                limit=params.page_size, offset=params.offset,
            )
        return TeacherPage(items=[teacher_out(r, masked=True) for r in rows], total=total)

    @rpc(model=TeacherRef)
    async def get_teacher(self, params: TeacherRef, caller: Caller) -> Teacher:
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            row = await storage.teacher_in_school(connection, school_id,
                                                  params.teacher_id)
        if row is None:
            raise NotFound(TEACHER_NOT_FOUND)
        return teacher_out(row, masked=False)

    # --- imports ---------------------------------------------------------------

    @rpc(model=IdNumbersIn)
    async def known_teacher_id_numbers(self, params: IdNumbersIn, caller: Caller):
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            found = await storage.existing_id_numbers(connection, school_id,
                                                      params.id_numbers)
        return sorted(found)

    @rpc(model=TeacherImportBatch)
    async def import_teachers(self, params: TeacherImportBatch, caller: Caller):
        """Create a batch of imported teachers; sending the same batch again is harmless.

        Answers each row with the kid it got, or why it was not created.
        """
        school_id = caller.require_school_admin()
        rows = [r.model_dump() for r in params.rows]
        async with self.pool.acquire() as connection, connection.transaction():
            created = await storage.insert_imported_teachers(
                connection, school_id, params.job_id, rows
            )
            if created:
                await record_event(connection, "roster.teachers.created",
                                   {"teachers": [teacher_event(r) for r in created]})
            refs = [f"{params.job_id}:{r['row']}" for r in rows]
            landed = {r["import_ref"]: r["kid"]
                      for r in await storage.teachers_by_import_refs(connection, refs)}

        results = []
        for row, ref in zip(rows, refs):
            kid = landed.get(ref)
            results.append(RowResult(row=row["row"], kid=kid,
                                     error=None if kid else DUPLICATE_ID_NUMBER))
        log.info("teachers_imported", job_id=str(params.job_id), created=len(created))
        return results
