"""Generate every raw table for a set of tenants into a Parquet directory.

Output layout (one directory, written completely before anything is loaded):
    <out>/raw_crm/<table>.parquet, <out>/raw_billing/..., <out>/raw_commerce/...
    <out>/generator_ledger/{mrr,planted_bad_rows,funnel,won_deals,manifest}.parquet
"""
import csv
import hashlib
import json
import multiprocessing
import os
import shutil
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from . import mess
from .b2b import B2BSimulation, FunnelRow, MrrRow, WonDealRow
from .commerce import CommerceSimulation
from .messaging import MessagingSimulation
from .profiles import tenant_profiles
from .schema import TABLES, key_of
from .timeutil import month_index, to_us

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
LEDGER_SCHEMA = "generator_ledger"
BATCH_ROWS = 256_000     # rows per record batch, hashed one by one, and per Parquet row group


def load_fx() -> dict[tuple[str, int], float]:
    """Monthly FX rates to USD from the project's seed (the same reference data the marts use)."""
    fx = {}
    with open(SEEDS_DIR / "fx_rates_monthly.csv") as f:
        for row in csv.DictReader(f):
            fx[(row["currency_code"], month_index(date.fromisoformat(row["month"])))] = float(row["rate_to_usd"])
    return fx


@dataclass
class GenerateResult:
    out_dir: Path
    row_counts: dict[str, int]
    table_sha256: dict[str, str]
    data_sha256: str
    seconds: float


class _TableWriter:
    """Appends Arrow record batches to one Parquet file and hashes the data as it goes."""

    def __init__(self, path: Path, schema: pa.Schema):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.hash = hashlib.sha256()
        self.rows = 0

    def write_batch(self, batch: pa.RecordBatch):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as w:
            w.write_batch(batch)
        self.hash.update(sink.getvalue().to_pybytes())
        self.writer.write_batch(batch, row_group_size=BATCH_ROWS)
        self.rows += batch.num_rows

    def close(self):
        self.writer.close()


def _part_path(directory: Path, schema: str, table: str) -> Path:
    """Where a tenant's rows of one table wait for the main process (_TenantParts, _append_parts)."""
    return directory / f"{schema}.{table}.arrows"


