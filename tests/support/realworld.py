"""Where the official RealWorld material is (the Postman collection, its runner, ``openapi.yml``).

It is not ours: it is read from CONDUIT_REALWORLD_DIR, else from ../shared/realworld beside this checkout
or beside the local repository it was cloned from.
"""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def candidate_dirs() -> list[Path]:
    configured = os.environ.get("CONDUIT_REALWORLD_DIR")
    if configured:
        return [Path(configured)]
    candidates = [ROOT.parent / "shared" / "realworld"]
    origin = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    if origin and Path(origin).is_dir():  # a clone of a local repository, as CI makes
        candidates.append(Path(origin).resolve().parent / "shared" / "realworld")
    return candidates


def official_file(name: str) -> Path | str:
    """The official file ``name``, or why it cannot be found."""
    candidates = candidate_dirs()
    found = next((d / name for d in candidates if (d / name).is_file()), None)
    if found is None:
        looked = ", ".join(str(d) for d in candidates)
        return f"the RealWorld {name} was not found (looked in {looked}; set CONDUIT_REALWORLD_DIR)"
    return found
