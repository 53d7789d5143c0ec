"""Real servers and real processes for tests that cross a process boundary.

`Infra` runs a PostgreSQL cluster and a RabbitMQ node of its own on free
loopback ports, so a test session never touches the local runner's data and
two sessions can run at once. `ServiceProcess` runs one `python -m` module of
the suite with its output in a log file, and can stop, kill and restart it to
inject faults.

    infra = Infra(tmp_path_factory.mktemp("infra")).start()
    roster = ServiceProcess("roster", "services.roster", {**os.environ, **infra.env})
    roster.start()
    ...
    roster.kill()      # SIGKILL: the worker dies mid-work
    roster.start()     # and comes back
    infra.stop()
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from deploy.infra import (
    LocalPostgres,
    LocalRabbitMQ,
    free_ports,
    servers_can_reach,
    spawn,
    terminate,
)

ROOT = Path(__file__).resolve().parents[1]

# Infra.env carries this; ServiceProcess writes its log there.
LOG_DIR_VARIABLE = "TEST_LOG_DIR"


class Infra:
    """PostgreSQL (fsync off) and RabbitMQ for one test session.

    Logs and the notify outbox go under `base_dir` (a new temporary folder
    when None). The servers' data goes there too unless their system users
    cannot reach it (pytest's temporary root is private to root), in which
    case it lives in a temporary folder of its own. The data is removed by
    `stop()` unless `keep_data`; logs stay for a post-mortem.
    """

    def __init__(self, base_dir: Path | None = None, *, keep_data: bool = False):
        self._owns_base = base_dir is None
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="xiaoyuan-test-"))
        self.log_dir = self.base_dir / "log"
        self.keep_data = keep_data
        self.data_dir = self._data_dir()
        pg_port, amqp_port, dist_port, epmd_port, gateway_port = free_ports(5)
        self.gateway_port = gateway_port
        self.postgres = LocalPostgres(
            self.data_dir / "postgres",
            pg_port,
            fast=True,
            log_file=self.log_dir / "postgres.log",
        )
        self.rabbitmq = LocalRabbitMQ(
            self.data_dir / "rabbitmq",
            amqp_port,
            dist_port=dist_port,
            epmd_port=epmd_port,
            log_file=self.log_dir / "rabbitmq.log",
        )

    @property
    def env(self) -> dict[str, str]:
        """The settings a child process of the suite needs to find these servers
        (merge it over os.environ)."""
        return {
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(self.postgres.port),
            "DB_SUPERUSER_URL": self.postgres.dsn,
            "AMQP_URL": self.rabbitmq.url,
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(self.gateway_port),
            "NOTIFY_DEV_OUTBOX": str(self.base_dir / "notify"),
            "LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
            LOG_DIR_VARIABLE: str(self.log_dir),
        }

    def start(self) -> Infra:
        """Start both servers (side by side) and wait until they serve."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.base_dir / "notify").mkdir(parents=True, exist_ok=True)
        try:
            self.postgres.launch()
            self.rabbitmq.launch()
            self.postgres.wait_ready()
            self.rabbitmq.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop both servers; remove their data unless asked to keep it."""
        try:
            self.rabbitmq.stop()
        finally:
            self.postgres.stop()
        if not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if self._owns_base and not self.keep_data:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def restart_rabbitmq(self) -> None:
        """Stop the broker and start it again on the same port, data kept."""
        self.rabbitmq.stop()
        self.rabbitmq.start()

    def restart_postgres(self) -> None:
        """Stop PostgreSQL (fast shutdown) and start it again, data kept."""
        self.postgres.stop()
        self.postgres.start()

    def __enter__(self) -> Infra:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _data_dir(self) -> Path:
        if servers_can_reach(self.base_dir):
            return self.base_dir / "data"
        folder = Path(tempfile.mkdtemp(prefix="xiaoyuan-test-data-"))
        folder.chmod(0o755)
        return folder


class ServiceProcess:
    """`python -m <module>` run from the checkout, output in `<name>.log`.

    The log goes to `log_dir`, else to the folder named by TEST_LOG_DIR in
    `env` (Infra.env sets it), else to a new temporary folder. Starting again
    after a stop or a kill appends to the same log.
    """

    def __init__(
        self,
        name: str,
        module: str,
        env: dict[str, str],
        *,
        args: tuple[str, ...] = (),
        log_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = [sys.executable, "-m", module, *args]
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        folder = log_dir or env.get(LOG_DIR_VARIABLE) or tempfile.mkdtemp()
        self.log_path = Path(folder) / f"{name}.log"
        self._proc: subprocess.Popen | None = None
        self._log: IO | None = None
        self._started_at_byte = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def start(self) -> ServiceProcess:
        if self.running:
            return self
        self._close_log()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        stamp = time.strftime("%H:%M:%S")
        self._log.write(f"----- {stamp} start {' '.join(self.argv)}\n".encode())
        self._log.flush()
        self._started_at_byte = self._log.tell()
        self._proc = spawn(self.argv, env=self.env, output=self._log, cwd=ROOT)
        return self

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL past `timeout`; the exit code."""
        if self._proc is not None:
            terminate(self._proc, signal.SIGTERM, timeout)
        self._close_log()
        return self.returncode

    def kill(self) -> None:
        """SIGKILL, no chance to clean up: the crash a test wants to survive."""
        if self.running:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        self._close_log()

    def restart(self) -> ServiceProcess:
        self.stop()
        return self.start()

    def run_to_completion(self, timeout: float = 120.0) -> None:
        """Run until it exits; AssertionError with the log's tail unless it
        exits 0."""
        self.start()
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"{self.name} still ran after {timeout:.0f} s\n{self.tail()}"
            ) from None
        self._close_log()
        if code != 0:
            raise AssertionError(f"{self.name} exited with code {code}\n{self.tail()}")

    def output(self, *, since_start: bool = False) -> str:
        """The log so far, or only what the latest start has written."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._started_at_byte if since_start else 0)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 40) -> str:
        last = self.output().splitlines()[-lines:]
        return "\n".join([f"--- {self.name} ({self.log_path})", *last])

    def wait_for_output(self, text: str, timeout: float = 30.0) -> None:
        """Wait until the latest start logs `text`; AssertionError if the
        process exits first or `timeout` passes."""
        deadline = time.monotonic() + timeout
        while text not in self.output(since_start=True):
            if not self.running or time.monotonic() > deadline:
                state = "exited" if not self.running else "timed out"
                raise AssertionError(
                    f"{self.name} {state} before logging {text!r}\n{self.tail()}"
                )
            time.sleep(0.05)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
