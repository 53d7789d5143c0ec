"""Local PostgreSQL and RabbitMQ servers for the runner and the test harness.

Each server is a child process of its caller, listens on 127.0.0.1 only and
keeps every file it writes under one folder, so several pairs can run side by
side on different ports. Under root the servers run as their own system users
(postgres, rabbitmq), as their binaries insist; otherwise as the caller.

Standard library only: the machine set-up runs this module before the project's
virtual environment exists (`python3.11 -m deploy.infra ensure-packages`).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

LOOPBACK = "127.0.0.1"
RABBITMQ_SBIN = Path("/usr/lib/rabbitmq/bin")
POLICY_RC = Path("/usr/sbin/policy-rc.d")

# A Unix socket path must fit in sun_path (108 bytes on Linux).
_SOCKET_PATH_MAX = 100

# Only the superuser is trusted, and only from this machine; every other role
# gives its password, as it must in production.
_PG_HBA = """\
# Written by deploy/infra.py.
local all postgres                 trust
host  all postgres  127.0.0.1/32   trust
local all all                      scram-sha-256
host  all all       127.0.0.1/32   scram-sha-256
"""

# Distribution on loopback only; no epmd of the VM's own (each node brings
# one); schedulers that sleep instead of spinning, so an idle broker leaves the
# two cores of a developer machine to the services.
_ERL_ARGS = (
    "-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false"
    " +sbwt none +sbwtdcpu none +sbwtdio none"
)


class InfraError(RuntimeError):
    """A local server could not be prepared, started or stopped."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (all held until every one is picked)."""
    held = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((LOOPBACK, 0))
            held.append(sock)
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


def is_root() -> bool:
    return os.geteuid() == 0


def spawn(
    argv: list,
    *,
    env: dict[str, str],
    output: IO | int,
    user: str | None = None,
    death_signal: signal.Signals | None = signal.SIGTERM,
    cwd: Path | None = None,
) -> subprocess.Popen:
    """Start `argv` in a session of its own, as `user` when we are root.

    Its own session keeps a terminal's Ctrl-C from reaching the child, so the
    caller alone decides the order of shutdown. Started from the main thread,
    the child also receives `death_signal` when the caller dies without
    stopping it, so a killed runner or test session leaves no server behind.
    (Linux sends that signal when the *thread* that started the child ends,
    hence the main thread only.)
    """
    prefix, options = _launcher(user, death_signal)
    return subprocess.Popen(
        [*prefix, *map(str, argv)],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        **options,
    )


