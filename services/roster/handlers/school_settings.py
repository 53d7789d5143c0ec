"""School settings, terms and the logo.

Every change is audited and announced as `roster.school.changed`.
"""

import base64
import binascii
from uuid import UUID

import asyncpg

from shared.contracts.common import Caller
from shared.contracts.roster import (
    LOGO_MAX_BYTES,
    LogoIn,
    SchoolChanges,
    SchoolSettings,
    TermIn,
    TermSwitch,
    term_name,
)
from shared.db.outbox import record_event
from shared.errors import BadFile, Conflict, FileTooLarge, InvalidInput, NotFound
from shared.logging import get_logger
from shared.service import rpc

from services.roster.audit import record_change
from services.roster.grades import GRADE_NAMES, STAGE_NAMES, school_grades
from services.roster.storage import school_settings as storage
from services.roster.storage.schools import insert_grades

log = get_logger("roster.school_settings")

SCHOOL_NOT_FOUND = "学校不存在"
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_SETTINGS_FIELDS = ("name", "stages", "academic_year", "term")


async def settings_out(connection, row) -> SchoolSettings:
    """The school as its settings page shows it, counts included: every answer
    about the settings has this one shape."""
    counts = await storage.counts(connection, row["id"])
    return SchoolSettings.model_validate(
        dict(row) | {"term_name": term_name(row["academic_year"], row["term"]),
                     "has_logo": row["logo_type"] is not None, "counts": counts}
    )


def school_event(row) -> dict:
    return {"id": str(row["id"]), "name": row["name"], "stages": list(row["stages"]),
            "academic_year": row["academic_year"], "term": row["term"]}


def settings_fields(row) -> dict:
    return {name: row[name] for name in _SETTINGS_FIELDS}


def image_type(content: bytes) -> str | None:
    """The image's type from its first bytes, whatever the upload claimed."""
    return next((kind for magic, kind in IMAGE_TYPES.items()
                 if content.startswith(magic)), None)


def term_switch_refusal(school, academic_year: str, term: int) -> str | None:
    """Why the school cannot switch to that term, or None when it can."""
    if school["academic_year"] is None:
        return None
    if academic_year != school["academic_year"]:
        return (f"当前是{term_name(school['academic_year'], school['term'])}；"
                "进入新学年请使用“一键升学年”，班级会随之升级、毕业年级的学生毕业")
    if term <= (school["term"] or 0):
        return ("学期只能向后切换（第一学期到第二学期）；"
                "如需更正当前学年学期，请在学校设置中修改")
    return None


async def school_for_update(connection, school_id: UUID):
    row = await storage.settings(connection, school_id, for_update=True)
    if row is None:
        raise NotFound(SCHOOL_NOT_FOUND)
    return row


