"""Peak memory of a process and every process it starts (the generator's workers, DuckDB inside dbt):
the sum of their resident sets, sampled from /proc while the command runs. getrusage's ru_maxrss is the
largest single process, which says nothing about parallel workers."""
import os
import subprocess
import threading
import time


def _tree_rss_bytes(root: int) -> int:
    parent, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parent[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue        # the process ended while being read
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [child for child, p in parent.items() if p == pid]
    return total


def run_sampled(cmd: list[str], interval: float = 0.2, **kwargs) -> tuple[subprocess.CompletedProcess, int]:
    """subprocess.run(cmd, capture_output=True, text=True, **kwargs) and the peak of the process tree's
    summed RSS in bytes, sampled every `interval` seconds."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    peak, done = 0, threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_bytes(proc.pid))
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), peak
