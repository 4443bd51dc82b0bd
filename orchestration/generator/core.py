"""Generate every raw table for a set of tenants into a Parquet directory.

Output layout (one directory, written completely before anything is loaded):
    <out>/raw_crm/<table>.parquet, <out>/raw_billing/..., <out>/raw_commerce/...
    <out>/generator_ledger/{mrr,planted_bad_rows,funnel,won_deals,manifest}.parquet
"""
import csv
import hashlib
import json
from collections import Counter
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
    """Appends Arrow chunks to one Parquet file and hashes the data as it goes."""

    def __init__(self, path: Path, schema: pa.Schema):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.hash = hashlib.sha256()
        self.rows = 0

    def write(self, t: pa.Table):
        if t.num_rows == 0:
            return
        for batch in t.to_batches(max_chunksize=256_000):
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batch.schema) as w:
                w.write_batch(batch)
            self.hash.update(sink.getvalue().to_pybytes())
        self.writer.write_table(t, row_group_size=256_000)
        self.rows += t.num_rows

    def close(self):
        self.writer.close()


def generate(out_dir: Path, tenants: int, scale: float, seed: int, as_of_date: date,
             progress: bool = True) -> GenerateResult:
    import time
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    now = datetime(as_of_date.year, as_of_date.month, as_of_date.day)
    start = datetime(as_of_date.year - 3, as_of_date.month, 1)
    now_us = to_us(now)
    last_month = month_index(as_of_date) - 1
    fx = load_fx()
    writers = {(s, t): _TableWriter(out_dir / s / f"{t}.parquet", schema)
               for s, tables in TABLES.items() for t, schema in tables.items()}
    mrr_rows, funnel_rows, won_rows, planted, messaging_days = [], [], [], Counter(), []
    profs = tenant_profiles(tenants)
    bar = tqdm(total=len(profs) * 4, desc="generate", unit="step", disable=not progress, leave=False)
    for i, (tenant_id, prof) in enumerate(profs):
        rng = np.random.default_rng([seed, i])
        bar.set_postfix_str(f"{tenant_id} crm+billing")
        b2b = B2BSimulation(tenant_id, prof, scale, rng, start, now)
        b2b.run()
        tables = b2b.tables()
        mrr = b2b.ledger_mrr(fx, last_month)
        mrr_rows += mrr
        funnel_rows += b2b.ledger_funnel({row.customer_id for row in mrr})
        won_rows += b2b.ledger_won_deals(fx)
        bar.update(1)
        bar.set_postfix_str(f"{tenant_id} commerce")
        com = CommerceSimulation(tenant_id, prof, scale, rng, start, now, [c.email for c in b2b.customers])
        tables.update(com.run())
        bar.update(1)
        for (schema, table), t in tables.items():
            _write_with_mess(writers, planted, schema, table, t, rng, now_us, tenant_id)
        bar.set_postfix_str(f"{tenant_id} clickstream")
        for chunk in com.web_event_chunks():
            _write_with_mess(writers, planted, "raw_commerce", "web_events", chunk, rng, now_us, tenant_id)
        bar.update(1)
        bar.set_postfix_str(f"{tenant_id} messaging")
        msg = MessagingSimulation(
            tenant_id, prof, scale, rng, start, now,
            crm_account_ids=sorted(set(tables[("raw_crm", "accounts")]["id"].drop_null().to_pylist())),
            crm_user_ids=sorted(set(tables[("raw_crm", "users")]["id"].drop_null().to_pylist())),
            commerce_customer_ids=sorted(set(tables[("raw_commerce", "customers")]["id"].drop_null().to_pylist()))
            if ("raw_commerce", "customers") in tables else [])
        for table, t in msg.tables().items():
            _write_with_mess(writers, planted, "raw_messaging", table, t, rng, now_us, tenant_id)
        for messages, status_events in msg.message_chunks():
            _write_with_mess(writers, planted, "raw_messaging", "messages", messages, rng, now_us, tenant_id)
            _write_with_mess(writers, planted, "raw_messaging", "message_status_events", status_events, rng, now_us,
                             tenant_id)
        messaging_days.append(msg.ledger_daily())
        bar.update(1)
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


def _write_with_mess(writers, planted, schema, table, t, rng, now_us, tenant_id):
    bad, counts = mess.plant_bad_rows(schema, table, t, key_of(schema, table), rng)
    for reason, k in counts.items():
        planted[(tenant_id, f"{schema}.{table}", reason)] += k
    t = mess.add_text_noise(t, rng)
    t = mess.add_duplicate_loads(t, rng, now_us)
    writers[(schema, table)].write(t)
    if bad is not None:
        writers[(schema, table)].write(bad)


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
