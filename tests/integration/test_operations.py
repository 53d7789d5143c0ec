"""What ops and the person running the suite rely on: health, docs, logs, messages."""

import asyncio
import io
import json
import re
from pathlib import Path

from python_calamine import CalamineWorkbook

from tests.integration.api import SAMPLES


async def test_health_and_readiness(http):
    health = await http.get("/healthz")
    ready = await http.get("/readyz")

    assert health.status == 200
    assert ready.status == 200
    assert (await ready.json())["services"] == {
        "identity": True, "roster": True, "importer": True, "notify": True}


async def test_openapi_document_covers_the_public_paths(http):
    document = await (await http.get("/api/v1/openapi.json")).json()
    docs = await http.get("/api/v1/docs")

    paths = document["paths"]
    for path, method in [("/api/v1/auth/login", "post"),
                         ("/api/v1/platform/auth/login", "post"),
                         ("/api/v1/schools/{id}/admins", "post"),
                         ("/api/v1/teachers", "get"), ("/api/v1/teachers", "post"),
                         ("/api/v1/imports/{kind}", "post"),
                         ("/api/v1/imports/{job}/rows", "get"),
                         ("/api/v1/imports/{job}/errors.xlsx", "get")]:
        assert method in paths[path], (path, method)
    assert docs.status == 200
    assert "校园云" in await docs.text()


async def test_admin_welcome_message_is_recorded_by_the_development_provider(
        new_school, suite_env, db):
    admin = await new_school()
    outbox = Path(suite_env["NOTIFY_DEV_OUTBOX"]) / "sms.jsonl"

    for _ in range(50):
        sent = [json.loads(line) for line in outbox.read_text().splitlines()] \
            if outbox.exists() else []
        if any(message["to"] == admin.phone for message in sent):
            break
        await asyncio.sleep(0.1)

    assert any(m["to"] == admin.phone and "管理员" in m["body"] for m in sent)
    state = await db.fetchval(
        "SELECT state FROM notify.messages WHERE recipient = $1", admin.phone)
    assert state == "sent"


def people_in(sample: Path) -> list[str]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(sample.read_bytes()))
    values = []
    for row in sheet.get_sheet_by_index(0).to_python():
        for cell in row:
            text = str(int(cell)) if isinstance(cell, float) else str(cell)
            if re.fullmatch(r"1\d{10}|\d{17}[\dXx]", text):
                values.append(text)
    return values


async def test_logs_hold_no_id_number_or_phone_in_clear(new_school, services):
    admin = await new_school()
    await admin.import_file("teachers", SAMPLES / "teachers-messy.xlsx")
    await admin.json("POST", "/teachers", expect=201, json={
        "name": "日志检查", "gender": "男", "phone": "15712342166",
        "id_number": "11010519491231002X"})
    secrets = people_in(SAMPLES / "teachers-messy.xlsx") + [
        "15712342166", "11010519491231002X", admin.phone]

    logs = "\n".join(process.output() for process in services.values())

    assert len(secrets) > 40
    assert "job_done" in logs and "teacher_created" in logs
    leaked = [value for value in secrets if value.upper() in logs.upper()]
    assert leaked == []


async def test_a_stopped_service_answers_504_and_recovers(new_school, services, http):
    admin = await new_school()
    services["roster"].stop()
    try:
        response = await admin.get("/teachers")
        body = await response.json()
        ready = await http.get("/readyz")
    finally:
        services["roster"].start()

    assert response.status == 504
    assert body["error"]["code"] == "service_timeout"
    assert "超时" in body["error"]["message"]
    assert ready.status == 503
    for _ in range(100):
        if (await admin.get("/teachers")).status == 200:
            break
        await asyncio.sleep(0.2)
    assert (await admin.get("/teachers")).status == 200


async def test_database_log_holds_no_key_values_of_clashes(new_school, infra):
    admin = await new_school()
    teacher = {"name": "王五", "gender": "男", "id_number": "11010519491231002X"}
    await admin.json("POST", "/teachers", expect=201, json=teacher)
    await admin.json("POST", "/teachers", expect=409, json=teacher)

    log = infra.postgres.log_file.read_text(errors="replace")

    assert "11010519491231002X" not in log
