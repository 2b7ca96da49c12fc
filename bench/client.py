"""A minimal browser for the load generator: one keep-alive connection, cookies, forms with their CSRF token.

Only ever talks to 127.0.0.1 (the gunicorn the runner started).
"""

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_FIELD = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
VERSION_FIELD = re.compile(rb'name="version"[^>]*value="(\d+)"')
# The server may close an idle keep-alive connection (a worker restarting after max_requests) before it reads
# the next request; that request was never handled, so it is sent again on a new connection.
RECONNECT_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Browser:
    def __init__(self, port: int, timeout: float = 120) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every request
        self.retries = 0

    def close(self) -> None:
        self.connection.close()

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        headers = {"User-Agent": "riskreg-bench", "Accept": "text/html", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = self._send(method, path, body, headers)
        except RECONNECT_ERRORS:
            self.retries += 1
            self.connection.close()
            response = self._send(method, path, body, headers)
        data = response.read()
        self._remember_cookies(response.headers.get_all("Set-Cookie") or [])
        if response.will_close:
            self.connection.close()
        return response.status, data

    def _send(self, method: str, path: str, body: str | None, headers: dict) -> http.client.HTTPResponse:
        self.connection.request(method, path, body=body, headers=headers)
        return self.connection.getresponse()

    def _remember_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get_form(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        """GET a page with a form; returns its hidden csrf_token and version, when present."""
        status, body = self.request("GET", path)
        hidden = {}
        if match := CSRF_FIELD.search(body):
            hidden["csrf_token"] = match.group(1).decode()
        if match := VERSION_FIELD.search(body):
            hidden["version"] = match.group(1).decode()
        return status, body, hidden

    def sign_in(self, email: str, password: str) -> None:
        status, body, hidden = self.get_form("/sign-in")
        if status != 200 or "csrf_token" not in hidden:
            raise RuntimeError(f"the sign-in page answered {status} without a form")
        status, body = self.request("POST", "/sign-in", {**hidden, "email": email, "password": password})
        if status != 302:
            raise RuntimeError(f"signing in as {email} answered {status}, not a redirect: {body[:300]!r}")