class SchoolSettingsHandlers:
    # --- settings ------------------------------------------------------------

    @rpc
    async def school_settings(self, params: dict, caller: Caller) -> SchoolSettings:
        """The settings page: the school with its term in words and its counts."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection:
            row = await storage.settings(connection, school_id)
            if row is None:
                raise NotFound(SCHOOL_NOT_FOUND)
            return await settings_out(connection, row)

    @rpc(model=SchoolChanges)
    async def update_school_settings(self, params: SchoolChanges,
                                     caller: Caller) -> SchoolSettings:
        """Change name, stages, year or term; a stage added brings its grades and
        usual subjects, a stage removed takes its empty grades away."""
        school_id = caller.require_school_admin()
        async with self.pool.acquire() as connection, connection.transaction():
            before = await school_for_update(connection, school_id)
            changes = self._settings_changes(before, params)
            if not changes:
                return await settings_out(connection, before)

            if "stages" in changes:
                await self._change_stages(connection, school_id, before["stages"],
                                          changes["stages"])
            after = await self._save_settings(connection, school_id, changes)

            await record_change(connection, caller, action="update",
                                target_kind="school", target_id=school_id,
                                before=settings_fields(before),
                                after=settings_fields(after))
            await record_event(connection, "roster.school.changed", school_event(after))
            settings = await settings_out(connection, after)
        log.info("school_settings_changed", fields=sorted(changes))
        return settings

    @staticmethod
    def _settings_changes(before, params: SchoolChanges) -> dict:
        changes = {name: value
                   for name, value in params.model_dump(exclude_unset=True).items()
                   if value != before[name]}
        year = changes.get("academic_year", before["academic_year"])
        if year is None and "term" in changes:
            raise InvalidInput("请同时填写当前学年，例如 2026-2027")
        if year is not None and before["term"] is None:
            changes.setdefault("term", 1)
        return changes

    async def _change_stages(self, connection, school_id: UUID, old: list[str],
                             new: list[str]) -> None:
        removed = [stage for stage in old if stage not in new]
        added = [stage for stage in new if stage not in old]
        if removed:
            grades = school_grades(removed)
            in_use = await storage.grades_in_use(connection, school_id, grades)
            if in_use:
                raise Conflict(_stage_in_use_message(removed, in_use),
                               details=[dict(row) for row in in_use])
            await storage.remove_grades(connection, school_id, grades)
        if added:
            await insert_grades(connection, school_id, school_grades(added))
            await self.seed_default_subjects(connection, school_id, added)

    @staticmethod
    async def _save_settings(connection, school_id: UUID, changes: dict):
        try:
            return await storage.update_school(connection, school_id, changes)
        except asyncpg.UniqueViolationError:
            raise Conflict(f"已有名为“{changes['name']}”的学校，请换一个名称") from None

    # --- terms -----------------------------------------------------------------

    @rpc(model=TermIn)
    async def switch_term(self, params: TermIn, caller: Caller) -> TermSwitch:
        """Move on to the named term: the second term of the current year.

        Naming the target makes a repeated request harmless: a school already in
        that term answers `changed: false`. A new year begins only by promotion.
        """
        school_id = caller.require_school_admin()
        target = {"academic_year": params.academic_year, "term": params.term}
        async with self.pool.acquire() as connection, connection.transaction():
            before = await school_for_update(connection, school_id)
            if all(before[name] == value for name, value in target.items()):
                settings = await settings_out(connection, before)
                return TermSwitch(**settings.model_dump(), changed=False)
            refusal = term_switch_refusal(before, params.academic_year, params.term)
            if refusal:
                raise Conflict(refusal)

            after = await storage.update_school(connection, school_id, target)
            await record_change(connection, caller, action="term",
                                target_kind="school", target_id=school_id,
                                before={k: before[k] for k in target}, after=target)
            await record_event(connection, "roster.school.changed", school_event(after))
            settings = await settings_out(connection, after)
        return TermSwitch(**settings.model_dump(), changed=True)

    # --- logo ------------------------------------------------------------------

    @rpc(model=LogoIn)
    async def set_school_logo(self, params: LogoIn, caller: Caller) -> SchoolSettings:
        """Store a PNG or JPEG of at most 512 KB, checked by its bytes."""
        school_id = caller.require_school_admin()
        content = _decoded_logo(params.content_b64)
        kind = image_type(content)
        if kind is None:
            raise BadFile("学校LOGO只能是 PNG 或 JPEG 图片")
        return await self._save_logo(caller, school_id, content, kind)

    @rpc
    async def remove_school_logo(self, params: dict, caller: Caller) -> SchoolSettings:
        school_id = caller.require_school_admin()
        return await self._save_logo(caller, school_id, None, None)

    async def _save_logo(self, caller: Caller, school_id: UUID, content: bytes | None,
                         kind: str | None) -> SchoolSettings:
        async with self.pool.acquire() as connection, connection.transaction():
            before = await school_for_update(connection, school_id)
            if content is None and before["logo_type"] is None:
                return await settings_out(connection, before)
            after = await storage.set_logo(connection, school_id, content, kind)
            await record_change(
                connection, caller, action="logo", target_kind="school",
                target_id=school_id, before={"logo_type": before["logo_type"]},
                after={"logo_type": kind, "bytes": len(content or b"")},
            )
            return await settings_out(connection, after)

    @rpc
    async def school_logo(self, params: dict, caller: Caller) -> dict:
        """The logo of the caller's school, for any of its members."""
        school_id = caller.require_school_member()
        async with self.pool.acquire() as connection:
            row = await storage.logo(connection, school_id)
        if row is None:
            raise NotFound("学校还没有设置LOGO")
        return {"content_type": row["logo_type"],
                "content_b64": base64.b64encode(row["logo"]).decode()}


def _decoded_logo(content_b64: str) -> bytes:
    try:
        content = base64.b64decode(content_b64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("图片内容无法读取，请重新上传") from None
    if not content:
        raise BadFile("上传的图片是空的")
    if len(content) > LOGO_MAX_BYTES:
        raise FileTooLarge(
            f"学校LOGO不能超过{LOGO_MAX_BYTES // 1024}KB，请压缩后再上传")
    return content


def _stage_in_use_message(stages: list[str], in_use) -> str:
    parts = [f"{GRADE_NAMES[row['grade']]}还有{row['classes']}个班级、"
             f"{row['students']}名学生" for row in in_use]
    names = "、".join(STAGE_NAMES[stage] for stage in stages)
    return f"不能去掉{names}学段：{'；'.join(parts)}，请先删除这些班级、移走这些学生"
