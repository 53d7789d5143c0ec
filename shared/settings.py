"""Configuration from environment variables, with defaults that suit one machine.

Every process reads the same variables; a service only looks at the ones it needs.
The defaults point at the local runner's PostgreSQL and RabbitMQ on loopback, so
`python -m services.roster` works on a developer machine with nothing exported.
"""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("identity", "roster", "importer", "notify")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    # PostgreSQL: one database, one schema and one role per service.
    db_host: str = "127.0.0.1"
    db_port: int = 54329
    db_name: str = "xiaoyuan"
    # Used only by the bootstrap that creates roles and schemas.
    db_superuser_url: str = "postgresql://postgres@127.0.0.1:54329/postgres"
    db_pool_min: int = 1
    db_pool_max: int = 8

    # RabbitMQ.
    amqp_url: str = "amqp://guest:guest@127.0.0.1:56729/"
    rpc_timeout: float = Field(10.0, gt=0)

    # Gateway.
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    max_upload_bytes: int = 20 * 1024 * 1024

    # Identity.
    access_token_ttl: int = 900
    refresh_token_ttl: int = 14 * 24 * 3600
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    # Importer.
    import_max_rows: int = 200_000
    import_max_unzipped_bytes: int = 400 * 1024 * 1024
    # Rows a worker sends roster to create at a time: a batch is one request and
    # one transaction, so fewer, larger batches spend less on the way; 2000 rows
    # commit in well under the RPC timeout on a busy two-core machine.
    import_batch_size: int = 2000
    # Seconds between committed batches: spares the database in enrollment season.
    import_batch_pause: float = 0.0

    # Notify: where the development provider writes the messages it "sends".
    notify_dev_outbox: str = "var/notify"
    # "development" writes to notify_dev_outbox; "http" posts to an SMS gateway.
    notify_sms_provider: str = "development"
    notify_sms_url: str = ""
    notify_sms_key: str = ""
    notify_max_attempts: int = 6
    notify_retry_base_seconds: float = 2.0
    # At most this many messages a minute to one recipient; more wait their turn.
    notify_per_recipient_per_minute: int = 3

    # Logging: "console" for people, "json" for log shippers.
    log_format: str = "console"
    log_level: str = "INFO"

    def db_user(self, service: str) -> str:
        return f"xy_{service}"

    def db_password(self, service: str) -> str:
        # <SERVICE>_DB_PASSWORD overrides the local default for that role.
        import os

        return os.environ.get(f"{service.upper()}_DB_PASSWORD", f"local-{service}")

    def db_dsn(self, service: str) -> str:
        return (
            f"postgresql://{self.db_user(service)}:{self.db_password(service)}"
            f"@{self.db_host}:{self.db_port}/{self.db_name}"
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
