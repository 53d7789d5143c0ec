# One image for the gateway and every service; docker-compose.yml chooses the
# process with `command` (python -m gateway, python -m services.roster, ...).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --user-group --uid 10001 --home-dir /app \
        --shell /usr/sbin/nologin xiaoyuan

WORKDIR /app

# The dependencies alone first, read from pyproject.toml, so that a change to
# the code does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
open('/tmp/requirements.txt', 'w').write('\n'.join(deps))" \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY shared ./shared
COPY services ./services
COPY gateway ./gateway
COPY deploy ./deploy

# Where the development notification provider writes (a volume in compose).
RUN mkdir -p /app/var/notify && chown -R xiaoyuan:xiaoyuan /app/var

USER xiaoyuan
ENV NOTIFY_DEV_OUTBOX=/app/var/notify \
    LOG_FORMAT=json

EXPOSE 8080
CMD ["python", "-m", "gateway"]
