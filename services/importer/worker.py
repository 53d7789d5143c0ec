"""The two steps of an import job, run by whichever worker takes the task.

Both steps can be cut off at any point (a killed process, a lost connection) and
run again from the start by another worker: parsing rewrites the job's rows, and
committing resumes at the first row not yet committed, with the batch that was in
flight sent again (roster recognises it and creates nothing twice).
"""

import asyncio
import datetime as dt
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Any
from uuid import UUID

import structlog

from shared.logging import get_logger
from services.importer import storage
from services.importer.committers import committer_for
from services.importer.kinds import get_kind
from services.importer.sheets.reader import read_rows

log = get_logger("importer.worker")

# Rows checked, prechecked with roster and stored at a time while parsing.
PARSE_CHUNK = 5000
NO_ROWS = "文件里没有可导入的数据：请在表头下面逐行填写后再上传"


@dataclass
class ParsedRow:
    row: int
    status: str
    messages: list[str]
    data: dict[str, Any]
    raw: dict[str, Any]


def _plain(value: Any) -> Any:
    """A cell value as JSON can hold it: dates as ISO text, the rest as they are."""
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return str(value)
    return value


# Types JSON holds as they are; a nested dict is a rest column's cells.
_AS_IS = frozenset({str, int, float, bool, type(None), dict, list})


