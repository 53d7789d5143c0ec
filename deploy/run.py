"""The local runner: the whole suite on one machine, without Docker.

    python -m deploy.run          start everything (what `make run` does)
    python -m deploy.run stop     stop a runner started from this checkout

PostgreSQL and RabbitMQ keep their data under var/ of the checkout, so a
second start finds the schools of the first. The database bootstrap runs,
then identity, roster, notify, IMPORTERS importer workers (default 1) and the
gateway start as child processes. Each child's output goes to the terminal,
prefixed with its name, and to var/log/<name>.log. A child that dies is
reported and started again after a pause that grows with each failure.
Once /readyz answers, the demo school is seeded and the addresses and logins
are printed. Ctrl-C or SIGTERM stops the gateway, the services, RabbitMQ and
PostgreSQL, in that order.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from deploy.infra import (
    InfraError,
    LocalPostgres,
    LocalRabbitMQ,
    ensure_system_packages,
    spawn,
    terminate,
)

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
LOG_DIR = VAR / "log"
PID_FILE = VAR / "run.pid"
SERVICES = ("identity", "roster", "notify")
STOP_TIMEOUT = 15.0
_COLOURS = (36, 32, 33, 35, 34, 96, 92, 93, 95, 94)


class Stop(Exception):
    """Raised in the main thread by SIGINT or SIGTERM."""


class Console:
    """Lines from every child, each prefixed with its name, never interleaved."""

    def __init__(self, width: int = 10) -> None:
        self.width = width
        self._lock = threading.Lock()
        self._colour = sys.stdout.isatty()
        self._colours: dict[str, int] = {}

    def say(self, name: str, line: str) -> None:
        label = name.ljust(self.width)
        if self._colour:
            code = self._colours.setdefault(name, _COLOURS[len(self._colours) % 10])
            label = f"\033[{code}m{label}\033[0m"
        with self._lock:
            print(f"{label} | {line}", flush=True)

    def block(self, text: str) -> None:
        with self._lock:
            print(text, flush=True)


class Child:
    """A `python -m` process whose output is copied to the console and its log."""

    def __init__(self, name: str, module: str, env: dict, console: Console) -> None:
        self.name = name
        self.argv = [sys.executable, "-m", module]
        self.env = env
        self.console = console
        self.log_path = LOG_DIR / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        self.proc = spawn(self.argv, env=self.env, output=subprocess.PIPE, cwd=ROOT)
        self.started_at = time.monotonic()
        log = open(self.log_path, "ab")
        log.write(f"----- {time.strftime('%F %T')} started\n".encode())
        self._reader = threading.Thread(
            target=self._copy_output, args=(self.proc.stdout, log), daemon=True
        )
        self._reader.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        if self.proc is not None:
            terminate(self.proc, signal.SIGTERM, timeout)
        if self._reader is not None:
            self._reader.join(2)

    def wait(self) -> int:
        code = self.proc.wait()
        self._reader.join(2)
        return code

    def _copy_output(self, pipe: IO[bytes], log: IO[bytes]) -> None:
        with log:
            for raw in iter(pipe.readline, b""):
                log.write(raw)
                log.flush()
                self.console.say(self.name, raw.decode(errors="replace").rstrip())


class Server:
    """LocalPostgres or LocalRabbitMQ seen as a supervised child."""

    def __init__(self, name: str, server: LocalPostgres | LocalRabbitMQ) -> None:
        self.name = name
        self.server = server
        self.started_at = 0.0

    def start(self) -> None:
        self.server.start()
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.server.running


class Supervisor:
    """Restarts whatever died, waiting 1, 2, 4 … 30 s between tries; a child
    that stayed up for a minute starts its count again."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.children: list[Child | Server] = []
        self._failures: dict[str, int] = {}
        self._due: dict[str, float] = {}

    def tick(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.alive():
                if now - child.started_at > 60:
                    self._failures.pop(child.name, None)
            elif child.name not in self._due:
                self._schedule(child, now)
            elif now >= self._due[child.name]:
                del self._due[child.name]
                self._restart(child)

    def _schedule(self, child: Child | Server, now: float) -> None:
        failures = self._failures.get(child.name, 0) + 1
        self._failures[child.name] = failures
        delay = min(30, 2 ** (failures - 1))
        self._due[child.name] = now + delay
        how = _exit_description(child)
        self.console.say("run", f"{child.name} {how}; restarting in {delay} s")

    def _restart(self, child: Child | Server) -> None:
        try:
            child.start()
        except InfraError as error:
            self.console.say("run", f"{child.name} did not start: {error}")
        else:
            self.console.say("run", f"{child.name} started again")


def _exit_description(child: Child | Server) -> str:
    if isinstance(child, Server):
        return f"stopped unexpectedly (see {child.server.log_file})"
    code = child.proc.returncode
    if code is not None and code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


class Runner:
    def __init__(self, console: Console) -> None:
        from shared.settings import get_settings

        settings = get_settings()
        self.console = console
        self.gateway_port = settings.gateway_port
        self.importers = _importers()
        self.postgres = LocalPostgres(
            VAR / "postgres", settings.db_port, log_file=LOG_DIR / "postgres.log"
        )
        amqp_port = urlsplit(settings.amqp_url).port or 5672
        self.rabbitmq = LocalRabbitMQ(
            VAR / "rabbitmq", amqp_port, log_file=LOG_DIR / "rabbitmq.log"
        )
        self.supervisor = Supervisor(console)
        self.gateway: Child | None = None
        self.services: list[Child] = []

    def run(self) -> int:
        try:
            self._start_servers()
            if not self._bootstrap():
                return 1
            self._start_children()
            self._wait_ready_then_seed()
            while True:
                self.supervisor.tick()
                time.sleep(0.5)
        except Stop:
            return 0
        finally:
            self._shutdown()

    def _start_servers(self) -> None:
        ports = (self.postgres.port, self.rabbitmq.port, self.gateway_port)
        for port in ports:
            if not _port_free(port):
                raise InfraError(f"port {port} on 127.0.0.1 is taken")
        self.console.say("run", "starting PostgreSQL and RabbitMQ")
        self.postgres.launch()
        self.rabbitmq.launch()
        for name, server in (
            ("PostgreSQL", self.postgres),
            ("RabbitMQ", self.rabbitmq),
        ):
            server.wait_ready()
            self.console.say(
                "run",
                f"{name} ready in {server.boot_seconds:.1f} s, port {server.port}",
            )
        self.supervisor.children += [
            Server("postgres", self.postgres),
            Server("rabbitmq", self.rabbitmq),
        ]

    def _bootstrap(self) -> bool:
        bootstrap = Child("bootstrap", "shared.db.bootstrap", self._env(), self.console)
        bootstrap.start()
        code = bootstrap.wait()
        if code != 0:
            self.console.say(
                "run",
                f"database bootstrap failed (exit {code}); see {bootstrap.log_path}",
            )
        return code == 0

    def _start_children(self) -> None:
        env = self._env()
        modules = [(name, f"services.{name}") for name in SERVICES]
        for number in range(1, self.importers + 1):
            modules.append((f"importer-{number}", "services.importer"))
        self.services = [
            Child(name, module, env, self.console) for name, module in modules
        ]
        self.gateway = Child("gateway", "gateway", env, self.console)
        for child in [*self.services, self.gateway]:
            child.start()
            self.supervisor.children.append(child)

    def _wait_ready_then_seed(self) -> None:
        url = f"http://127.0.0.1:{self.gateway_port}"
        waited = time.monotonic()
        hinted = False
        while not _answers_200(f"{url}/readyz"):
            self.supervisor.tick()
            if not hinted and time.monotonic() - waited > 60:
                self.console.say("run", f"still waiting for /readyz; see {LOG_DIR}")
                hinted = True
            time.sleep(1)
        self.console.say("run", f"ready in {time.monotonic() - waited:.1f} s; seeding")
        self.console.block(_banner(url, self._seed()))

    def _seed(self) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-m", "deploy.seed_demo"]
        try:
            return subprocess.run(
                argv,
                env=self._env(),
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, 1, "", "no answer in 120 s")

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("LOG_FORMAT", "console")
        env.update(
            DB_HOST="127.0.0.1",
            DB_PORT=str(self.postgres.port),
            DB_SUPERUSER_URL=self.postgres.dsn,
            AMQP_URL=self.rabbitmq.url,
            GATEWAY_HOST="127.0.0.1",
            GATEWAY_PORT=str(self.gateway_port),
            NOTIFY_DEV_OUTBOX=str(VAR / "notify"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def _shutdown(self) -> None:
        signal.signal(signal.SIGINT, _still_stopping)
        signal.signal(signal.SIGTERM, _still_stopping)
        self.supervisor.children.clear()
        self.console.say("run", "stopping")
        if self.gateway is not None:
            self.gateway.stop()
        for child in self.services:
            child.signal_stop()
        for child in self.services:
            child.stop()
        self.rabbitmq.stop()
        self.postgres.stop()
        self.console.say("run", "stopped; the data stays in var/")


def _importers() -> int:
    value = os.environ.get("IMPORTERS", "1")
    if not value.isdigit():
        raise InfraError(f"IMPORTERS must be a number of workers, not {value!r}")
    return int(value)


def _banner(url: str, seeded: subprocess.CompletedProcess) -> str:
    lines = [
        "",
        "  校园云 is running",
        f"    API        {url}/api/v1",
        f"    docs       {url}/api/v1/docs",
        f"    logs       {LOG_DIR}",
        f"    SMS/e-mail {VAR / 'notify'} (the development provider's outbox)",
    ]
    output = (seeded.stdout + seeded.stderr).strip().splitlines()
    if seeded.returncode != 0:
        lines.append(f"  the demo seed failed (exit {seeded.returncode}):")
    lines += [f"    {line}" for line in output]
    lines += ["  Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def _port_free(port: int) -> bool:
    """Whether nothing listens on `port` (closed connections do not count,
    as the servers themselves bind with SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _answers_200(url: str) -> bool:
    # No proxy: the gateway is on this machine, whatever http_proxy says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _raise_stop(signum, _frame) -> None:
    raise Stop(signal.Signals(signum).name)


def _still_stopping(_signum, _frame) -> None:
    print("still stopping; the servers shut down cleanly first", file=sys.stderr)


def _claim_pid_file() -> None:
    running = _running_pid()
    if running:
        sys.exit(f"a runner for this checkout already runs (pid {running})")
    PID_FILE.write_text(f"{os.getpid()}\n")


def _running_pid() -> int | None:
    """The pid of this checkout's runner, if one is alive."""
    try:
        pid = int(PID_FILE.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"deploy.run" in cmdline else None


def stop_running(timeout: float = 180.0) -> int:
    """Ask this checkout's runner to stop and wait until it has."""
    pid = _running_pid()
    if pid is None:
        return 0
    print(f"stopping the runner (pid {pid})", file=sys.stderr)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _running_pid() == pid:
        if time.monotonic() > deadline:
            print(f"the runner (pid {pid}) is still stopping", file=sys.stderr)
            return 1
        time.sleep(0.2)
    return 0


def main(argv: list[str]) -> int:
    if argv == ["stop"]:
        return stop_running()
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_system_packages()
    for folder in (LOG_DIR, VAR / "notify"):
        folder.mkdir(parents=True, exist_ok=True)
    _claim_pid_file()
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    console = Console()
    try:
        return Runner(console).run()
    except Stop:
        return 0
    except InfraError as error:
        console.say("run", str(error))
        return 1
    finally:
        PID_FILE.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
