"""A linguistic collation for the test server, so tests can prove an order does not come from the database.

The embedded PostgreSQL is built without ICU and uses the C library's locales; a fresh machine may have
only C and C.UTF-8, which both order strings code point by code point, as Python does. ``en_US.UTF-8``
orders them as a dictionary would (punctuation ignored at first, accents beside their letter). When the
system lacks it, glibc's ``localedef`` compiles it from the locale sources (Debian's ``locales`` package)
into a folder that ``LOCPATH`` adds to the server's search path.
"""

import locale
import os
import shutil
import subprocess
from pathlib import Path

LINGUISTIC_LOCALE = "en_US.UTF-8"
SYSTEM_LOCALES = Path("/usr/lib/locale")


def provide_linguistic_locale(folder: Path) -> bool:
    """Make ``LINGUISTIC_LOCALE`` available to processes started from now on; False when it cannot be."""
    if _installed(LINGUISTIC_LOCALE):
        return True
    localedef = shutil.which("localedef")
    if localedef is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    compiled = subprocess.run(
        [localedef, "-i", "en_US", "-f", "UTF-8", str(folder / LINGUISTIC_LOCALE)],
        capture_output=True,
        check=False,
    )
    if compiled.returncode != 0:
        return False
    # The server may run as another user (the embedded server does, under root): let it read the files.
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    # Searched first, then the system's own folder, so the locales the server already uses stay found.
    os.environ["LOCPATH"] = os.pathsep.join([str(folder), str(SYSTEM_LOCALES)])
    return True


def _installed(name: str) -> bool:
    current = locale.setlocale(locale.LC_COLLATE)
    try:
        locale.setlocale(locale.LC_COLLATE, name)
    except locale.Error:
        return False
    finally:
        locale.setlocale(locale.LC_COLLATE, current)
    return True
