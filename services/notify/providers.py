"""Delivery providers. The development provider 'sends' by writing to a folder.

Whoever runs the suite locally reads verification codes there (one JSON line per
message in `<NOTIFY_DEV_OUTBOX>/sms.jsonl` or `email.jsonl`), so activation works on
a laptop without a phone.
"""

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path


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

    @staticmethod
    def _append(path: Path, line: str) -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
