"""A real PgBouncer in transaction mode before the test PostgreSQL, in a temporary folder, on its own port.

Every database of the server is reachable through it under its own name (a ``*`` entry), as the user the
client names; PgBouncer trusts its clients (``auth_type = trust``, the user listed in its ``auth_file``,
with the server password, if any, that it logs in with). PgBouncer refuses to run as root: as root it runs
as the owner of the server's socket folder (the embedded server's own user), who may reach the socket.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.support.live import free_port

# Debian installs it outside an ordinary user's PATH.
CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer")
# Server connections per database and user: as a small production pool would be, well below the
# embedded server's max_connections (100).
POOL_SIZE = 20
MAX_CLIENTS = 1000


def binary() -> str | None:
    """Where the pgbouncer program is, or None."""
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def config(server_url: str, folder: Path, port: int) -> str:
    server = conninfo_to_dict(server_url)
    target = f"host={server.get('host') or '127.0.0.1'} port={server.get('port') or 5432}"
    return f"""[databases]
* = {target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = {MAX_CLIENTS}
admin_users = {server.get("user") or "postgres"}
"""


def run_as(server_url: str) -> list[str]:
    """``-u USER`` when running as root: the owner of the server's socket folder, else ``nobody``."""
    if os.geteuid() != 0:
        return []
    host = str(conninfo_to_dict(server_url).get("host") or "")
    owner = Path(host).owner() if host.startswith("/") and Path(host).is_dir() else "nobody"
    return ["-u", owner if owner != "root" else "nobody"]


@contextmanager
def pgbouncer_in_front(program: str, server_url: str, folder: Path) -> Iterator[int]:
    """A PgBouncer before ``server_url``'s server for the block; yields its port."""
    folder.mkdir(parents=True, exist_ok=True)
    server = conninfo_to_dict(server_url)
    user, password = server.get("user") or "postgres", server.get("password") or ""
    (folder / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    port = free_port()
    ini = folder / "pgbouncer.ini"
    ini.write_text(config(server_url, folder, port))
    log_path = folder / "pgbouncer.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [program, *run_as(server_url), str(ini)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process, log_path)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for_port(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited at start:\n{log_path.read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen within 10 s:\n{log_path.read_text()}")


def through(port: int, direct_url: str) -> str:
    """The URL of ``direct_url``'s database, as its user, through the PgBouncer on ``port``."""
    direct = conninfo_to_dict(direct_url)
    return make_conninfo(
        host="127.0.0.1", port=str(port), dbname=direct["dbname"], user=direct.get("user") or "postgres"
    )