def _launcher(user: str | None, death_signal: signal.Signals | None):
    setpriv = shutil.which("setpriv")
    on_main_thread = threading.current_thread() is threading.main_thread()
    flags = []
    if setpriv and death_signal and on_main_thread:
        flags += ["--pdeathsig", signal.Signals(death_signal).name[3:]]
    if user is None:
        return ([setpriv, *flags, "--"] if flags else []), {}
    if not setpriv:
        return [], {"user": user, "group": _account(user).pw_gid, "extra_groups": []}
    account = _account(user)
    switch = [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups"]
    return [setpriv, *switch, *flags, "--"], {}


def _account(user: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(user)
    except KeyError:
        raise InfraError(f"no system user {user!r}: is it installed?") from None


def _server_user(name: str) -> str | None:
    """The account a server runs as: its system user under root, else the caller."""
    return name if is_root() else None


def _own(path: Path, user: str | None, *, recursive: bool = False) -> None:
    if user is None:
        return
    account = _account(user)
    paths = [path, *path.rglob("*")] if recursive else [path]
    for each in paths:
        os.lchown(each, account.pw_uid, account.pw_gid)


def _check_reachable(folder: Path, user: str | None) -> None:
    """Fail early and clearly when `user` cannot walk down to `folder`."""
    if user is None:
        return
    uid = _account(user).pw_uid
    for parent in folder.parents:
        if not parent.exists():
            continue
        info = parent.stat()
        if info.st_uid != uid and not info.st_mode & stat.S_IXOTH:
            raise InfraError(
                f"the {user} user cannot reach {folder}: {parent} is not searchable"
                " by others (chmod o+x it, or use a folder elsewhere)"
            )


def servers_can_reach(folder: Path) -> bool:
    """Whether PostgreSQL and RabbitMQ, under their own users when we are
    root, can use `folder` (a 0700 parent such as pytest's would stop them)."""
    try:
        for name in ("postgres", "rabbitmq"):
            _check_reachable(Path(folder).absolute() / "x", _server_user(name))
    except InfraError:
        return False
    return True


def _clean_env(*prefixes: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def _run(argv: list, *, user: str | None, env: dict[str, str]) -> str:
    """Run a one-shot command as `user`; its output, or InfraError with it."""
    prefix, options = _launcher(user, None)
    done = subprocess.run(
        [*prefix, *map(str, argv)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **options,
    )
    if done.returncode != 0:
        raise InfraError(f"{Path(argv[0]).name} failed:\n{done.stdout}")
    return done.stdout


def _process_mentions(pid: int, marker: str) -> bool:
    """Whether process `pid` is alive and mentions `marker` in its command
    line or environment (how a server left by an earlier run is recognised)."""
    proc = Path(f"/proc/{pid}")
    if not Path("/proc/self").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    try:
        seen = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
    except OSError:
        return False
    return marker.encode() in seen


def _clear_stale_pid_file(pid_file: Path, marker: str, what: str) -> None:
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        pid_file.unlink(missing_ok=True)
        return
    if _process_mentions(pid, marker):
        raise InfraError(f"{what} already runs on this folder (pid {pid})")
    pid_file.unlink()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_until(
    ready: Callable[[], bool],
    proc: subprocess.Popen,
    timeout: float,
    what: str,
    log_file: Path,
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise InfraError(
                f"{what} exited with code {proc.returncode} while starting;"
                f" {log_file} ends with:\n{_tail(log_file)}"
            )
        if time.monotonic() > deadline:
            raise InfraError(f"{what} not ready in {timeout:.0f} s; see {log_file}")
        time.sleep(0.05)


def terminate(proc: subprocess.Popen, sig: signal.Signals, timeout: float) -> None:
    """Send `sig` and wait; past `timeout`, kill the child's whole session."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.wait()
    _kill_group(proc.pid)


def _kill_group(pgid: int) -> None:
    """SIGKILL whatever is left in a child's session (helpers it started)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _tcp_open(port: int) -> bool:
    try:
        socket.create_connection((LOOPBACK, port), timeout=1).close()
    except OSError:
        return False
    return True


def _amqp_answers(port: int) -> bool:
    """Whether an AMQP 0-9-1 server on `port` greets with connection.start."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            head = b""
            while len(head) < 11:
                chunk = sock.recv(11 - len(head))
                if not chunk:
                    return False
                head += chunk
    except OSError:
        return False
    kind, channel, _size, class_id, method_id = struct.unpack(">BHIHH", head)
    return (kind, channel, class_id, method_id) == (1, 0, 10, 10)


def postgres_bindir() -> Path | None:
    """Where initdb, postgres and pg_isready live (PG_BINDIR overrides)."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.decode().strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    versions = [p for p in versions if p.parent.name.isdigit()]
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    if shutil.which("postgres"):
        candidates.append(Path(shutil.which("postgres")).parent)
    for folder in candidates:
        if (folder / "postgres").exists() and (folder / "initdb").exists():
            return folder
    return None


def rabbitmq_server_script() -> Path | None:
    """The broker's real start script (not Debian's su wrapper in /usr/sbin)."""
    if (RABBITMQ_SBIN / "rabbitmq-server").exists():
        return RABBITMQ_SBIN / "rabbitmq-server"
    found = shutil.which("rabbitmq-server")
    return Path(found) if found else None


class LocalPostgres:
    """A PostgreSQL cluster in `data_dir`, served on 127.0.0.1:`port`.

    The cluster is created on the first start and kept afterwards. The
    superuser `postgres` is trusted on loopback and on the cluster's own Unix
    socket (inside `data_dir`); every other role must give its password.
    `fast=True` trades crash safety for speed (fsync, synchronous commit and
    full-page writes off): for throw-away test clusters only.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        fast: bool = False,
        log_file: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.fast = fast
        self.log_file = Path(log_file or self.data_dir / "server.log")
        # From launch to ready, the first start's initdb included.
        self.boot_seconds: float | None = None
        self._user = _server_user("postgres")
        self._proc: subprocess.Popen | None = None
        self._log: IO | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 60.0) -> str:
        """Start (creating the cluster if new), wait until it accepts
        connections and return the superuser DSN."""
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the server without waiting for it (see `wait_ready`)."""
        if self.running:
            return
        self._launched = time.monotonic()
        self._bindir = postgres_bindir()
        if self._bindir is None:
            raise InfraError("PostgreSQL is not installed (see ensure_system_packages)")
        self._prepare()
        self.stop()  # whatever is left of a server that died
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, "ab")
        self._proc = spawn(
            self._server_argv(),
            env=_clean_env("PG"),
            output=self._log,
            user=self._user,
            death_signal=signal.SIGINT,
        )

    def wait_ready(self, timeout: float = 60.0) -> str:
        try:
            _wait_until(self._accepts, self._proc, timeout, "PostgreSQL", self.log_file)
        except BaseException:
            self.stop()
            raise
        self.boot_seconds = time.monotonic() - self._launched
        return self.dsn

    def stop(self, timeout: float = 60.0) -> None:
        """Fast shutdown: clients are disconnected, the cluster is checkpointed."""
        if self._proc is not None:
            try:
                terminate(self._proc, signal.SIGINT, timeout)
            finally:
                self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _prepare(self) -> None:
        _check_reachable(self.data_dir, self._user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        for lock in (self.data_dir / "postmaster.pid", self._socket_lock()):
            if lock is not None:
                _clear_stale_pid_file(lock, f"{self.data_dir}\0", "PostgreSQL")

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if any(self.data_dir.iterdir()):
            raise InfraError(f"{self.data_dir} is not empty and holds no cluster")
        self.data_dir.chmod(0o700)
        _own(self.data_dir, self._user)
        argv = [
            self._bindir / "initdb",
            *("-D", self.data_dir, "-U", "postgres", "--auth=trust"),
            *("--encoding=UTF8", "--locale=C"),
        ]
        if self.fast:
            argv.append("--no-sync")
        _run(argv, user=self._user, env=_clean_env("PG"))
        (self.data_dir / "pg_hba.conf").write_text(_PG_HBA)

    def _socket_dir(self) -> str:
        """The data folder, or '' (no Unix socket) when its path is too long."""
        socket_path = self.data_dir / f".s.PGSQL.{self.port}.lock"
        return str(self.data_dir) if len(str(socket_path)) <= _SOCKET_PATH_MAX else ""

    def _socket_lock(self) -> Path | None:
        folder = self._socket_dir()
        return Path(folder) / f".s.PGSQL.{self.port}.lock" if folder else None

    def _server_argv(self) -> list:
        settings = ["listen_addresses=127.0.0.1", "max_connections=200",
                    # A unique-key clash's DETAIL line would print the key's values
                    # (ID numbers, phones) into the server log: keep errors terse.
                    "log_error_verbosity=terse", "log_min_error_statement=panic"]
        if self.fast:
            settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        argv = [self._bindir / "postgres", "-D", self.data_dir, "-p", self.port]
        argv += ["-k", self._socket_dir()]
        for setting in settings:
            argv += ["-c", setting]
        return argv

    def _accepts(self) -> bool:
        argv = [self._bindir / "pg_isready", "-q", "-h", LOOPBACK, "-p", str(self.port)]
        argv += ["-U", "postgres", "-d", "postgres", "-t", "2"]
        return subprocess.run(argv, env=_clean_env("PG")).returncode == 0


class LocalRabbitMQ:
    """A RabbitMQ node with its files under `data_dir`, AMQP on 127.0.0.1:`port`.

    The node is named after its port (xiaoyuan-PORT@localhost) and brings its
    own epmd on a port of its own, so nodes of several checkouts or test
    sessions never meet; its Erlang distribution listens on loopback only. No
    plugins. The default guest account works because clients connect over
    loopback. Durable queues and persistent messages survive a restart on the
    same port.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        dist_port: int | None = None,
        epmd_port: int | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.dist_port = dist_port or _neighbour_port(port, 10000)
        self.epmd_port = epmd_port or _neighbour_port(port, 20000)
        self.nodename = f"xiaoyuan-{port}@localhost"
        self.log_file = Path(log_file or self.data_dir / "log" / "node.log")
        self.boot_seconds: float | None = None
        self._user = _server_user("rabbitmq")
        self._proc: subprocess.Popen | None = None
        self._epmd: subprocess.Popen | None = None
        self._log: IO | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@{LOOPBACK}:{self.port}/"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 120.0) -> str:
        """Start, wait until the AMQP listener greets and return the URL."""
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        """Start epmd and the node without waiting for the node."""
        if self.running:
            return
        self._launched = time.monotonic()
        script = rabbitmq_server_script()
        if script is None:
            raise InfraError("RabbitMQ is not installed (see ensure_system_packages)")
        self._prepare()
        self.stop()  # whatever is left of a node that died, and its epmd
        self._log = open(self.log_file, "ab")
        try:
            self._start_epmd()
        except BaseException:
            self.stop()
            raise
        self._proc = spawn(
            [script],
            env=self._env(),
            output=self._log,
            user=self._user,
            cwd=self.data_dir,
        )

    def wait_ready(self, timeout: float = 120.0) -> str:
        ready = lambda: _amqp_answers(self.port)  # noqa: E731
        try:
            _wait_until(ready, self._proc, timeout, "RabbitMQ", self.log_file)
        except BaseException:
            self.stop()
            raise
        self.boot_seconds = time.monotonic() - self._launched
        return self.url

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the node gracefully (the start script hands SIGTERM to the
        VM and waits for it), then its epmd."""
        try:
            if self._proc is not None:
                terminate(self._proc, signal.SIGTERM, timeout)
            if self._epmd is not None:
                terminate(self._epmd, signal.SIGTERM, 5)
        finally:
            self._proc = self._epmd = None
            if self._log is not None:
                self._log.close()
                self._log = None

    def ctl(self, *args: str, tool: str = "rabbitmqctl") -> subprocess.CompletedProcess:
        """Run a RabbitMQ CLI tool (rabbitmqctl, rabbitmq-diagnostics, ...)
        against this node, e.g. `ctl("list_queues")`."""
        prefix, options = _launcher(self._user, None)
        env = self._env()
        env["RABBITMQ_CTL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}"
        folder = (rabbitmq_server_script() or RABBITMQ_SBIN / "none").parent
        argv = [*prefix, str(folder / tool), "-n", self.nodename, *args]
        return subprocess.run(
            argv, env=env, cwd=self.data_dir, capture_output=True, text=True, **options
        )

    def _prepare(self) -> None:
        folder = self.data_dir
        _check_reachable(folder, self._user)
        marker = f"RABBITMQ_MNESIA_BASE={folder / 'mnesia'}\0"
        _clear_stale_pid_file(folder / "node.pid", marker, "RabbitMQ")
        for sub in ("home", "mnesia", "log"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        (folder / "rabbitmq-env.conf").write_text(
            "# All settings are in the environment.\n"
        )
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = {LOOPBACK}:{self.port}\n"
            "loopback_users.guest = true\n"
            "log.console = true\n"
            "log.console.level = info\n"
            "log.file = false\n"
        )
        self._write_cookie(folder / "home" / ".erlang.cookie")
        _own(folder, self._user, recursive=True)

    @staticmethod
    def _write_cookie(path: Path) -> None:
        if not path.exists():
            path.write_text(secrets.token_hex(16).upper())
        path.chmod(0o400)

    def _start_epmd(self) -> None:
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        argv = [epmd, "-port", self.epmd_port, "-address", LOOPBACK]
        self._epmd = spawn(argv, env=self._env(), output=self._log, user=self._user)
        ready = lambda: _tcp_open(self.epmd_port)  # noqa: E731
        _wait_until(ready, self._epmd, 10, "epmd", self.log_file)

    def _env(self) -> dict[str, str]:
        folder = self.data_dir
        env = _clean_env("RABBITMQ_", "ERL_", "NOTIFY_SOCKET")
        env.update(
            HOME=str(folder / "home"),
            ERL_EPMD_ADDRESS=LOOPBACK,
            ERL_EPMD_PORT=str(self.epmd_port),
            RABBITMQ_NODENAME=self.nodename,
            RABBITMQ_NODE_IP_ADDRESS=LOOPBACK,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_CONF_ENV_FILE=str(folder / "rabbitmq-env.conf"),
            RABBITMQ_CONFIG_FILE=str(folder / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(folder / "advanced.config"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(folder / "enabled_plugins"),
            RABBITMQ_MNESIA_BASE=str(folder / "mnesia"),
            RABBITMQ_LOG_BASE=str(folder / "log"),
            RABBITMQ_LOGS="-",
            RABBITMQ_PID_FILE=str(folder / "node.pid"),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=_ERL_ARGS,
        )
        return env


def _neighbour_port(port: int, offset: int) -> int:
    """`port + offset`, or `port - offset` where that would pass 65535."""
    return port + offset if port + offset <= 65535 else port - offset


def missing_system_packages() -> list[str]:
    missing = []
    if postgres_bindir() is None:
        missing.append("postgresql")
    if rabbitmq_server_script() is None:
        missing.append("rabbitmq-server")
    return missing


def ensure_system_packages() -> None:
    """Install PostgreSQL and RabbitMQ from Debian packages when missing.

    Silent when both are there. Only root installs; anyone else is told what
    to install and the process exits with status 1. The packages' own services
    are kept from starting: the suite runs its servers itself.
    """
    missing = missing_system_packages()
    if not missing:
        return
    if not is_root() or not shutil.which("apt-get"):
        sys.exit(
            f"missing system packages: {' '.join(missing)}; install them first"
            " (on Debian: sudo apt-get install -y postgresql rabbitmq-server)"
        )
    print(f"installing {' '.join(missing)} from Debian packages", file=sys.stderr)
    with _services_held_back():
        if not _apt_lists_fresh():
            _apt("update")
        _apt("install", "-y", "--no-install-recommends", *missing)
    still = missing_system_packages()
    if still:
        sys.exit(f"still missing after apt-get install: {' '.join(still)}")


def _apt(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "-q", *args], env=env, check=True, stdout=sys.stderr)


def _apt_lists_fresh(max_age: float = 3600) -> bool:
    """Whether `apt-get update` ran within `max_age` seconds (run it once)."""
    lists = Path("/var/lib/apt/lists").glob("*_Packages*")
    newest = max((p.stat().st_mtime for p in lists), default=0)
    return time.time() - newest < max_age


@contextmanager
def _services_held_back() -> Iterator[None]:
    """Keep maintainer scripts from starting the services they install."""
    if POLICY_RC.exists():
        yield
        return
    POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
    POLICY_RC.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if argv == ["ensure-packages"]:
        ensure_system_packages()
        return 0
    print("usage: python -m deploy.infra ensure-packages", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