class _TenantParts:
    """One tenant's rows of every raw table, in the order they were made: an Arrow stream file per
    table (lz4-compressed), in batches of at most BATCH_ROWS. The tenant is simulated in its own
    process while the main one writes the Parquet files, tenant after tenant (_append_parts)."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.streams: dict[tuple[str, str], pa.ipc.RecordBatchStreamWriter] = {}

    def write(self, schema: str, table: str, t: pa.Table):
        if t.num_rows == 0:
            return
        if (schema, table) not in self.streams:
            self.streams[(schema, table)] = pa.ipc.new_stream(
                str(_part_path(self.directory, schema, table)), TABLES[schema][table],
                options=pa.ipc.IpcWriteOptions(compression="lz4"))
        for batch in t.to_batches(max_chunksize=BATCH_ROWS):
            self.streams[(schema, table)].write_batch(batch)

    def close(self):
        for stream in self.streams.values():
            stream.close()


@dataclass
class _TenantResult:
    """What a tenant's simulation returns besides its rows: the ground-truth ledger's parts."""
    mrr_rows: list
    funnel_rows: list
    won_rows: list
    planted: Counter
    messaging_daily: pa.Table


# Below this scale a tenant takes a few seconds, and starting a worker process (its imports) costs more
# than it saves (benchmarks/generator.py: at scale 0.05 one worker and two take the same time; at
# scale 1 two take 0.6 x the time of one)
PARALLEL_FROM_SCALE = 0.5


def default_workers(tenants: int, scale: float) -> int:
    """Tenants simulated at once: one per core, at most one per tenant; one from small scales."""
    if scale < PARALLEL_FROM_SCALE:
        return 1
    return max(1, min(os.cpu_count() or 1, tenants))


def generate(out_dir: Path, tenants: int, scale: float, seed: int, as_of_date: date,
             progress: bool = True, workers: int | None = None) -> GenerateResult:
    """Every raw table of `tenants` tenants into out_dir. Each tenant draws from its own random stream
    ([seed, tenant index]), so tenants are simulated in parallel (`workers` processes, default
    default_workers) and the output is the same, row for row and hash for hash, for any number of
    workers: the Parquet files are written by this process, tenant after tenant in their order."""
    import time
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    now = datetime(as_of_date.year, as_of_date.month, as_of_date.day)
    start = datetime(as_of_date.year - 3, as_of_date.month, 1)
    writers = {(s, t): _TableWriter(out_dir / s / f"{t}.parquet", schema)
               for s, tables in TABLES.items() for t, schema in tables.items()}
    mrr_rows, funnel_rows, won_rows, planted, messaging_days = [], [], [], Counter(), []
    profs = tenant_profiles(tenants)
    parts_root = out_dir / ".tenant_parts"
    jobs = [(i, tenant_id, prof, scale, seed, start, now, parts_root / tenant_id)
            for i, (tenant_id, prof) in enumerate(profs)]
    workers = workers or default_workers(tenants, scale)
    bar = tqdm(total=len(profs), desc="generate", unit="tenant", disable=not progress, leave=False)
    pool = None
    try:
        if workers > 1:
            # spawn, not fork: a forked child would inherit Arrow's and NumPy's thread pools mid-state
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            results = [pool.submit(_simulate_tenant, *job) for job in jobs]
        for job, pending in zip(jobs, results if pool else jobs, strict=True):
            res = pending.result() if pool else _simulate_tenant(*job)
            mrr_rows += res.mrr_rows
            funnel_rows += res.funnel_rows
            won_rows += res.won_rows
            planted.update(res.planted)
            messaging_days.append(res.messaging_daily)
            _append_parts(writers, job[-1])
            bar.update(1)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
        shutil.rmtree(parts_root, ignore_errors=True)
        bar.close()
    for w in writers.values():
        w.close()
    _write_ledger(out_dir, mrr_rows, funnel_rows, won_rows, planted)
    pq.write_table(pa.concat_tables(messaging_days), out_dir / LEDGER_SCHEMA / "messaging_daily.parquet")
    row_counts = {f"{s}.{t}": w.rows for (s, t), w in writers.items()}
    table_sha = {f"{s}.{t}": w.hash.hexdigest() for (s, t), w in writers.items()}
    data_sha = hashlib.sha256(json.dumps(table_sha, sort_keys=True).encode()).hexdigest()
    manifest = {"tenants": tenants, "scale": scale, "seed": seed, "as_of_date": as_of_date.isoformat(),
                "data_sha256": data_sha, "row_counts": row_counts, "table_sha256": table_sha}
    pq.write_table(pa.table({"key": list(manifest), "value": [json.dumps(v) for v in manifest.values()]}),
                   out_dir / LEDGER_SCHEMA / "manifest.parquet")
    return GenerateResult(out_dir, row_counts, table_sha, data_sha, time.perf_counter() - t0)


def _append_parts(writers: dict, directory: Path) -> None:
    """A simulated tenant's rows onto the end of every table's Parquet file, then its parts deleted."""
    for (schema, table), writer in writers.items():
        path = _part_path(directory, schema, table)
        if path.exists():
            with pa.memory_map(str(path)) as source:
                for batch in pa.ipc.open_stream(source):
                    writer.write_batch(batch)
    shutil.rmtree(directory)


def _simulate_tenant(i: int, tenant_id: str, prof, scale: float, seed: int, start: datetime, now: datetime,
                     parts_dir: Path) -> _TenantResult:
    """One tenant: CRM and billing, commerce, the clickstream and messaging, with the documented mess
    planted, written to parts_dir (_TenantParts). Runs in a worker process of generate()."""
    rng = np.random.default_rng([seed, i])
    now_us = to_us(now)
    last_month = month_index(now.date()) - 1
    fx = load_fx()
    parts = _TenantParts(parts_dir)
    planted = Counter()
    b2b = B2BSimulation(tenant_id, prof, scale, rng, start, now)
    b2b.run()
    tables = b2b.tables()
    mrr = b2b.ledger_mrr(fx, last_month)
    funnel = b2b.ledger_funnel({row.customer_id for row in mrr})
    won = b2b.ledger_won_deals(fx)
    com = CommerceSimulation(tenant_id, prof, scale, rng, start, now, [c.email for c in b2b.customers])
    tables.update(com.run())
    for (schema, table), t in tables.items():
        _write_with_mess(parts, planted, schema, table, t, rng, now_us, tenant_id)
    for chunk in com.web_event_chunks():
        _write_with_mess(parts, planted, "raw_commerce", "web_events", chunk, rng, now_us, tenant_id)
    msg = MessagingSimulation(
        tenant_id, prof, scale, rng, start, now,
        crm_account_ids=sorted(set(tables[("raw_crm", "accounts")]["id"].drop_null().to_pylist())),
        crm_user_ids=sorted(set(tables[("raw_crm", "users")]["id"].drop_null().to_pylist())),
        commerce_customer_ids=sorted(set(tables[("raw_commerce", "customers")]["id"].drop_null().to_pylist()))
        if ("raw_commerce", "customers") in tables else [])
    for table, t in msg.tables().items():
        _write_with_mess(parts, planted, "raw_messaging", table, t, rng, now_us, tenant_id)
    for messages, status_events in msg.message_chunks():
        _write_with_mess(parts, planted, "raw_messaging", "messages", messages, rng, now_us, tenant_id)
        _write_with_mess(parts, planted, "raw_messaging", "message_status_events", status_events, rng, now_us,
                         tenant_id)
    parts.close()
    return _TenantResult(mrr, funnel, won, planted, msg.ledger_daily())


def _write_with_mess(parts: _TenantParts, planted, schema, table, t, rng, now_us, tenant_id):
    bad, counts = mess.plant_bad_rows(schema, table, t, key_of(schema, table), rng)
    for reason, k in counts.items():
        planted[(tenant_id, f"{schema}.{table}", reason)] += k
    t = mess.add_text_noise(t, rng)
    t = mess.add_duplicate_loads(t, rng, now_us)
    parts.write(schema, table, t)
    if bad is not None:
        parts.write(schema, table, bad)


def _write_ledger(out_dir: Path, mrr_rows: list[MrrRow], funnel_rows: list[FunnelRow],
                  won_rows: list[WonDealRow], planted: Counter):
    d = out_dir / LEDGER_SCHEMA
    d.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({
        "tenant_id": pa.array([r.tenant_id for r in mrr_rows], pa.string()),
        "customer_id": pa.array([r.customer_id for r in mrr_rows], pa.string()),
        "month": pa.array([r.month for r in mrr_rows], pa.date32()),
        "mrr_usd": pa.array([r.mrr_usd for r in mrr_rows], pa.float64()),
    }), d / "mrr.parquet")
    pq.write_table(pa.table({name: pa.array([getattr(r, name) for r in funnel_rows])
                             for name in (f.name for f in fields(FunnelRow))}),
                   d / "funnel.parquet")
    pq.write_table(pa.table({
        "tenant_id": pa.array([r.tenant_id for r in won_rows], pa.string()),
        "opportunity_id": pa.array([r.opportunity_id for r in won_rows], pa.string()),
        "owner_user_id": pa.array([r.owner_user_id for r in won_rows], pa.string()),
        "closed_month": pa.array([r.closed_month for r in won_rows], pa.date32()),
        "sales_cycle_days": pa.array([r.sales_cycle_days for r in won_rows], pa.int64()),
        "amount_usd": pa.array([r.amount_usd for r in won_rows], pa.float64()),
    }), d / "won_deals.parquet")
    keys = sorted(planted)   # (tenant_id, source_table, reason)
    pq.write_table(pa.table({
        "tenant_id": pa.array([tenant for tenant, _, _ in keys], pa.string()),
        "source_table": pa.array([table for _, table, _ in keys], pa.string()),
        "reason": pa.array([reason for _, _, reason in keys], pa.string()),
        "planted_rows": pa.array([planted[k] for k in keys], pa.int64()),
    }), d / "planted_bad_rows.parquet")
