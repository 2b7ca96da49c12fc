"""gunicorn settings for production. Every value can be overridden on the command line or with
GUNICORN_CMD_ARGS; see docs/operations.md."""

import multiprocessing
import os

from gunicorn.http import wsgi as _gunicorn_wsgi

bind = os.environ.get("RISKREG_BIND", "127.0.0.1:8000")
# The app keeps no state in the process, so workers (and machines) scale out freely.
workers = int(os.environ.get("RISKREG_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("RISKREG_THREADS", "2"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("RISKREG_FORWARDED_ALLOW_IPS", "127.0.0.1")


def _without_server_header(default_headers):
    """gunicorn always sends "Server: gunicorn" and has no setting for it; naming the server helps only an attacker."""

    def headers(self):
        return [header for header in default_headers(self) if not header.lower().startswith("server:")]

    return headers


# Patched here, in the master, before the workers are forked, so every worker inherits it.
_gunicorn_wsgi.Response.default_headers = _without_server_header(_gunicorn_wsgi.Response.default_headers)
