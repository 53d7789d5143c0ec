"""A small client of the public API, as a web or mobile client would use it."""

import asyncio
import itertools
from dataclasses import dataclass
from pathlib import Path

import aiohttp

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"

_phones = itertools.count(13900000000 + 1000)


def next_phone() -> str:
    return str(next(_phones))


@dataclass
class Account:
    http: aiohttp.ClientSession
    token: str
    refresh_token: str
    account: dict

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **kwargs) -> aiohttp.ClientResponse:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs) -> aiohttp.ClientResponse:
        return await self.request("POST", path, **kwargs)

    async def request(self, method: str, path: str, *, headers=None, **kwargs):
        headers = {**self.headers, **(headers or {})}
        return await self.http.request(method, f"/api/v1{path}", headers=headers,
                                       **kwargs)

    async def json(self, method: str, path: str, expect: int = 200, **kwargs):
        """Call and return the JSON body, failing with the body when the status
        differs."""
        response = await self.request(method, path, **kwargs)
        body = await response.json()
        assert response.status == expect, (response.status, body)
        return body

    async def wait_until(self, holds, seconds: float = 5.0) -> dict:
        """GET /me until `holds(me)`: account changes reach the gateway in seconds."""
        for _ in range(int(seconds * 10)):
            me = await self.json("GET", "/me")
            if holds(me):
                break
            await asyncio.sleep(0.1)
        # The gateway may remember the previous answer for its token a little longer.
        await asyncio.sleep(2.1)
        return me

    async def upload(self, kind: str, path: Path | bytes, *, filename="名单.xlsx",
                     params=None) -> aiohttp.ClientResponse:
        form = aiohttp.FormData()
        content = path.read_bytes() if isinstance(path, Path) else path
        form.add_field("file", content, filename=filename,
                       content_type="application/octet-stream")
        return await self.post(f"/imports/{kind}", data=form, params=params)

    async def wait_for_job(self, job_id: str, states=("ready", "done", "failed"),
                           timeout: float = 60.0) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            job = await self.json("GET", f"/imports/{job_id}")
            if job["state"] in states:
                return job
            assert asyncio.get_running_loop().time() < deadline, job
            await asyncio.sleep(0.1)

    async def import_file(self, kind: str, path: Path) -> tuple[dict, dict]:
        """Upload, wait for the preview, confirm, wait for the end: (preview, done)."""
        response = await self.upload(kind, path)
        job = await response.json()
        assert response.status == 202, job
        preview = await self.wait_for_job(job["id"])
        assert preview["state"] == "ready", preview
        await self.json("POST", f"/imports/{job['id']}/confirm", expect=202)
        done = await self.wait_for_job(job["id"], states=("done", "failed"))
        return preview, done


async def log_in(http, login: str, password: str, *, platform=False) -> Account:
    path = "/api/v1/platform/auth/login" if platform else "/api/v1/auth/login"
    response = await http.post(path, json={"login": login, "password": password})
    body = await response.json()
    assert response.status == 200, body
    return Account(http, body["access_token"], body["refresh_token"], body["account"])
