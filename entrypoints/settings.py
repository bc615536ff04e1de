"""Configuration from the environment (prefix CONDUIT_) and an optional .env file."""

import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_PRODUCTION_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt-secret"  # noqa: S105 (a file name, not a secret)


class Settings(BaseSettings):
    # Empty values mean "unset" (as in .env.example); the word "none" sets an optional value to None.
    model_config = SettingsConfigDict(
        env_prefix="CONDUIT_",
        env_file=".env",
        extra="ignore",
        env_ignore_empty=True,
        env_parse_none_str="none",
    )

    env: Literal["development", "production"] = "development"
    # libpq form (postgresql://user:pass@host/db); unset: an embedded server in data_dir.
    database_url: SecretStr | None = None
    # The server itself, when database_url is a transaction pooler (PgBouncer): migrations, the worker's
    # LISTEN and the bulk load's VACUUM need a session of their own. Unset: database_url.
    direct_database_url: SecretStr | None = None
    # Read replicas for the query ports (comma-separated URLs; unset: reads go to database_url). A replica
    # further behind than replica_max_lag_ms is skipped; each user's reads always see their own writes.
    read_database_url: SecretStr | None = None
    replica_max_lag_ms: int = Field(default=1_000, ge=100)
    data_dir: Path = Path(".conduit")
    jwt_secret: SecretStr | None = None
    jwt_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    pool_min_size: int = Field(default=2, ge=0)
    pool_max_size: int = Field(default=10, ge=1)
    pool_timeout_seconds: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=5_000, ge=0)
    # none turns server-side prepared statements off (PgBouncer in transaction mode needs that).
    prepare_threshold: int | None = 5
    migrate_on_start: bool = True
    cors_origins: Annotated[list[str], NoDecode] = ["*"]
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # GET /api/tags may lag a write by this much (0: always ask the database).
    tags_cache_seconds: float = Field(default=1.0, ge=0)
    password_hash_concurrency: int = Field(default=2, ge=1)
    # Brute force: failed logins counted per account and client address, and per client address, in
    # windows of login_throttle_seconds; at a limit, logins are refused (429) until the window closes.
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_client: int = Field(default=100, ge=1)
    login_throttle_seconds: int = Field(default=900, ge=1)
    # Each user's writes: a burst of write_burst, refilling by writes_per_minute (0: no limit).
    writes_per_minute: float = Field(default=30.0, ge=0)
    write_burst: int = Field(default=60, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True
    opentelemetry: bool = False
    worker_batch_size: int = Field(default=100, ge=1, le=10_000)
    worker_poll_seconds: float = Field(default=5.0, gt=0)
    worker_max_attempts: int = Field(default=5, ge=1)
    worker_retry_seconds: float = Field(default=1.0, gt=0)
    outbox_retention_days: int = Field(default=7, ge=1)
    # A follow or favorite undone and done again notifies its recipient once per window (0: every time).
    notification_repeat_hours: float = Field(default=24.0, ge=0)
    # Connections (conduit serve): a request's line and headers must arrive within header_timeout_seconds
    # and fit in max_header_bytes, its body within body_timeout_seconds after them; a worker holds at
    # most max_connections (and never more than half its file descriptors); an idle keep-alive connection
    # closes after keep_alive_seconds.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_connections: int = Field(default=4096, ge=2)
    keep_alive_seconds: int = Field(default=5, ge=1)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    # Prometheus metrics on a listener of their own at ``host``, never on the API's port (0: off).
    metrics_port: int = Field(default=9464, ge=0, le=65535)
    worker_metrics_port: int = Field(default=9465, ge=0, le=65535)
    consume_metrics_port: int = Field(default=9466, ge=0, le=65535)
    # NATS with JetStream (nats://host:4222): `conduit worker` relays the outbox there and `conduit consume`
    # delivers notifications from it (unset: the worker delivers them from the outbox itself).
    broker_url: SecretStr | None = None
    # Live notifications (GET /api/notifications/stream): a comment every stream_heartbeat_seconds keeps
    # proxies from closing a quiet stream; a user opens at most stream_connections_per_user per process.
    stream_heartbeat_seconds: float = Field(default=15.0, gt=0)
    stream_connections_per_user: int = Field(default=5, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, values: dict[str, object]) -> dict[str, object]:
        origins = values.get("cors_origins")
        if isinstance(origins, str):
            values["cors_origins"] = [o.strip() for o in origins.split(",") if o.strip()]
        return values

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("CONDUIT_POOL_MIN_SIZE must not exceed CONDUIT_POOL_MAX_SIZE")
        if self.direct_database_url is not None and self.database_url is None:
            raise ValueError("CONDUIT_DIRECT_DATABASE_URL needs CONDUIT_DATABASE_URL (the pooler's URL)")
        if self.read_database_url is not None and self.database_url is None:
            raise ValueError("CONDUIT_READ_DATABASE_URL needs CONDUIT_DATABASE_URL (the primary's URL)")
        if self.env != "production":
            return self
        secret = b"" if self.jwt_secret is None else self.jwt_secret.get_secret_value().encode()
        if len(secret) < MIN_PRODUCTION_SECRET_BYTES:
            raise ValueError(
                f"CONDUIT_JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes in production"
            )
        if self.database_url is None:
            raise ValueError("CONDUIT_DATABASE_URL must be set in production")
        return self

    def read_urls(self) -> list[str]:
        """The read replicas' URLs, in the order given; none when reads go to the primary."""
        if self.read_database_url is None:
            return []
        return [url.strip() for url in self.read_database_url.get_secret_value().split(",") if url.strip()]

    def broker(self) -> str | None:
        """The broker's URL, or None when events stay in PostgreSQL."""
        return None if self.broker_url is None else self.broker_url.get_secret_value()

    def direct_url(self, url: str) -> str:
        """The URL of the server itself, for sessions of their own; ``url`` is the one in use for the pool."""
        return url if self.direct_database_url is None else self.direct_database_url.get_secret_value()

    @property
    def log_format(self) -> Literal["json", "console"]:
        return "json" if self.env == "production" else "console"

    def signing_secret(self) -> str:
        """The configured secret; in development, one generated on first use and kept in ``data_dir``."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.data_dir / SECRET_FILE_NAME
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        self.data_dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{SECRET_FILE_NAME}.{secrets.token_hex(8)}")
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_urlsafe(64))
        try:
            # link() fails if the file exists: when processes race, the first complete file wins for all.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        return path.read_text().strip()
