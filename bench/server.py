"""gunicorn serving the app on a free loopback port, configured as in production (gunicorn.conf.py)."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from riskreg import PROJECT_ROOT
from riskreg.config import normalise_database_url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """Start with ``with Gunicorn(url, log) as server:``; ``server.port`` is where it listens."""

    def __init__(
        self, database_url: str, log_path: Path, workers: int = 4, threads: int = 2, worker_class: str = "gthread"
    ) -> None:
        self.database_url = normalise_database_url(database_url)
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        self.worker_class = worker_class
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def _environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        environment.update(
            RISKREG_ENV="production",
            DATABASE_URL=self.database_url,
            RISKREG_SECRET_KEY=secrets.token_hex(32),
            RISKREG_INSTANCE_PATH=str(PROJECT_ROOT / "instance" / "bench"),
            RISKREG_BIND=f"127.0.0.1:{self.port}",
            RISKREG_WORKERS=str(self.workers),
            RISKREG_THREADS=str(self.threads),
            PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        )
        # Production refuses per-process rate limits with several workers: the local Redis, unless one is given.
        environment.setdefault("RISKREG_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/9")
        environment.setdefault("RISKREG_RATELIMIT_KEY_PREFIX", f"riskreg-bench-{self.port}")
        return environment

    def __enter__(self) -> "Gunicorn":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        # No control socket: its default path is shared by every gunicorn of the same user on the machine.
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "-k",
            self.worker_class,
            "--no-control-socket",
            "wsgi:app",
        ]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=self._environment(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self._wait_until_ready()
        return self

    def _wait_until_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s; see {self.log_path}")

    def __exit__(self, *_exc) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_count(self, text: str) -> int:
        """How many times ``text`` appears in the server's log (e.g. "database is locked")."""
        return self.log_path.read_text(errors="replace").count(text)
