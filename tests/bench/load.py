"""A closed-loop HTTP load generator: `python -m tests.bench.load < plan.json`.

It runs in a process of its own, on uvloop, so the client's work is not charged to
the test session's event loop and the same client measures the product and its
floor. The plan (JSON on standard input):

    {"base": "http://127.0.0.1:8080", "concurrency": 64, "warmup": 1, "duration": 5,
     "requests": [{"tag": "me", "method": "GET", "path": "/api/v1/me",
                   "json": null}],
     "tokens": ["..."]}

Each of `concurrency` clients sends its next request as soon as the previous one
is answered, cycling through `requests` from its own starting point, with bearer
token number (client % len(tokens)) when tokens are given. Requests started during
the first `warmup` seconds are not counted. The answer on standard output is JSON:
per tag and in all, the count, p50, p99 and max latency in ms, requests per
second, the statuses seen and the first few unexpected answers.
"""

import asyncio
import json
import sys
import time

import aiohttp


async def run(plan: dict) -> dict:
    connector = aiohttp.TCPConnector(limit=plan["concurrency"])
    timeout = aiohttp.ClientTimeout(total=60)
    tokens = plan.get("tokens") or [None]
    samples: list[tuple[str, float]] = []
    statuses: dict[str, int] = {}
    bad: list[str] = []
    start = time.perf_counter()
    counted_from = start + plan.get("warmup", 0.0)
    stop_at = counted_from + plan["duration"]

    async with aiohttp.ClientSession(plan["base"], connector=connector,
                                     timeout=timeout) as session:

        async def client(number: int) -> None:
            token = tokens[number % len(tokens)]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            requests = plan["requests"]
            turn = number % len(requests)
            while (began := time.perf_counter()) < stop_at:
                spec = requests[turn]
                turn = (turn + 1) % len(requests)
                async with session.request(spec["method"], spec["path"],
                                           json=spec.get("json"),
                                           headers=headers) as response:
                    body = await response.read()
                took = time.perf_counter() - began
                if began < counted_from:
                    continue
                statuses[str(response.status)] = statuses.get(
                    str(response.status), 0) + 1
                if response.status >= 300 and len(bad) < 5:
                    bad.append(f"{spec['tag']} {response.status} {body[:300]!r}")
                samples.append((spec["tag"], took))

        await asyncio.gather(*(client(n) for n in range(plan["concurrency"])))

    counted_for = time.perf_counter() - counted_from
    tags = {tag: _stats([t for name, t in samples if name == tag])
            for tag in dict.fromkeys(name for name, _ in samples)}
    return {"all": _stats([t for _, t in samples]), "tags": tags,
            "rps": len(samples) / counted_for, "seconds": counted_for,
            "statuses": statuses, "bad": bad}


def _stats(times: list[float]) -> dict:
    if not times:
        return {"count": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(times)
    return {"count": len(ordered), "p50": _at(ordered, 0.50) * 1000,
            "p99": _at(ordered, 0.99) * 1000, "max": ordered[-1] * 1000}


def _at(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    plan = json.load(sys.stdin)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    json.dump(asyncio.run(run(plan)), sys.stdout)


if __name__ == "__main__":
    main()
