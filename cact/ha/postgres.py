"""The room's replicated PostgreSQL: a primary and a standby that follows it by streaming
replication, run from the programs of the embedded PostgreSQL's wheel (``pg_basebackup``,
``pg_ctl``, ``postgres``), so a room server needs nothing else installed.

Each server's data directory holds ``cact-node.conf``: what belongs to that machine (address,
port, socket, whom to follow). Everything else is the cluster's and is copied to the standby by
``pg_basebackup``. Whether commits wait for the standby (``synchronous_standby_names``) is set by
the app's guard (``cact/ha/guard.py``) as the standby comes and goes, never by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cact.kit.embedded_pg import DATABASE, SERVER_SETTINGS, bin_dir, system_account, system_user

REPLICATION_ROLE = "cact_replicator"
DEFAULT_STANDBY_NAME = "cact_standby"
NODE_FILE = "cact-node.conf"
SUPERUSER = "postgres"

# The cluster's replication settings, on top of the embedded server's tuning.
REPLICATION_SETTINGS = {
    "wal_level": "replica",
    "max_wal_senders": "5",
    "wal_keep_size": "2GB",  # a standby away for a while catches up without a new clone
    "synchronous_commit": "on",  # with a synchronous standby: on both disks before "saved"
    "synchronous_standby_names": "",  # the app's guard turns it on once the standby streams
    "wal_sender_timeout": "10s",  # a standby whose machine vanished is noticed within this
    "wal_receiver_timeout": "10s",
    "wal_receiver_status_interval": "1s",
    "hot_standby": "on",
    "hot_standby_feedback": "on",
}


class HaError(Exception):
    """A step of the replication set-up that cannot be carried out; the text says why."""


@dataclass(frozen=True)
class Node:
    pgdata: Path

    @property
    def node_file(self) -> Path:
        return self.pgdata / NODE_FILE

    @property
    def port(self) -> int:
        match = re.search(r"^port = (\d+)$", self.node_file.read_text("utf-8"), re.M)
        if match is None:
            raise HaError(f"{self.node_file}: no port (not set up by `cact ha`)")
        return int(match.group(1))

    def url(self, database: str = DATABASE) -> str:
        """The local app's URL: over the Unix socket in the data directory."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.pgdata}&port={self.port}"

    def is_standby(self) -> bool:
        return (self.pgdata / "standby.signal").exists()


