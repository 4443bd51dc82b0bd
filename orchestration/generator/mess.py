"""The mess the raw contract warns of, planted at documented rates.

Benign mess (staging must absorb it): duplicate loads, earlier versions of a
row (planted by the simulations, which know what an earlier state looks like),
whitespace and letter-case noise.

Bad rows (staging must quarantine them): extra records with a fresh key that
each break exactly one rule, so quarantine counts per table and reason can be
checked against the ledger exactly. Reasons are named after the rule:
null_key, unknown_enum, unknown_currency, negative_quantity, negative_amount,
out_of_range, end_before_start, orphan_fk.
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profiles as P
from .timeutil import DAY, HOUR, US


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

# (schema, table) -> [(reason, {column: corruption})]; the key column is replaced separately.
BAD_RULES = {
    ("raw_crm", "users"): [("null_key", {}), ("unknown_enum", {"role": _const("intern")})],
    ("raw_crm", "accounts"): [("null_key", {}), ("negative_quantity", {"employee_count": NEG})],
    ("raw_crm", "contacts"): [("null_key", {})],
    ("raw_crm", "leads"): [("null_key", {}), ("unknown_enum", {"source": _const("billboard")}),
                           ("out_of_range", {"score": _const(140)})],
    ("raw_crm", "opportunities"): [("null_key", {}), ("unknown_enum", {"stage": _const("verbal_commit")}),
                                   ("negative_amount", {"amount": NEG})],
    ("raw_crm", "activities"): [("null_key", {}), ("unknown_enum", {"type": _const("fax")})],
    ("raw_crm", "health_scores"): [("null_key", {}), ("out_of_range", {"score": _const(130)})],
    ("raw_billing", "customers"): [("null_key", {}), ("unknown_currency", {"currency": _const("XYZ")})],
    ("raw_billing", "products"): [("null_key", {})],
    ("raw_billing", "prices"): [("null_key", {}), ("unknown_enum", {"recurring_interval": _const("fortnight")}),
                                ("negative_amount", {"unit_amount": NEG}),
                                ("out_of_range", {"recurring_interval_count": _const(0)})],
    ("raw_billing", "subscriptions"): [("null_key", {}), ("unknown_enum", {"status": _const("paused_forever")}),
                                       ("end_before_start", {"current_period_end": _before("current_period_start")}),
                                       ("orphan_fk", {"customer_id": _orphan})],
    ("raw_billing", "invoices"): [("null_key", {}), ("unknown_enum", {"status": _const("pending_review")}),
                                  ("negative_amount", {"total": NEG}),
                                  ("end_before_start", {"period_end": _before("period_start")}),
                                  ("orphan_fk", {"customer_id": _orphan})],
    ("raw_billing", "invoice_line_items"): [
        ("null_key", {}), ("unknown_enum", {"type": _const("credit_note")}),
        ("negative_quantity", {"quantity": NEG}),
        ("negative_amount", {"discount_amount": NEG}),
        ("end_before_start", {"period_end": _before("period_start")}),
        ("orphan_fk", {"invoice_id": _orphan})],
    ("raw_billing", "payments"): [("null_key", {}), ("unknown_enum", {"status": _const("chargeback")}),
                                  ("negative_amount", {"amount": NEG})],
    ("raw_commerce", "customers"): [("null_key", {})],
    ("raw_commerce", "products"): [("null_key", {}), ("negative_amount", {"cost": NEG})],
    ("raw_commerce", "orders"): [("null_key", {}), ("unknown_enum", {"status": _const("on_hold")}),
                                 ("negative_amount", {"total": NEG})],
    ("raw_commerce", "order_items"): [("null_key", {}), ("negative_quantity", {"quantity": NEG}),
                                      ("orphan_fk", {"order_id": _orphan})],
    ("raw_commerce", "refunds"): [("null_key", {}), ("negative_amount", {"amount": NEG}),
                                  ("orphan_fk", {"order_id": _orphan})],
    ("raw_commerce", "web_events"): [("null_key", {}), ("unknown_enum", {"event_type": _const("scroll")})],
    ("raw_commerce", "marketing_spend"): [("null_key", {}), ("negative_amount", {"spend": NEG})],
}

# The column whose value makes a bad row's key fresh (null for null_key).
FRESH_KEY_COLUMN = {("raw_crm", "health_scores"): "account_id", ("raw_commerce", "marketing_spend"): "channel"}

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
        mask = pa.array(rng.random(t.num_rows) < P.TEXT_NOISE_RATE)
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
    pick = np.flatnonzero(rng.random(n) < P.DUPLICATE_LOAD_RATE)
    dup = t.take(pa.array(pick))
    loaded = pc.cast(dup["_loaded_at"], pa.int64()).to_numpy(zero_copy_only=False)
    loaded = loaded + rng.integers(HOUR, 48 * HOUR, pick.size)
    keep = loaded < now_us
    dup = _replace(dup, "_loaded_at", pa.array(loaded, pa.timestamp("us"))).filter(pa.array(keep))
    return pa.concat_tables([t, dup])


def plant_bad_rows(schema: str, table: str, t: pa.Table, key: tuple[str, ...], rng: np.random.Generator):
    """Bad rows to append, and {reason: count} planted."""
    rules = BAD_RULES.get((schema, table), [])
    n = t.num_rows
    if n < 200 or not rules:  # small tables stay clean so their quarantine share stays low
        return None, {}
    out, counts = [], {}
    fresh_col = FRESH_KEY_COLUMN.get((schema, table), key[0])
    for r, (reason, corruption) in enumerate(rules):
        k = max(1, int(round(P.BAD_ROW_RATE * n)))
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
