"""The limits the settings name, as the application's throttles take them."""

from datetime import timedelta

from application.throttling import Limit, LoginLimits, WriteLimit
from entrypoints.settings import Settings


def write_limit_of(settings: Settings) -> WriteLimit | None:
    if settings.writes_per_minute == 0:
        return None
    return WriteLimit(settings.writes_per_minute, settings.write_burst)


def login_limits_of(settings: Settings) -> LoginLimits:
    window = timedelta(seconds=settings.login_throttle_seconds)
    return LoginLimits(
        per_account=Limit(attempts=settings.login_failures_per_account, window=window),
        per_client=Limit(attempts=settings.login_failures_per_client, window=window),
    )
