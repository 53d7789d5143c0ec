"""How benchmarks report: each figure beside its floor measured in the same run.

The host is noisy (the same run varies 1.3-2x between passes), so a figure alone
says little; its ratio to a floor measured minutes apart on the same machine is
what a reader compares with the SPEC's target. Nothing here asserts on time.

Every figure reported is kept for the summary printed at the end of the session
and written as JSON to var/bench/, so runs before and after a change compare.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "var" / "bench"


@dataclass
class Figure:
    """One measured figure, its floor and the SPEC's target for their ratio.

    `ratio` is value / floor; `target` is how the SPEC bounds it, in words.
    """

    benchmark: str
    name: str
    value: float
    unit: str
    floor_name: str = ""
    floor: float | None = None
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor in (None, 0):
            return None
        return self.value / self.floor


_figures: list[Figure] = []


def report(benchmark: str, figures: list[Figure], notes: list[str] = ()) -> None:
    """Print a benchmark's figures as a table and keep them for the summary."""
    _figures.extend(figures)
    print()
    print(f"== {benchmark} ==")
    for line in table(figures):
        print(line)
    for note in notes:
        print(f"   {note}")


def table(figures: list[Figure]) -> list[str]:
    head = ("figure", "value", "floor (same run)", "floor", "ratio", "target")
    rows = [head] + [
        (f.name, _amount(f.value, f.unit), f.floor_name,
         _amount(f.floor, f.unit) if f.floor is not None else "",
         f"{f.ratio:.2f}" if f.ratio is not None else "", f.target)
        for f in figures
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(_pad(cell, width) for cell, width in zip(row, widths)).rstrip()
            for row in rows]


def summary_lines() -> list[str]:
    """Every figure of the session, grouped by benchmark, for the terminal summary."""
    lines = []
    for benchmark in dict.fromkeys(f.benchmark for f in _figures):
        lines.append(f"-- {benchmark}")
        lines += table([f for f in _figures if f.benchmark == benchmark])
    return lines


def save_results() -> Path | None:
    """Write the session's figures to var/bench/<time>.json; None without any."""
    if not _figures:
        return None
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    data = [asdict(f) | {"ratio": f.ratio} for f in _figures]
    path.write_text(json.dumps({"cpus": os.cpu_count(), "figures": data},
                               ensure_ascii=False, indent=1))
    return path


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit in ("s", "ms"):
        return f"{value:.3f} {unit}" if value < 10 else f"{value:.1f} {unit}"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# --- measuring helpers -------------------------------------------------------------


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    return _status_kib(pid, "VmHWM") / 1024


def reset_peak_rss(pid: int) -> bool:
    """Make the process's peak RSS its current RSS; False where Linux refuses."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")


def suite_cpu_seconds(names: dict[int, str] | None = None) -> dict[int, tuple]:
    """A reading of the CPU used so far by this process and every process under
    it (the servers and services the session started, no one else's work):
    pid -> (group, seconds), the group being the process this one started that
    the pid descends from, named from `names` (pid to name) or by its command.
    Compare two readings with cpu_between."""
    table = _process_table()
    me = os.getpid()
    reading = {}
    for pid, (_parent, ticks, _command) in table.items():
        top = _top_child(pid, me, table)
        if top is None:
            continue
        group = "tests" if top == me else (names or {}).get(top, table[top][2])
        reading[pid] = (group, ticks / os.sysconf("SC_CLK_TCK"))
    return reading


def cpu_between(before: dict[int, tuple], after: dict[int, tuple]) -> dict[str, float]:
    """CPU seconds each group spent between two suite_cpu_seconds() readings,
    and in all. Counted process by process: one that ended in between (an
    autovacuum worker, say) takes its earlier use with it rather than off."""
    used: dict[str, float] = {"all": 0.0}
    for pid, (group, seconds) in after.items():
        spent = seconds - before.get(pid, (group, 0.0))[1]
        used[group] = used.get(group, 0.0) + spent
        used["all"] += spent
    return used


def _process_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, CPU ticks used, command name) of every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ")".
        fields = stat[stat.rindex(")") + 2:].split()
        command = stat[stat.index("(") + 1:stat.rindex(")")]
        table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]),
                                  command)
    return table


def _top_child(pid: int, root: int, table) -> int | None:
    """`root` itself, or the child of `root` that `pid` descends from; else None."""
    while pid in table:
        if pid == root:
            return root
        parent = table[pid][0]
        if parent == root:
            return pid
        pid = parent
    return None


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot, all cores; less
    the suite's own (suite_cpu_seconds), what other work on the host took."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    busy = user + nice + system + irq + softirq + steal
    return busy / os.sysconf("SC_CLK_TCK")
