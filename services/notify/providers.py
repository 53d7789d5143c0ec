"""Delivery providers: where a message goes when it is sent.

The development provider 'sends' by writing to a folder: whoever runs the suite
locally reads verification codes in `<NOTIFY_DEV_OUTBOX>/sms.jsonl` (one JSON line
per message), so activation works on a laptop without a phone. The HTTP provider
posts to a real SMS gateway configured by URL and key.
"""

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path

import aiohttp


class DeliveryFailed(Exception):
    """The provider did not take the message; it may be tried again later."""


class DevelopmentProvider:
    name = "development"

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    async def send(self, channel: str, recipient: str, body: str, message_id: str):
        line = json.dumps({"id": message_id, "to": recipient, "body": body,
                           "at": datetime.now(timezone.utc).isoformat()},
                          ensure_ascii=False)
        await asyncio.to_thread(self._append, self.folder / f"{channel}.jsonl", line)

    async def close(self) -> None:
        pass

    @staticmethod
    def _append(path: Path, line: str) -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class HttpSmsProvider:
    """POSTs `{"id", "to", "body"}` as JSON with the key in a header; 2xx means taken.

    The message id travels along so a gateway that deduplicates can do so when a
    retry follows a lost answer.
    """

    name = "http"

    def __init__(self, url: str, key: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.key = key
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout))

    async def send(self, channel: str, recipient: str, body: str, message_id: str):
        try:
            async with self._session.post(
                self.url, json={"id": message_id, "to": recipient, "body": body},
                headers={"Authorization": f"Bearer {self.key}"},
            ) as response:
                if response.status // 100 != 2:
                    raise DeliveryFailed(f"短信网关返回 {response.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise DeliveryFailed(f"短信网关无法连接：{type(error).__name__}") from None

    async def close(self) -> None:
        await self._session.close()


def make_provider(settings):
    if settings.notify_sms_provider == "http":
        if not settings.notify_sms_url:
            raise SystemExit("NOTIFY_SMS_PROVIDER=http needs NOTIFY_SMS_URL")
        return HttpSmsProvider(settings.notify_sms_url, settings.notify_sms_key)
    return DevelopmentProvider(settings.notify_dev_outbox)
