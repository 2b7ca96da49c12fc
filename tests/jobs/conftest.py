"""Redis for the tests that run real RQ workers (tests/jobs/test_worker.py, test_two_servers.py)."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from riskreg import PROJECT_ROOT
from tests import served


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Skipped without Redis; RISKREG_REQUIRE_REDIS=1 (CI) makes a missing Redis a failure instead."""
    return served.require_redis()


@pytest.fixture
def queue_name() -> str:
    """A queue of the test's own: other test runs (and other installations) may share this Redis."""
    return f"riskreg-test-{secrets.token_hex(6)}"


def production_environment(database_url: str, redis_url: str, queue_name: str, instance) -> dict[str, str]:
    """How `riskreg worker` and gunicorn run in production, against the test's database and queue."""
    return dict(os.environ) | {
        "RISKREG_ENV": "production",
        "DATABASE_URL": database_url,
        "RISKREG_SECRET_KEY": "two-servers-share-this-secret",
        "RISKREG_RATELIMIT_STORAGE_URI": redis_url,
        "RISKREG_RATELIMIT_KEY_PREFIX": queue_name,
        "RISKREG_REDIS_URL": redis_url,
        "RISKREG_JOBS_QUEUE": queue_name,
        "RISKREG_JOB_RETRIES": "0",
        "RISKREG_INSTANCE_PATH": str(instance),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    }


def start_worker(environment: dict[str, str], log_path, burst: bool = False, extra=()) -> subprocess.Popen:
    command = [sys.executable, "-c", "from riskreg.cli import cli; cli()", "worker", *(["--burst"] if burst else [])]
    command += list(extra)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def kill_worker(worker: subprocess.Popen) -> None:
    """Stop a worker at once, as a machine failing would, with the work horse running its job.

    RQ forks a work horse for each job and puts it in a process group of its own: killing the worker's group
    leaves it running. The large-jobs journey's horse went on embedding 20,000 risks for minutes, on the cores
    the rest of the suite was using."""
    horses = _children(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    for horse in horses:
        with contextlib.suppress(ProcessLookupError):  # it had finished its job
            os.killpg(horse, signal.SIGKILL)
    worker.wait(timeout=60)
