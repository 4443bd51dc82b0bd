"""Why each queued Dagster run waits (`warehouse queue`): one line per queued run of the instance.

Dagster's UI shows a queued run's "queue criteria" (the limits whose tags it carries) but not which
run holds them, and its queue daemon logs nothing for a run a tag limit holds back. This reads the
instance's own run-queue settings and the runs in progress, and asks Dagster's tag-limit counter
(the one the daemon uses) which limit holds each queued run and which runs fill it.
"""
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES, DagsterRun, DagsterRunStatus, RunsFilter
from dagster._core.storage.tags import PRIORITY_TAG
from dagster._utils.tags import TagConcurrencyLimitsCounter


@dataclass(frozen=True)
class Holder:
    """A run that takes a place in the queue's limits before a queued one: in progress, or queued ahead."""
    run: DagsterRun
    started_at: datetime | None
    in_progress: bool

    def describe(self) -> str:
        if not self.in_progress:
            return f"run {self.run.run_id} ({self.run.job_name}, queued ahead of it)"
        when = f"started {_utc(self.started_at)}" if self.started_at else "starting"
        return f"run {self.run.run_id} ({self.run.job_name}, {when})"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _priority(run: DagsterRun) -> int:
    try:
        return int(run.tags.get(PRIORITY_TAG, "0"))
    except ValueError:
        return 0


def open_instance(dagster_home: Path) -> dg.DagsterInstance:
    """The instance at `dagster_home`; never creates one where there is none."""
    if not (dagster_home / "dagster.yaml").is_file():
        raise ValueError(f"no Dagster instance at {dagster_home} (no dagster.yaml): `make dagster` "
                         f"creates .dagster_home, or set DAGSTER_HOME")
    return dg.DagsterInstance.from_config(str(dagster_home))


def queue_report(instance: dg.DagsterInstance) -> list[str]:
    """One line per queued run, in the order the queue daemon considers them (priority, then
    oldest first), or one line saying nothing is queued."""
    queue = instance.get_concurrency_config().run_queue_config
    if queue is None:
        return ["this instance has no run queue (its run coordinator is not the QueuedRunCoordinator)"]
    records = instance.get_run_records(filters=RunsFilter(statuses=ACTIVE_RUN_STATUSES), ascending=True)
    holders = [Holder(r.dagster_run, datetime.fromtimestamp(r.start_time, UTC) if r.start_time else None, True)
               for r in records]
    queued = sorted(instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.QUEUED]), ascending=True),
                    key=_priority, reverse=True)   # sorted is stable: oldest first within a priority
    if not queued:
        running = "; ".join(h.describe() for h in holders)
        return [f"no queued runs; {len(holders)} in progress" + (f": {running}" if running else "")]
    limits = list(queue.tag_concurrency_limits or [])
    counter = TagConcurrencyLimitsCounter(limits, [h.run for h in holders])
    lines = []
    for run in queued:
        if counter.is_blocked(run):
            reason = _held_by_tag(run, limits, holders)
        else:
            # the daemon would admit it in this pass, so the runs after it count it as a holder
            counter.update_counters_with_launched_item(run)
            running = sum(h.in_progress for h in holders)
            if queue.max_concurrent_runs != -1 and len(holders) >= queue.max_concurrent_runs:
                reason = (f"max_concurrent_runs={queue.max_concurrent_runs} is reached ({running} in progress, "
                          f"{len(holders) - running} queued ahead of it)")
            else:
                reason = ("no run-queue limit holds it: the queue daemon starts it on its next pass "
                          "(`dagster-daemon run`, which `make dagster` starts)")
                holders.append(Holder(run, None, False))
        lines.append(f"run {run.run_id} ({run.job_name}) waits: {reason}")
    return lines


def _held_by_tag(run: DagsterRun, limits: list[dict], holders: list[Holder]) -> str:
    reasons = []
    for limit in limits:
        if not TagConcurrencyLimitsCounter([limit], [h.run for h in holders]).is_blocked(run):
            continue
        # the runs that fill this limit for this run's tag: each alone fills a limit of one
        filling = [h for h in holders if TagConcurrencyLimitsCounter([{**limit, "limit": 1}], [h.run]).is_blocked(run)]
        tag = f"{limit['key']}={run.tags[limit['key']]}"
        held = ", ".join(h.describe() for h in filling)
        reasons.append(f"{tag} is held by {held}" if limit["limit"] == 1
                       else f"{tag} (limit {limit['limit']}) is held by {held}")
    return "; ".join(reasons)
