#!/usr/bin/env bash
# Idempotent machine set-up for the Makefile: python3.11, PostgreSQL and
# RabbitMQ from Debian packages when missing (as root), then .venv with the
# project installed in editable mode, reinstalled when pyproject.toml changes.
# Silent unless it has something to do.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
VENV=.venv
STAMP=$VENV/.installed
export DEBIAN_FRONTEND=noninteractive

say() { echo "bootstrap: $*" >&2; }

apt_updated=
apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        say "please install: $*"
        exit 1
    fi
    say "installing $* from Debian packages"
    if [ -z "$apt_updated" ]; then
        apt-get -q update >&2
        apt_updated=1
    fi
    apt-get -q install -y --no-install-recommends "$@" >&2
}

if ! command -v "$PYTHON" >/dev/null; then
    apt_install python3.11 python3.11-venv
fi

"$PYTHON" -m deploy.infra ensure-packages

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        apt_install python3.11-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi

if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    say "installing the project and its test dependencies into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
    touch "$STAMP"
fi
