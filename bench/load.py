"""A bounded, closed-loop load generator: N clients (threads), a fixed number of requests in all."""

import itertools
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.client import Browser


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    statuses: Counter = field(default_factory=Counter)
    retries: int = 0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200)

    def percentile(self, p: int) -> float:
        """The p-th percentile latency in milliseconds (inclusive method, so p100 is the slowest)."""
        if len(self.latencies) < 2:
            return 1000 * (self.latencies[0] if self.latencies else 0.0)
        return 1000 * statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    def text(self) -> str:
        failed = f"; {self.failures} not 200 {dict(self.statuses)}" if self.failures else ""
        return (
            f"{self.per_second:.0f} req/s; p50 {self.percentile(50):.0f} ms, p95 {self.percentile(95):.0f} ms, "
            f"p99 {self.percentile(99):.0f} ms ({self.requests} requests){failed}"
        )


def run_load(browsers: list[Browser], paths: list[str], total: int, seconds: float | None = None) -> LoadResult:
    """Each browser is one client sending GETs back to back until ``total`` requests have been sent in all
    (or, when ``seconds`` is given, until that long has passed: slow pages must not hold up the whole run).

    The paths are taken in turn, so every client visits a spread of registers or risks rather than one row.
    """
    deadline = [float("inf")]
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    start = threading.Barrier(len(browsers) + 1)
    retries_before = sum(browser.retries for browser in browsers)

    def client(browser: Browser) -> None:
        mine: list[float] = []
        codes: Counter = Counter()
        start.wait()
        while time.perf_counter() < deadline[0] and (number := next(counter)) < total:
            began = time.perf_counter()
            status, _body = browser.request("GET", paths[number % len(paths)])
            mine.append(time.perf_counter() - began)
            codes[status] += 1
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=client, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    if seconds is not None:
        deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    retries = sum(browser.retries for browser in browsers) - retries_before
    return LoadResult(len(latencies), seconds, latencies, statuses, retries)