def _plain_values(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of the values as JSON can hold them (see _plain), made without a
    call per value when they already are, as nearly every row's are."""
    for value in values.values():
        if type(value) not in _AS_IS:
            return {key: _plain(value) for key, value in values.items()}
    return dict(values)


def _parse_chunk(rows, validator) -> list[ParsedRow]:
    chunk = []
    for sheet_row in islice(rows, PARSE_CHUNK):
        outcome = validator.check(sheet_row)
        chunk.append(ParsedRow(outcome.row, outcome.status, list(outcome.messages),
                               _plain_values(outcome.data),
                               _plain_values(sheet_row.values)))
    return chunk


def _landed_in(results: list[dict]) -> int:
    return sum(1 for result in results if result.get("kid") is not None)


class JobRunner:
    def __init__(self, pool, bus, settings) -> None:
        self.pool = pool
        self.bus = bus
        self.settings = settings

    async def parse(self, job_id: UUID) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            job = await storage.lock_job(connection, job_id)
            if job is None or job["state"] not in ("queued", "parsing"):
                return
            await storage.set_state(connection, job_id, "parsing", done=0)
            await storage.clear_rows(connection, job_id)
            data = await storage.job_file(connection, job_id)

        structlog.contextvars.bind_contextvars(job_id=str(job_id), kind=job["kind"])
        log.info("job_parsing")
        kind = get_kind(job["kind"])
        committer = committer_for(job["kind"])
        try:
            await self._parse_rows(job, kind, committer, data)
        except Exception as error:
            await self._fail(job_id, error)
            return
        await self._finish_parse(job_id)

    async def _parse_rows(self, job, kind, committer, data: bytes) -> None:
        # read_rows checks the archive and parses the sheet when called: a thread.
        rows = await asyncio.to_thread(
            read_rows, data, kind.columns, max_rows=self.settings.import_max_rows,
            max_unzipped_bytes=self.settings.import_max_unzipped_bytes,
        )
        validator = kind.new_validator(**await committer.validator_context(self.bus, job))
        done = 0
        chunk = await asyncio.to_thread(_parse_chunk, rows, validator)
        while chunk:
            # The next chunk is checked on the thread while roster and PostgreSQL
            # work on this one; one chunk at a time touches the validator.
            following = asyncio.ensure_future(
                asyncio.to_thread(_parse_chunk, rows, validator))
            try:
                await committer.precheck(self.bus, job, chunk)
                done += len(chunk)
                async with self.pool.acquire() as connection, connection.transaction():
                    await storage.copy_rows(connection, job["id"], chunk)
                    await storage.set_progress(connection, job["id"], done, done)
            finally:
                chunk = await following

    async def _finish_parse(self, job_id: UUID) -> None:
        async with self.pool.acquire() as connection:
            counts = await storage.count_by_status(connection, job_id)
            total = sum(counts.values())
            if total == 0:
                await storage.set_state(connection, job_id, "failed", failure=NO_ROWS)
                log.warning("job_rejected", reason="no rows")
                return
            await storage.set_state(
                connection, job_id, "ready", total=total, done=total,
                ok=counts.get("ok", 0) + counts.get("warning", 0),
                warnings=counts.get("warning", 0), errors=counts.get("error", 0),
            )
        log.info("job_ready", rows=total, errors=counts.get("error", 0))

    async def _fail(self, job_id: UUID, error: Exception) -> None:
        message = getattr(error, "message", None)
        if message is None:
            log.error("job_failed", exc_info=error)
            message = "文件处理失败，请检查文件后重新上传"
        else:
            log.warning("job_rejected", reason=message)
        async with self.pool.acquire() as connection:
            await storage.set_state(connection, job_id, "failed", failure=message)

    async def commit(self, job_id: UUID) -> None:
        async with self.pool.acquire() as connection:
            job = await storage.lock_job(connection, job_id)
            landed = await storage.count_landed(connection, job_id)
        if job is None or job["state"] != "committing":
            return
        structlog.contextvars.bind_contextvars(job_id=str(job_id), kind=job["kind"])
        log.info("job_committing")
        committer = committer_for(job["kind"])
        await self._send_batches(job, committer, landed)
        await self._finish_commit(job_id)

    async def _send_batches(self, job, committer, landed: int) -> None:
        """Send the job's uncommitted rows batch by batch, storing each answer.

        Roster gets the next batch before the last one's answer is stored, and
        the batch after is read meanwhile, so the three go on in different
        processes at once. A committer whose batches never touch the same rows
        says how many may be at roster at a time (`batches_in_flight`): roster
        then works on one while the database stores another.
        """
        in_flight = getattr(committer, "batches_in_flight", 1)
        sent: deque[asyncio.Future] = deque()
        batch = await self._next_batch(job["id"], after_row=0)

        async def fill() -> None:
            nonlocal batch
            while batch and len(sent) < in_flight:
                sent.append(asyncio.ensure_future(
                    committer.commit(self.bus, job, batch)))
                batch = await self._next_batch(job["id"], after_row=batch[-1]["row"])

        try:
            await fill()
            while sent:
                results = await sent.popleft()
                await fill()
                landed += _landed_in(results)
                await self._record(job, results, landed)
                if self.settings.import_batch_pause:
                    await asyncio.sleep(self.settings.import_batch_pause)
        finally:
            # A failed step is run again by a worker, which sends again what
            # was out; roster creates nothing twice.
            for pending in sent:
                pending.cancel()
            await asyncio.gather(*sent, return_exceptions=True)

    async def _next_batch(self, job_id: UUID, *, after_row: int):
        async with self.pool.acquire() as connection:
            return await storage.next_uncommitted(
                connection, job_id, after_row, self.settings.import_batch_size
            )

    async def _record(self, job, results: list[dict], landed: int) -> None:
        """Store a batch's outcome, and `landed` rows created so far as progress."""
        async with self.pool.acquire() as connection, connection.transaction():
            await storage.record_committed(connection, job["id"], results)
            await storage.set_progress(connection, job["id"], landed, job["total"])

    async def _finish_commit(self, job_id: UUID) -> None:
        async with self.pool.acquire() as connection:
            counts = await storage.count_by_status(connection, job_id)
            landed = await storage.count_landed(connection, job_id)
            await storage.set_state(
                connection, job_id, "done", committed=landed, done=sum(counts.values()),
                ok=landed, warnings=counts.get("warning", 0),
                errors=counts.get("error", 0),
            )
        log.info("job_done", committed=landed, errors=counts.get("error", 0))
