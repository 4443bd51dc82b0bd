"""The largest append-only facts after the clickstream and the messages (health scores, order
lines, invoice lines, CRM activities) have incremental base models: a run after a second load
must equal a full refresh of the same raw data, everywhere downstream, on DuckDB and Postgres.

Every raw table is split at one moment by _loaded_at, as if the warehouse had been built before
the last loads landed: the second load holds late rows (business time before the split),
re-delivered records (keys of the first load again, a later _loaded_at) and children whose parent
landed in the first load; five records of each incremental table are delivered once more."""
import functools
import math
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import AS_OF, Warehouse, base_env, engine_neutral, generate_args, land_raw, pg_test_db, query, \
    relation_columns, run_dbt, warehouse_cli
from orchestration.fingerprint import BUILD_STAMPS

TABLES = {  # the raw table, its base model, its key and a business time that can precede the split
    ("raw_crm", "health_scores"): ("base_crm__health_scores", ["account_id", "scored_on"], "scored_on"),
    ("raw_commerce", "order_items"): ("base_commerce__order_items", ["id"], None),
    ("raw_billing", "invoice_line_items"): ("base_billing__invoice_line_items", ["id"], "period_start"),
    ("raw_crm", "activities"): ("base_crm__activities", ["id"], "occurred_at"),
}
SPLIT = datetime.combine(AS_OF, datetime.min.time()) - timedelta(days=35)   # a billing month and more


@pytest.fixture(scope="module")
def raw_split(tmp_path_factory):
    """Generated raw Parquet, every table cut at SPLIT by _loaded_at: (first load dir, second load dir)."""
    tmp = tmp_path_factory.mktemp("base_incremental_raw")
    warehouse_cli(base_env(tmp), *generate_args("parquet", scale=0.02, out=tmp / "raw"))
    second = tmp / "second"
    for path in sorted((tmp / "raw").glob("raw_*/*.parquet")):
        table = pq.read_table(path)
        if "_loaded_at" not in table.column_names:
            continue
        early = pc.fill_null(pc.less_equal(table["_loaded_at"], SPLIT), True)
        (second / path.parent.name).mkdir(parents=True, exist_ok=True)
        later = table.filter(pc.invert(early))
        if (path.parent.name, path.stem) in TABLES:
            later = pa.concat_tables([later, _redelivered(table.filter(early), TABLES[path.parent.name, path.stem][1])])
        pq.write_table(later, second / path.parent.name / path.name)
        pq.write_table(table.filter(early), path)
    return tmp / "raw", second


def _redelivered(first: pa.Table, key: list[str]) -> pa.Table:
    """Five records of the first load delivered again after the split (at-least-once delivery)."""
    has_key = functools.reduce(pc.and_, [pc.is_valid(first[c]) for c in ["tenant_id", *key]])
    again = first.filter(has_key).slice(0, 5)
    loaded = pa.array([SPLIT + timedelta(days=2)] * again.num_rows, first.schema.field("_loaded_at").type)
    return again.set_column(again.schema.get_field_index("_loaded_at"), "_loaded_at", loaded)


def test_the_second_load_holds_late_and_redelivered_rows(raw_split):
    """Guards the test below: each incremental table's boundary is crossed by what makes it hard."""
    first_dir, second_dir = raw_split
    for (schema, name), (_, key, business_time) in TABLES.items():
        first = pq.read_table(first_dir / schema / f"{name}.parquet")
        second = pq.read_table(second_dir / schema / f"{name}.parquet")
        assert second.num_rows > 20, f"{name}: the second load is too small to prove anything"
        first_keys = set(zip(*(first[c].to_pylist() for c in ["tenant_id", *key]), strict=True))
        again = [k for k in zip(*(second[c].to_pylist() for c in ["tenant_id", *key]), strict=True)
                 if k in first_keys and None not in k]
        assert again, f"{name}: no record of the first load is delivered again in the second"
        if business_time:
            times = pc.cast(second[business_time], "timestamp[us]")
            assert pc.sum(pc.less(times, SPLIT - timedelta(days=1))).as_py(), f"{name}: no late row"


def _relations(wh: Warehouse) -> list[tuple[str, str]]:
    bases = [("staging", base) for base, _, _ in TABLES.values()]
    stgs = [("staging", base.replace("base_", "stg_", 1)) for base, _, _ in TABLES.values()]
    marts = [("marts", r[0]) for r in query(wh, "select table_name from information_schema.tables "
                                                "where table_schema = 'marts' order by 1")]
    return bases + stgs + [("quarantine", "quarantine_rows")] + marts


def _rows(wh: Warehouse, schema: str, relation: str) -> list[tuple]:
    """The relation's rows (without build stamps: when the run wrote them) in one order: by every value
    that is not a float (floats last), so that two builds whose doubles differ in the last bit (DuckDB
    sums in thread order) still line up."""
    columns = [c for c in relation_columns(wh, relation, schema) if c not in BUILD_STAMPS]
    select = ", ".join(f'"{c}"' for c in columns)
    rows = [tuple(engine_neutral(v) for v in r) for r in query(wh, f'select {select} from {schema}."{relation}"')]
    return sorted(rows, key=lambda row: tuple((isinstance(v, float), v is None, str(v)) for v in row))


def _same(a: list[tuple], b: list[tuple]) -> bool:
    """Equal rows, floats within 1e-9 relative (summation order), everything else exactly."""
    def close(x, y):
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        return x == y
    return len(a) == len(b) and all(len(r) == len(q) and all(map(close, r, q)) for r, q in zip(a, b, strict=True))


def _append(wh: Warehouse, second_dir: Path) -> None:
    from orchestration.generator.load import append_rows
    duckdb_path = Path(wh.env["DBT_DUCKDB_PATH"]) if wh.target == "duckdb" else None
    for path in sorted(second_dir.glob("raw_*/*.parquet")):
        batch = pq.read_table(path)
        if batch.num_rows:
            append_rows(batch, path.parent.name, path.stem, duckdb_path, wh.env.get("PGDATABASE"))


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_incremental_bases_after_a_second_load_equal_a_full_refresh(raw_split, target, tmp_path):
    first_dir, second_dir = raw_split
    raw_copy = tmp_path / "raw"
    shutil.copytree(first_dir, raw_copy)
    env = land_raw(target, raw_copy, tmp_path, pg_test_db("warehouse_test_base_incr"))
    wh = Warehouse(target, env, tmp_path / "target", None)
    run_dbt(env, target, wh.target_path, "seed")
    run_dbt(env, target, wh.target_path, "run")
    first = {r: _rows(wh, *r) for r in _relations(wh)}

    _append(wh, second_dir)
    run_dbt(env, target, wh.target_path, "run")
    for base, _, _ in TABLES.values():
        ran = (wh.target_path / "run").rglob(f"{base}.sql")
        assert "delete from" in next(ran).read_text(), f"{base} was rebuilt, not merged"
    incremental = {r: _rows(wh, *r) for r in _relations(wh)}

    run_dbt(env, target, wh.target_path, "run", "--full-refresh")
    full = {r: _rows(wh, *r) for r in _relations(wh)}

    assert set(incremental) == set(full)
    differing = [f"{s}.{r}" for (s, r) in full if not _same(incremental[(s, r)], full[(s, r)])]
    assert not differing, f"an incremental run differs from a full refresh in {differing}"
    changed = [base for base, _, _ in TABLES.values() if not _same(incremental[("staging", base)], first[("staging", base)])]
    assert len(changed) == len(TABLES), "the second load changed some base not at all"
