"""CPU steal during a benchmark: on a shared VM, time stolen by the hypervisor inflates wall times."""


def cpu_times() -> list[int]:
    with open("/proc/stat") as f:
        return [int(v) for v in f.readline().split()[1:]]


def steal_share(before: list[int], after: list[int]) -> float:
    """Share of all CPU time that was stolen between two readings (field 8 of /proc/stat)."""
    delta = [a - b for a, b in zip(after, before)]
    return delta[7] / max(sum(delta), 1)
