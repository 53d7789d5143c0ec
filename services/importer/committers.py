"""Where each kind of import lands: the roster call that checks and creates its rows."""

from dataclasses import dataclass

from shared.errors import InvalidInput

DUPLICATE_TEACHER = "证件号码与本校已有教师重复"


def _ctx(job) -> dict:
    return {"caller": job["caller"], "request_id": f"import-{job['id']}"}


@dataclass(frozen=True)
class TeacherCommitter:
    """Teachers: ID numbers the school already has are errors before anything lands."""

    fields = ("name", "gender", "id_type", "id_number", "phone", "remark")

    async def precheck(self, bus, job, chunk) -> None:
        wanted = {r.data["id_number"]: r for r in chunk
                  if r.status != "error" and r.data.get("id_number")}
        if not wanted:
            return
        known = await bus.call("roster.known_teacher_id_numbers",
                               {"id_numbers": list(wanted)}, ctx=_ctx(job))
        for id_number in known:
            row = wanted[id_number]
            row.status = "error"
            row.messages.append(DUPLICATE_TEACHER)

    async def commit(self, bus, job, batch) -> list[dict]:
        rows = [{"row": r["row"], **{f: r["data"].get(f) for f in self.fields}}
                for r in batch]
        return await bus.call("roster.import_teachers",
                              {"job_id": str(job["id"]), "rows": rows}, ctx=_ctx(job))


_COMMITTERS = {"teachers": TeacherCommitter()}


def committer_for(kind: str):
    try:
        return _COMMITTERS[kind]
    except KeyError:
        raise InvalidInput(f"暂不支持“{kind}”类型的导入") from None


def supported_kinds() -> tuple[str, ...]:
    return tuple(_COMMITTERS)
