"""The session settings Conduit needs, as startup options, as role defaults, and read back."""

from adapters.postgres.session import SessionSettings, differences

WANTED = SessionSettings(statement_timeout_ms=5000)


def test_a_direct_connection_asks_for_all_three_in_its_startup_packet() -> None:
    assert WANTED.startup_options() == (
        "-c TimeZone=UTC -c statement_timeout=5000 -c plan_cache_mode=force_generic_plan"
    )


def test_a_session_as_wanted_differs_in_nothing_whichever_name_of_utc_it_shows() -> None:
    shown = {"TimeZone": "Etc/UTC", "statement_timeout": "5000", "plan_cache_mode": "force_generic_plan"}
    assert differences(WANTED, shown) == {}


def test_each_setting_that_differs_is_named_with_what_the_session_shows() -> None:
    shown = {"TimeZone": "Pacific/Auckland", "statement_timeout": "0", "plan_cache_mode": "auto"}
    assert differences(WANTED, shown) == shown
    assert differences(WANTED, {}) == dict.fromkeys(shown, "")
