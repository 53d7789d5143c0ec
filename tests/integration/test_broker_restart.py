"""The broker restarts under a running suite: nothing is lost, everyone reconnects."""

import asyncio

from tests.integration.api import SAMPLES


async def wait_until_answering(admin, path: str, seconds: float = 60) -> None:
    for _ in range(int(seconds * 5)):
        try:
            if (await admin.get(path)).status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{path} never answered again")


async def test_suite_keeps_working_after_the_broker_restarts(new_school, infra):
    admin = await new_school()
    response = await admin.upload("teachers", SAMPLES / "teachers-new.xlsx")
    job = await admin.wait_for_job((await response.json())["id"])

    await asyncio.to_thread(infra.restart_rabbitmq)
    await wait_until_answering(admin, "/teachers")

    await admin.json("POST", f"/imports/{job['id']}/confirm", expect=202)
    done = await admin.wait_for_job(job["id"], states=("done", "failed"))
    assert done["message"] == "60/60 导入成功"
    created = await admin.json("POST", "/teachers", expect=201,
                               json={"name": "重启后", "gender": "男"})
    assert created["kid"]
