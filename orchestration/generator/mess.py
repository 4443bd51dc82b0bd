"""The mess the raw contract warns of, planted at documented rates.

Benign mess (staging must absorb it): duplicate loads, earlier versions of a
row (planted by the simulations, which know what an earlier state looks like),
whitespace and letter-case noise.

Bad rows (staging must quarantine them): extra records with a fresh key that
each break exactly one rule, so quarantine counts per table and reason can be
checked against the ledger exactly. Reasons are named after the rule:
null_key, unknown_enum, unknown_currency, negative_quantity, negative_amount,
out_of_range, end_before_start, orphan_fk: one kind per rule the contract gives the table
(orchestration/contract.py), so a rule added to the contract is planted with no edit here.
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration import contract

from . import profiles
from .timeutil import DAY


def _neg(col: pa.ChunkedArray) -> pa.Array:
    if pa.types.is_decimal(col.type):
        vals = np.nan_to_num(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), nan=0.0)
        vals = -(np.abs(vals) + 1)
        return pc.cast(pa.array(np.round(vals, 2)), col.type)
    vals = np.nan_to_num(col.to_numpy(zero_copy_only=False).astype(np.float64), nan=0.0)  # null -> 0 -> -1
    return pa.array((-(np.abs(vals) + 1)).astype(col.type.to_pandas_dtype()), col.type)


def _const(value):
    return lambda col, t: pa.array([value] * len(col), col.type)


def _before(start_col: str):
    return lambda col, t: pc.subtract(t[start_col], pa.scalar(DAY, pa.duration("us")))


def _orphan(col, t):
    return pc.binary_join_element_wise("missing_", pc.cast(col, pa.string()), "")


NEG = lambda col, t: _neg(col)  # noqa: E731


def _before_the_floor(col, t):
    """A date in 1969: before the warehouse's 1970 floor (dbt var earliest_valid_date)."""
    from datetime import date, datetime
    value = date(1969, 7, 20) if pa.types.is_date(col.type) else datetime(1969, 7, 20, 20, 17)
    return pa.array([value] * len(col), col.type)


def _corruption(check: contract.Check, t: contract.Table) -> dict | None:
    """How to make a copy of a clean row break exactly this rule (None: the generator plants none)."""
    reason = check.reason
    if reason == "null_key":
        return {}
    if reason == "unknown_enum":
        return {check.columns[0]: _const(f"unknown_{check.columns[0]}")}
    if reason == "unknown_currency":
        return {"currency": _const("XYZ")}
    if reason == "negative_quantity":
        return {check.columns[0]: NEG}
    if reason == "negative_amount":
        exempt = {col for col, _ in check.exempt}
        return {next(c for c in check.columns if c not in exempt): NEG}
    if reason == "out_of_range" and check.columns:
        value = check.high + 40 if check.high is not None else check.low - 1
        return {check.columns[0]: _const(value)}
    if reason == "out_of_range" and (check.event_columns or check.floor_columns):
        return {(check.event_columns or check.floor_columns)[0]: _before_the_floor}
    if reason == "end_before_start":
        start, end = check.pairs[-1]
        return {end: _before(start)}
    if reason == "orphan_fk":
        return {check.columns[0]: _orphan}
    return None     # conflicting_versions: two versions of one key, tested by hand-made fixtures


def bad_rules(schema: str, table: str) -> list[tuple[str, dict]]:
    """(reason, {column: corruption}) per rule of the contract (orchestration/contract.py), one per
    reason; the key column is replaced separately."""
    t = contract.table(schema, table)
    out, seen = [], set()
    for check in t.checks():
        corruption = _corruption(check, t)
        if corruption is None or check.reason in seen:
            continue
        seen.add(check.reason)
        out.append((check.reason, corruption))
    return out


def fresh_key_column(schema: str, table: str) -> str:
    """The key column whose value makes a bad row's key fresh (null for null_key): the first text one."""
    t = contract.table(schema, table)
    return next(k for k in t.key if t.column(k).type == "text")


# Text noise staging must undo: (column, kind)
NOISE = {
    "email": "case", "full_name": "space", "name": "space", "company_name": "space", "first_name": "space",
    "last_name": "space", "title": "space", "currency": "lower", "country_code": "lower", "domain": "case",
}


def _replace(t: pa.Table, name: str, arr) -> pa.Table:
    return t.set_column(t.schema.get_field_index(name), name, arr)


def add_text_noise(t: pa.Table, rng: np.random.Generator) -> pa.Table:
    for name, kind in NOISE.items():
        if name not in t.column_names or t.num_rows == 0:
            continue
        col = t[name]
        mask = pa.array(rng.random(t.num_rows) < profiles.TEXT_NOISE_RATE)
        if kind == "space":
            noisy = pc.binary_join_element_wise("  ", col, " ", "")
        elif kind == "lower":
            noisy = pc.utf8_lower(col)
        else:
            noisy = pc.utf8_swapcase(col)
        t = _replace(t, name, pc.if_else(mask, noisy, col))
    return t


def add_duplicate_loads(t: pa.Table, rng: np.random.Generator, now_us: int) -> pa.Table:
    n = t.num_rows
    if n == 0:
        return t
    pick = np.flatnonzero(rng.random(n) < profiles.DUPLICATE_LOAD_RATE)
    dup = t.take(pa.array(pick))
    loaded = pc.cast(dup["_loaded_at"], pa.int64()).to_numpy(zero_copy_only=False)
    loaded = loaded + rng.integers(*profiles.DUPLICATE_LOAD_AFTER_US, pick.size)
    keep = loaded < now_us
    dup = _replace(dup, "_loaded_at", pa.array(loaded, pa.timestamp("us"))).filter(pa.array(keep))
    return pa.concat_tables([t, dup])


def plant_bad_rows(schema: str, table: str, t: pa.Table, key: tuple[str, ...], rng: np.random.Generator):
    """Bad rows to append, and {reason: count} planted."""
    rules = bad_rules(schema, table)
    n = t.num_rows
    if n < 200 or not rules:  # small tables stay clean so their quarantine share stays low
        return None, {}
    out, counts = [], {}
    fresh_col = fresh_key_column(schema, table)
    for r, (reason, corruption) in enumerate(rules):
        k = max(1, round(profiles.BAD_ROW_RATE * n))
        rows = t.take(pa.array(rng.choice(n, k, replace=False)))
        if reason == "null_key":
            rows = _replace(rows, fresh_col, pa.nulls(k, rows.schema.field(fresh_col).type))
        else:
            fresh = pc.binary_join_element_wise(
                pc.cast(rows[fresh_col], pa.string()),
                pc.cast(pa.array(np.arange(k)), pa.string()), f"-dq{r}-")
            rows = _replace(rows, fresh_col, fresh)
        for col, fn in corruption.items():
            rows = _replace(rows, col, fn(rows[col], rows))
        if reason == "negative_amount" and "is_proration" in rows.column_names:
            rows = _replace(rows, "is_proration", pa.array([False] * k))
        out.append(rows)
        counts[reason] = k
    return pa.concat_tables(out), counts
