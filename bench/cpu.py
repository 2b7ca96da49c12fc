"""CPU time spent per request by the server, the database and the load generator, read from /proc.

Latency and throughput on a shared machine say as much about the neighbours as
about riskreg; the CPU seconds each part used while serving a fixed number of
requests barely change with other load, and bound the throughput an idle
machine could reach: cores / CPU seconds per request.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from riskreg.config import normalise_database_url

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 0


def process_cpu(pid: int, with_reaped_children: bool = False) -> float:
    """User and system CPU seconds of a process (and of its children that have exited, when asked)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICKS


def tree_cpu(pid: int) -> float:
    """A process, its live children (gunicorn's workers) and the children it has reaped."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and int(fields[1]) == pid:
            children.append(int(entry.name))
    return process_cpu(pid, with_reaped_children=True) + sum(process_cpu(child) for child in children)


def postgres_backends_cpu(database_url: str) -> float:
    """CPU seconds of the PostgreSQL server processes connected to this database (same machine only)."""
    url = sa.make_url(normalise_database_url(database_url))
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        pids = connection.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
            {"name": url.database},
        ).scalars()
        total = sum(process_cpu(pid) for pid in pids)
    engine.dispose()
    return total


@dataclass
class CpuUse:
    server: float = 0.0
    database: float = 0.0
    client: float = 0.0

    def per_request_text(self, requests: int, cores: int | None = None) -> str:
        cores = cores or os.cpu_count() or 1
        parts = {"server": self.server, "PostgreSQL": self.database, "load generator": self.client}
        total = sum(parts.values())
        shown = ", ".join(f"{name} {1000 * seconds / requests:.1f}" for name, seconds in parts.items() if seconds)
        bound = f" → at most {cores * requests / total:.0f} req/s on {cores} idle cores" if total else ""
        return f"CPU ms per request: {shown}{bound}"


class CpuMeter:
    """Measures the CPU used by the gunicorn tree, the database's backends and this process over a block."""

    def __init__(self, server_pid: int, database_url: str) -> None:
        self.server_pid = server_pid
        self.database_url = database_url
        self.postgres = normalise_database_url(database_url).startswith("postgresql")

    def _now(self) -> CpuUse:
        database = postgres_backends_cpu(self.database_url) if self.postgres else 0.0
        return CpuUse(tree_cpu(self.server_pid), database, time.process_time())

    def __enter__(self) -> "CpuMeter":
        self.start = self._now()
        return self

    def __exit__(self, *_exc) -> None:
        end = self._now()
        self.used = CpuUse(
            end.server - self.start.server, end.database - self.start.database, end.client - self.start.client
        )