def _own(path: Path) -> None:
    entry = system_account()
    if entry is not None:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(program: str, *args: str, timeout: float = 120, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            [str(bin_dir() / program), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            user=system_user(),
        )
    except subprocess.CalledProcessError as exc:
        raise HaError(f"{program} failed: {(exc.stderr or exc.stdout).strip()[-800:]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise HaError(f"{program} did not finish within {timeout:.0f} s") from exc
    return str(done.stdout)


def psql(node: Node, sql: str, database: str = "postgres") -> str:
    return _run(
        "psql",
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        str(node.pgdata),
        "-p",
        str(node.port),
        "-U",
        SUPERUSER,
        "-d",
        database,
        "-c",
        sql,
        timeout=60,
    ).strip()


def pg_ctl(node: Node, *args: str) -> None:
    _run("pg_ctl", "-w", "-t", "60", "-D", str(node.pgdata), *args, timeout=90)


def wait_ready(node: Node, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            psql(node, "SELECT 1")
            return
        except HaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _node_conf(listen: str, port: int, pgdata: Path, follow: str | None) -> str:
    lines = [
        "# This machine's part of the CACT PostgreSQL set-up (written by `cact ha`).",
        f"listen_addresses = '{listen}'",
        f"port = {port}",
        f"unix_socket_directories = '{pgdata}'",
    ]
    if follow is not None:
        lines.append(f"primary_conninfo = '{follow}'")
    return "\n".join(lines) + "\n"


def _write_private(path: Path, text: str) -> None:
    path.write_text(text, "utf-8")
    path.chmod(0o600)
    _own(path)


def _fresh_dir(pgdata: Path) -> None:
    if pgdata.exists() and any(pgdata.iterdir()):
        raise HaError(f"{pgdata} is not empty; choose a new folder (nothing was changed)")
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    _own(pgdata)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def init_primary(
    pgdata: Path, *, listen: str, port: int, allow: list[str], replication_password: str
) -> Node:
    """A new primary: initdb, this machine's settings, the replication role and its
    password, and the ``cact`` database. The server is left stopped."""
    if len(replication_password) < 16:
        raise HaError("the replication password needs at least 16 characters")
    pgdata = pgdata.expanduser().resolve()
    _fresh_dir(pgdata)
    _run(
        "initdb",
        "-D",
        str(pgdata),
        "-U",
        SUPERUSER,
        "-E",
        "UTF8",
        "--auth-local=trust",  # the socket lives in the data directory (mode 0700)
        "--auth-host=scram-sha-256",
        "--no-instructions",
    )
    node = Node(pgdata)
    _write_private(node.node_file, _node_conf(listen, port, pgdata, None))
    with (pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"\ninclude_if_exists = '{NODE_FILE}'\n")
    with (pgdata / "pg_hba.conf").open("a", encoding="utf-8") as hba:
        hba.write("\n# CACT: the standby follows this server (cact ha init-primary --allow)\n")
        for network in allow:
            hba.write(f"host replication {REPLICATION_ROLE} {network} scram-sha-256\n")
    pg_ctl(node, "start", "-l", str(pgdata / "log"))
    try:
        settings = {**SERVER_SETTINGS, **REPLICATION_SETTINGS}
        for key, value in settings.items():  # ALTER SYSTEM one at a time: never in a block
            psql(node, f"ALTER SYSTEM SET {key} = {_quote(value)}")
        psql(
            node,
            f"CREATE ROLE {REPLICATION_ROLE} WITH REPLICATION LOGIN "
            f"PASSWORD {_quote(replication_password)}",
        )
        psql(node, f'CREATE DATABASE "{DATABASE}"')
    finally:
        pg_ctl(node, "stop", "-m", "fast")
    return node


def clone_standby(
    pgdata: Path,
    *,
    primary_host: str,
    primary_port: int,
    listen: str,
    port: int,
    replication_password: str,
    name: str = DEFAULT_STANDBY_NAME,
) -> Node:
    """A standby: a base backup of the running primary, set to follow it. Left stopped."""
    pgdata = pgdata.expanduser().resolve()
    _fresh_dir(pgdata)
    try:
        _run(
            "pg_basebackup",
            "-h",
            primary_host,
            "-p",
            str(primary_port),
            "-U",
            REPLICATION_ROLE,
            "-D",
            str(pgdata),
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-password",
            timeout=3600,
            env={"PGPASSWORD": replication_password},
        )
    except HaError:
        shutil.rmtree(pgdata, ignore_errors=True)
        raise
    follow = (
        f"host={primary_host} port={primary_port} user={REPLICATION_ROLE} "
        f"password={replication_password} application_name={name}"
    ).replace("'", "")
    node = Node(pgdata)
    _write_private(node.node_file, _node_conf(listen, port, pgdata, follow))
    (pgdata / "standby.signal").touch()
    _own(pgdata / "standby.signal")
    return node


def promote(node: Node) -> None:
    """Make the standby the primary. Commits must not wait for a standby that no longer
    exists: the new primary starts alone, and its guard waits for a new standby."""
    if not node.is_standby():
        raise HaError(f"{node.pgdata} is not a standby (already a primary?)")
    wait_ready(node, 30)
    pg_ctl(node, "promote")
    deadline = time.monotonic() + 60
    while psql(node, "SELECT pg_is_in_recovery()") != "f":
        if time.monotonic() > deadline:
            raise HaError("the standby did not finish its promotion within 60 s")
        time.sleep(0.2)
    psql(node, "ALTER SYSTEM SET synchronous_standby_names = ''")
    psql(node, "SELECT pg_reload_conf()")


def exec_server(node: Node) -> None:
    """Replace this process with the PostgreSQL server (in the foreground, for systemd)."""
    program = str(bin_dir() / "postgres")
    entry = system_account()
    if entry is not None:
        os.setgid(entry.pw_gid)
        os.initgroups(entry.pw_name, entry.pw_gid)
        os.setuid(entry.pw_uid)
    os.execv(program, [program, "-D", str(node.pgdata)])


def status(node: Node) -> dict[str, object]:
    """What this server is and, on a primary, which standbys follow it and how."""
    recovery = psql(node, "SELECT pg_is_in_recovery()") == "t"
    found: dict[str, object] = {"role": "standby" if recovery else "primary"}
    if recovery:
        found["receiving"] = psql(
            node, "SELECT coalesce(max(status), 'not connected') FROM pg_stat_wal_receiver"
        )
        return found
    found["synchronous_standby_names"] = psql(node, "SHOW synchronous_standby_names")
    rows = psql(
        node,
        "SELECT application_name || ' ' || state || ' ' || sync_state FROM pg_stat_replication",
    )
    found["standbys"] = [row for row in rows.splitlines() if row]
    return found
