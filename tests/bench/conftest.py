"""The benchmarks run the whole suite as the integration tests do, tuned as in
production: the importer's batch size and pause are left at their defaults.

They run only when selected (`make bench`, i.e. `pytest -m bench tests/bench`): a
plain `pytest tests` skips them, as they take minutes and prove no behaviour.
"""

import os

import pytest

from deploy.infra import free_port
from tests.bench import figures
from tests.integration.conftest import (  # noqa: F401  (fixtures)
    db,
    http,
    infra,
    new_school,
    new_school_once,
    operator,
    services,
)


@pytest.fixture(scope="session")
def suite_env(infra) -> dict:  # noqa: F811  (the fixture, by name)
    """The integration suite's settings less its small batches and pauses, which
    are there to watch a commit in progress: here every setting is its default."""
    return {**os.environ, **infra.env, "GATEWAY_PORT": str(free_port())}


def pytest_collection_modifyitems(config, items):
    markexpr = config.getoption("markexpr") or ""
    if "bench" in markexpr:
        return
    skip = pytest.mark.skip(reason="a benchmark: run it with `make bench`")
    for item in items:
        if "bench" in item.keywords:
            item.add_marker(skip)


_load_at_start: list[float] = []


def pytest_sessionstart(session):
    _load_at_start.extend(os.getloadavg())


def pytest_terminal_summary(terminalreporter):
    lines = figures.summary_lines()
    if not lines:
        return
    terminalreporter.section("benchmark figures (ratio = figure / floor)")
    for line in lines:
        terminalreporter.write_line(line)
    # Other work on the machine takes cores from the suite's processes more than
    # from a floor measured in one process: the ratios are worse on a busy host.
    terminalreporter.write_line(
        f"{os.cpu_count()} cores; load average {_load_at_start[0]:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end")
    saved = figures.save_results()
    terminalreporter.write_line(f"figures saved to {saved}")
