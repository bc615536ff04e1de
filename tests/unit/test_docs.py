"""The asset workaround of entrypoints/http/docs.py, and the bundle behaviour it relies on."""

from entrypoints.http.docs import ASSETS, REDOC_BUNDLE, REDOC_CDN_LOGO, _redoc_bundle


def test_the_bundled_redoc_still_loads_its_footer_logo_from_a_cdn() -> None:
    """If this fails, the bundle no longer names the CDN and _redoc_bundle can go."""
    assert REDOC_CDN_LOGO.encode() in (ASSETS / REDOC_BUNDLE).read_bytes()


def test_the_served_redoc_bundle_names_no_cdn() -> None:
    served = _redoc_bundle()
    assert REDOC_CDN_LOGO.encode() not in served
    assert b"cdn." not in served
