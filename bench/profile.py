"""Optional sampling of the gunicorn workers with py-spy while a page is loaded (``bench/run.py --profile``).

py-spy is not a dependency: install it when profiling (``pip install py-spy``). Its raw output (collapsed
stacks, one line per stack with its sample count) is kept beside the gunicorn log, and summarised here.
"""

import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path


def py_spy() -> str | None:
    beside_python = Path(sys.executable).with_name("py-spy")
    return str(beside_python) if beside_python.exists() else shutil.which("py-spy")


@contextmanager
def sampled(pid: int, output: Path):
    """Sample ``pid`` and its worker processes while the block runs."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("--profile needs py-spy: pip install py-spy")
    # --gil: only stacks holding the GIL, i.e. Python running rather than waiting for the database or a client.
    command = [
        spy,
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--nonblocking",
        "--gil",
        "--format",
        "raw",
        "--output",
        str(output),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)  # attaching to every worker takes a moment
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def summary(raw: Path, ours: tuple[str, ...] = ("riskreg/", "templates/"), top: int = 12) -> str:
    """The frames most often on top of the stack, and our own code's share of the samples (inclusive)."""
    self_time: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        self_time[frames[-1]] += int(count)
        for frame in {frame for frame in frames if any(part in frame for part in ours)}:
            inclusive[frame] += int(count)
    if not total:
        return "no samples"
    lines = [f"{total} samples. Most often running (self):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in self_time.most_common(top)]
    lines += ["Our code, including what it calls:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)
