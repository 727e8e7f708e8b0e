"""The machine's MariaDB, as the production profile uses it: databases of their own per undercloud.

The server is the one on 127.0.0.1:3306, user ``root`` without a password.  The orchestrator's
interpreter has no MySQL driver, so statements run in a service environment's Python (Mistral's and
Heat's both hold PyMySQL), one short process per call.
"""
from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

HOST = "127.0.0.1"
PORT = 3306
USER = "root"

_RUN = """\
import json, sys
import pymysql
connection = pymysql.connect(host={host!r}, port={port}, user={user!r}, connect_timeout=10)
rows = []
with connection.cursor() as cursor:
    for statement in json.loads(sys.argv[1]):
        cursor.execute(statement)
        rows = [list(row) for row in cursor.fetchall()]
connection.commit()
print(json.dumps(rows))
"""


class DatabaseUnavailable(ServiceFailed):
    """MariaDB is not there, or refused a statement; the message says which."""


def check() -> None:
    """Raise DatabaseUnavailable at once (within 3 s) unless something listens on 127.0.0.1:3306."""
    try:
        socket.create_connection((HOST, PORT), timeout=3).close()
    except OSError as error:
        raise DatabaseUnavailable(
            f"production profile needs MariaDB on {HOST}:{PORT}: {error.strerror or error}") from None


def url(database: str) -> str:
    """The SQLAlchemy URL of ``database`` (PyMySQL driver)."""
    return f"mysql+pymysql://{USER}@{HOST}:{PORT}/{database}?charset=utf8mb4"


def execute(python: Path, statements: list[str]) -> list[list]:
    """Run ``statements`` in one connection with ``python`` (which has PyMySQL); the last one's rows."""
    script = _RUN.format(host=HOST, port=PORT, user=USER)
    try:
        done = subprocess.run([str(python), "-c", script, json.dumps(statements)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise DatabaseUnavailable(f"MariaDB did not answer {statements} within 120 s") from None
    if done.returncode != 0:
        raise DatabaseUnavailable(f"MariaDB refused {statements}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)


def create(python: Path, names: list[str]) -> None:
    execute(python, [f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4" for name in names])


def drop(python: Path, names: list[str]) -> None:
    """Drop ``names``; one already gone is not an error."""
    execute(python, [f"DROP DATABASE IF EXISTS `{name}`" for name in names])


def databases(python: Path) -> list[str]:
    return [row[0] for row in execute(python, ["SHOW DATABASES"])]
