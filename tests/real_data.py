"""Real public data (tests/fixtures/real_data, see its README) as raw contract tables, and the marts it
must give, read independently of the dbt models.

Two datasets, each placed in two eras (one tenant per dataset and era):

- CDNOW_sample.txt (Lifetimes 0.11.3): a real 1997-1998 CD store order log -> raw_commerce.
  `cdnow_1997` keeps its own dates; `cdnow_2021` shifts every date by 24 whole years.
- pysurvival_churn.csv (pysurvival 0.1.2): 2,000 SaaS customers with plan, add-ons, months active and
  churned -> raw_billing, one paid monthly invoice per active month. `saas_1999` bills in EUR over
  1999-01..2008-12, `saas_2018` in USD over 2018-01..2023-12.

`write_raw(out, tenants)` writes the raw Parquet directory (`<out>/<schema>/<table>.parquet`, every raw
table of the contract, empty when unused), the layout `conftest.csv_fixture_to_parquet` writes.

The `expected_*` functions compute the marts with pandas from the fixture files, the placement below
(`churn_schedule`, the price list) and two seeds read as plain tables (`fx_rates_monthly` for the EUR
rate, `rfm_segments` for the segment map): never from warehouse tables or dbt SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "fixtures" / "real_data"
SEEDS = REPO / "seeds"


# --- eras -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    dataset: str            # "cdnow" | "saas"
    as_of: date             # var as_of_date of the build that holds this tenant
    year_shift: int = 0     # cdnow: whole years added to every date
    first_month: date | None = None   # saas: first month of the era
    currency: str = "USD"   # saas: billing currency


TENANTS: dict[str, Tenant] = {t.tenant_id: t for t in (
    # pre-2010 eras: one build with as_of 2009-01-15 (last complete month 2008-12)
    Tenant("cdnow_1997", "cdnow", date(2009, 1, 15)),
    Tenant("saas_1999", "saas", date(2009, 1, 15), first_month=date(1999, 1, 1), currency="EUR"),
    # recent eras: one build with as_of 2024-01-15 (last complete month 2023-12)
    Tenant("cdnow_2021", "cdnow", date(2024, 1, 15), year_shift=24),
    Tenant("saas_2018", "saas", date(2024, 1, 15), first_month=date(2018, 1, 1), currency="USD"),
)}

# builds: one per as_of_date, each with every tenant that shares it
BUILDS: dict[str, list[str]] = {
    "pre2010": ["cdnow_1997", "saas_1999"],
    "recent": ["cdnow_2021", "saas_2018"],
}


def build_as_of(build: str) -> date:
    dates = {TENANTS[t].as_of for t in BUILDS[build]}
    assert len(dates) == 1, f"build {build} mixes as_of dates {dates}"
    return dates.pop()


# --- calendar helpers -------------------------------------------------------------------------

def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def add_months(d: date, n: int) -> date:
    """First day of the month n months after d's month."""
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def months_between(a: date, b: date) -> int:
    """Whole calendar months from month(a) to month(b)."""
    return (b.year - a.year) * 12 + b.month - a.month


def last_complete_month(as_of: date) -> date:
    return add_months(month_start(as_of), -1)


def shift_years(d: date, years: int) -> date:
    return d.replace(year=d.year + years)   # no 29 February in 1997-1998


def ts(d: date, hour: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour)


# --- seeds read as tables ---------------------------------------------------------------------

@cache
def currency_exponent(currency: str) -> int:
    cur = pd.read_csv(SEEDS / "currencies.csv", dtype=str)
    return int(cur.loc[cur.currency_code == currency, "minor_unit_exponent"].iloc[0])


@cache
def fx_rate(currency: str, month: date) -> Decimal:
    """USD per unit of `currency` for `month` from seed fx_rates_monthly; for a month the seed lacks, the
    documented fallback: the nearest earlier month's rate, else the earliest later one."""
    fx = pd.read_csv(SEEDS / "fx_rates_monthly.csv", dtype=str)
    fx = fx[fx.currency_code == currency].assign(month=lambda f: pd.to_datetime(f.month).dt.date)
    if fx.empty:
        raise ValueError(f"no FX rate at all for {currency}")
    exact = fx[fx.month == month]
    if not exact.empty:
        return Decimal(exact.rate_to_usd.iloc[0])
    earlier = fx[fx.month < month]
    if not earlier.empty:
        return Decimal(earlier.sort_values("month").rate_to_usd.iloc[-1])
    return Decimal(fx.sort_values("month").rate_to_usd.iloc[0])


def rfm_segments() -> pd.DataFrame:
    return pd.read_csv(SEEDS / "rfm_segments.csv").sort_values("segment_order")


# --- CDNOW ------------------------------------------------------------------------------------

def cdnow_transactions(tenant: Tenant) -> pd.DataFrame:
    return _cdnow_transactions(tenant).copy()


@cache
def _cdnow_transactions(tenant: Tenant) -> pd.DataFrame:
    """One row per line of CDNOW_sample.txt (one transaction = one order), in file order, dates shifted
    into the tenant's era. Columns: order_no (1-based line number), customer_id (the 5-digit id as
    written), order_date, cds, cents (dollar value in integer cents)."""
    raw = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype=str,
                      names=["customer_id", "sample_id", "yyyymmdd", "cds", "dollars"])
    return pd.DataFrame({
        "order_no": range(1, len(raw) + 1),
        "customer_id": raw.customer_id,
        "order_date": [shift_years(date(int(s[:4]), int(s[4:6]), int(s[6:])), tenant.year_shift)
                       for s in raw.yyyymmdd],
        "cds": raw.cds.astype(int),
        "cents": [int((Decimal(v) * 100).to_integral_exact()) for v in raw.dollars],
    })


def _cdnow_rows(tenant: Tenant) -> dict[tuple[str, str], list[dict]]:
    tx = cdnow_transactions(tenant)
    t = tenant.tenant_id
    first = tx.sort_values(["order_date", "order_no"]).groupby("customer_id", sort=True).first()
    customers = [dict(id=cid, tenant_id=t, created_at=ts(r.order_date, 12), updated_at=ts(r.order_date, 12),
                      _loaded_at=ts(r.order_date, 13))
                 for cid, r in first.iterrows()]
    first_day = tx.order_date.min()
    products = [dict(id="cd", tenant_id=t, title="CD (title not in the data)", category="music",
                     vendor="CDNOW", price=None, cost=None, created_at=ts(first_day),
                     updated_at=ts(first_day), _loaded_at=ts(first_day, 1))]
    orders, items = [], []
    for r in tx.itertuples(index=False):
        placed = ts(r.order_date, 12)
        dollars = Decimal(r.cents) / 100
        oid = f"o_{r.order_no:05d}"
        orders.append(dict(
            id=oid, tenant_id=t, customer_id=r.customer_id, order_number=r.order_no, status="paid",
            currency="USD", subtotal=dollars, discount_total=Decimal("0.00"), shipping_total=Decimal("0.00"),
            tax_total=Decimal("0.00"), total=dollars, channel="web", placed_at=placed, updated_at=placed,
            _loaded_at=placed + timedelta(hours=1)))
        # the order's value spread over its CDs to the cent: `rest` CDs one cent dearer than the others
        base, rest = divmod(r.cents, r.cds)
        for n, (qty, unit) in enumerate(((r.cds - rest, base), (rest, base + 1)), start=1):
            if qty:
                items.append(dict(id=f"{oid}_{n}", tenant_id=t, order_id=oid, product_id="cd", quantity=qty,
                                  unit_price=Decimal(unit) / 100, discount=Decimal("0.00"),
                                  _loaded_at=placed + timedelta(hours=1)))
    return {("raw_commerce", "customers"): customers, ("raw_commerce", "products"): products,
            ("raw_commerce", "orders"): orders, ("raw_commerce", "order_items"): items}


def expected_fct_orders(tenant_id: str) -> pd.DataFrame:
    """order_id, customer_id, order_date, is_paid, item_count, net_revenue_usd, customer_type."""
    tenant = TENANTS[tenant_id]
    tx = cdnow_transactions(tenant).sort_values(["customer_id", "order_date", "order_no"])
    seq = tx.groupby("customer_id").cumcount() + 1
    return pd.DataFrame({
        "tenant_id": tenant_id,
        "order_id": [f"o_{n:05d}" for n in tx.order_no],
        "customer_id": tx.customer_id,
        "order_date": tx.order_date,
        "is_paid": True,
        "item_count": tx.cds,
        "net_revenue_usd": [Decimal(c) / 100 * fx_rate("USD", month_start(d)) for c, d in zip(tx.cents, tx.order_date)],
        "customer_type": ["new" if s == 1 else "repeat" for s in seq],
    }).sort_values("order_id").reset_index(drop=True)


def _min_rank(values, index) -> pd.Series:
    """rank() semantics, exactly (values may be Decimals): 1 + how many values are smaller."""
    from bisect import bisect_left
    ordered = sorted(values)
    return pd.Series([1 + bisect_left(ordered, v) for v in values], index=index)


def _score(rank: pd.Series, n: int) -> pd.Series:
    # least(5, 1 + floor(5.0 * (rank - 1) / (n - 1))), in integers: no rounding at all
    if n == 1:
        return pd.Series(3, index=rank.index)
    return (1 + (5 * (rank.astype(int) - 1)) // (n - 1)).clip(upper=5)


def expected_customer_rfm(tenant_id: str) -> pd.DataFrame:
    """customer_id, recency_days, frequency, monetary, r/f/m scores and segment, as marts.md defines them,
    as of the default rfm_as_of_date (the day after the tenant's latest paid order)."""
    tenant = TENANTS[tenant_id]
    tx = cdnow_transactions(tenant)
    usd = [Decimal(c) / 100 * fx_rate("USD", month_start(d)) for c, d in zip(tx.cents, tx.order_date)]
    tx = tx.assign(usd=usd)
    rfm_as_of = tx.order_date.max() + timedelta(days=1)
    g = tx[tx.order_date < rfm_as_of].groupby("customer_id")
    out = pd.DataFrame({
        "last_order_date": g.order_date.max(),
        "frequency": g.size(),
        "monetary": g.usd.sum(),
    })
    out["recency_days"] = [(rfm_as_of - d).days for d in out.last_order_date]
    n = len(out)
    out["r_score"] = _score(_min_rank([-r for r in out.recency_days], out.index), n)
    out["f_score"] = _score(_min_rank(out.frequency, out.index), n)
    out["m_score"] = _score(_min_rank(out.monetary, out.index), n)
    segs = rfm_segments()

    def segment(r):
        for s in segs.itertuples():
            if (s.r_min <= r.r_score <= s.r_max and s.f_min <= r.f_score <= s.f_max
                    and s.m_min <= r.m_score <= s.m_max):
                return s.segment
        return "other"

    out["segment"] = out.apply(segment, axis=1)
    out = out.reset_index().assign(tenant_id=tenant_id, rfm_as_of_date=rfm_as_of)
    return out[["tenant_id", "customer_id", "rfm_as_of_date", "recency_days", "frequency", "monetary",
                "r_score", "f_score", "m_score", "segment"]].sort_values("customer_id").reset_index(drop=True)


def expected_cohort_retention(tenant_id: str) -> pd.DataFrame:
    """The dense grid: every cohort month (month of the first paid order) up to the last complete month,
    every month_number from 0 to that month, zeros included."""
    tenant = TENANTS[tenant_id]
    end = last_complete_month(tenant.as_of)
    tx = cdnow_transactions(tenant)
    tx = tx.assign(month=[month_start(d) for d in tx.order_date])
    tx["usd"] = [Decimal(c) / 100 * fx_rate("USD", m) for c, m in zip(tx.cents, tx.month)]
    cohort_of = tx.groupby("customer_id").month.min().rename("cohort_month")
    tx = tx.join(cohort_of, on="customer_id")
    tx = tx[tx.month <= end]
    sizes = cohort_of[cohort_of <= end].value_counts()
    activity = tx.groupby(["cohort_month", "month"]).agg(
        retained_customers=("customer_id", "nunique"), revenue=("usd", "sum"))
    rows = []
    for cohort, size in sorted(sizes.items()):
        for k in range(months_between(cohort, end) + 1):
            m = add_months(cohort, k)
            hit = activity.loc[(cohort, m)] if (cohort, m) in activity.index else None
            rows.append(dict(tenant_id=tenant_id, cohort_month=cohort, month_number=k, activity_month=m,
                             cohort_size=int(size),
                             retained_customers=int(hit.retained_customers) if hit is not None else 0,
                             revenue=hit.revenue if hit is not None else Decimal(0)))
    return pd.DataFrame(rows)


# --- SaaS churn sample ------------------------------------------------------------------------

# Monthly list prices in major units of the era's currency (the same figures in EUR and USD).
STORAGE_PRICE = {100: "10.00", 200: "15.00", 500: "25.00", 1024: "40.00", 2048: "60.00", 5120: "120.00"}
ADDON_PRICE = {"travel_expense": "12.00", "payroll": "20.00", "accounting": "18.00"}
ADDONS = tuple(ADDON_PRICE)


def churn_sample() -> pd.DataFrame:
    d = pd.read_csv(DATA / "pysurvival_churn.csv")
    d.insert(0, "row", range(1, len(d) + 1))
    return d


@cache
def _churn_schedule(tenant: Tenant) -> pd.DataFrame:
    """Where each customer of the churn sample sits in the tenant's era. One row per customer (file
    order): customer_id, churned, months (months_active), start_month (first billed month), end_month
    (first month no longer billed; = the churn month when churned), and the billed price ids with their
    minor-unit amounts.

    Placement: the era runs from first_month through the last complete month L before as_of. A customer
    with churned = 0 is still active at as_of: its months end at L (start = L - months + 1; months = 0
    starts at as_of's month and has billed nothing yet). The k-th churned customer (k = 0..K-1 in file
    order) with n months starts at first_month + floor(k * (M - n) / K), M = months in the era, so the
    churn months spread over the era and every churn month is <= L."""
    d = churn_sample()
    last = last_complete_month(tenant.as_of)
    era_months = months_between(tenant.first_month, last) + 1
    exp = currency_exponent(tenant.currency)
    churned_rows = d.index[d.churned == 1].tolist()
    k_of = {row: k for k, row in enumerate(churned_rows)}
    K = len(churned_rows)
    rows = []
    for i, r in d.iterrows():
        n = int(r.months_active)
        assert n == r.months_active and 0 <= n <= 12
        if r.churned == 1:
            start = add_months(tenant.first_month, (k_of[i] * (era_months - n)) // K)
        else:
            start = add_months(last, 1 - n)
        lines = [(f"price_storage_{int(r.product_data_storage)}",
                  int(Decimal(STORAGE_PRICE[int(r.product_data_storage)]) * 10 ** exp))]
        lines += [(f"price_{a}", int(Decimal(ADDON_PRICE[a]) * 10 ** exp))
                  for a in ADDONS if r[f"product_{a}"] == "Active"]
        rows.append(dict(customer_id=f"cus_{r.row:04d}", churned=int(r.churned), months=n, start_month=start,
                         end_month=add_months(start, n), lines=lines,
                         monthly_minor=sum(a for _, a in lines)))
    return pd.DataFrame(rows)


def churn_schedule(tenant: Tenant) -> pd.DataFrame:
    return _churn_schedule(tenant).copy()


def _saas_rows(tenant: Tenant) -> dict[tuple[str, str], list[dict]]:
    t, cur = tenant.tenant_id, tenant.currency
    exp = currency_exponent(cur)
    sched = churn_schedule(tenant)
    t0 = ts(add_months(tenant.first_month, -1))       # the catalogue exists before the first customer
    products = [dict(id="prod_storage", tenant_id=t, name="Data storage", product_line="storage",
                     created_at=t0, _loaded_at=t0 + timedelta(hours=1))]
    products += [dict(id=f"prod_{a}", tenant_id=t, name=a.replace("_", " ").capitalize() + " add-on",
                      product_line="add_on", created_at=t0, _loaded_at=t0 + timedelta(hours=1)) for a in ADDONS]
    prices = [dict(id=f"price_storage_{gb}", tenant_id=t, product_id="prod_storage", nickname=f"{gb} GB",
                   unit_amount=int(Decimal(p) * 10 ** exp), currency=cur.lower(), recurring_interval="month",
                   recurring_interval_count=1, is_active=True, created_at=t0, _loaded_at=t0 + timedelta(hours=1))
              for gb, p in STORAGE_PRICE.items()]
    prices += [dict(id=f"price_{a}", tenant_id=t, product_id=f"prod_{a}", nickname=a,
                    unit_amount=int(Decimal(p) * 10 ** exp), currency=cur.lower(), recurring_interval="month",
                    recurring_interval_count=1, is_active=True, created_at=t0, _loaded_at=t0 + timedelta(hours=1))
               for a, p in ADDON_PRICE.items()]
    customers, subs, invoices, lines = [], [], [], []
    for s in sched.itertuples(index=False):
        start, end = ts(s.start_month), ts(s.end_month)
        customers.append(dict(id=s.customer_id, tenant_id=t, currency=cur, created_at=start, is_deleted=False,
                              updated_at=start, _loaded_at=start + timedelta(hours=1)))
        sub_id = f"sub_{s.customer_id[4:]}"
        canceled = bool(s.churned)
        last_period = (ts(add_months(s.start_month, s.months - 1)), end) if s.months else (None, None)
        updated = end if canceled else (last_period[0] or start)
        subs.append(dict(id=sub_id, tenant_id=t, customer_id=s.customer_id,
                         status="canceled" if canceled else "active", created_at=start, start_date=start,
                         cancel_at_period_end=False, canceled_at=end if canceled else None,
                         ended_at=end if canceled else None, current_period_start=last_period[0],
                         current_period_end=last_period[1], updated_at=updated,
                         _loaded_at=updated + timedelta(hours=1)))
        for m in range(s.months):
            p0, p1 = ts(add_months(s.start_month, m)), ts(add_months(s.start_month, m + 1))
            inv = f"in_{s.customer_id[4:]}_{m + 1:02d}"
            invoices.append(dict(id=inv, tenant_id=t, customer_id=s.customer_id, subscription_id=sub_id,
                                 status="paid", currency=cur, subtotal=s.monthly_minor, discount_total=0, tax=0,
                                 total=s.monthly_minor, amount_paid=s.monthly_minor, created_at=p0,
                                 period_start=p0, period_end=p1, paid_at=p0 + timedelta(hours=2),
                                 updated_at=p0 + timedelta(hours=2), _loaded_at=p0 + timedelta(hours=3)))
            for j, (price_id, amount) in enumerate(s.lines, start=1):
                lines.append(dict(id=f"il_{s.customer_id[4:]}_{m + 1:02d}_{j}", tenant_id=t, invoice_id=inv,
                                  subscription_id=sub_id, price_id=price_id, type="subscription",
                                  is_proration=False, quantity=1, amount=amount, discount_amount=0, currency=cur,
                                  period_start=p0, period_end=p1, _loaded_at=p0 + timedelta(hours=3)))
    return {("raw_billing", "products"): products, ("raw_billing", "prices"): prices,
            ("raw_billing", "customers"): customers, ("raw_billing", "subscriptions"): subs,
            ("raw_billing", "invoices"): invoices, ("raw_billing", "invoice_line_items"): lines}


def _customer_months(tenant: Tenant) -> pd.DataFrame:
    """MRR (USD, exact) per customer and billed month: the monthly price at the month's rate."""
    exp = currency_exponent(tenant.currency)
    rows = []
    for s in churn_schedule(tenant).itertuples(index=False):
        for m in range(s.months):
            month = add_months(s.start_month, m)
            rows.append(dict(customer_id=s.customer_id, month=month,
                             mrr=Decimal(s.monthly_minor) / 10 ** exp * fx_rate(tenant.currency, month)))
    return pd.DataFrame(rows)


def expected_fct_mrr(tenant_id: str) -> pd.DataFrame:
    """customer_id, month, mrr, previous_mrr, movement: from the first month with MRR through the last
    complete month, or through the churn month (mrr 0) for a churned customer."""
    tenant = TENANTS[tenant_id]
    last = last_complete_month(tenant.as_of)
    cm = _customer_months(tenant)
    rows = []
    for cid, g in cm.groupby("customer_id", sort=True):
        mrr = dict(zip(g.month, g.mrr))
        first, last_active = min(mrr), max(mrr)
        stop = last_active if last_active >= last else add_months(last_active, 1)
        prev, had = Decimal(0), False
        for k in range(months_between(first, stop) + 1):
            month = add_months(first, k)
            cur = mrr.get(month, Decimal(0))
            if prev == 0 and cur > 0:
                movement = "reactivation" if had else "new"
            elif prev > 0 and cur == 0:
                movement = "churn"
            elif prev > 0 and cur > prev:
                movement = "expansion"
            elif prev > 0 and cur < prev:
                movement = "contraction"
            elif prev > 0:
                movement = "flat"
            else:
                movement = "inactive"
            rows.append(dict(tenant_id=tenant_id, customer_id=cid, month=month, mrr=cur, previous_mrr=prev,
                             movement=movement))
            had = had or cur > 0
            prev = cur
    return pd.DataFrame(rows)


def expected_mrr_monthly(tenant_id: str) -> pd.DataFrame:
    """One row per month from the tenant's first month with MRR through the last complete month."""
    tenant = TENANTS[tenant_id]
    f = expected_fct_mrr(tenant_id)
    last = last_complete_month(tenant.as_of)
    zero = Decimal(0)
    rows = []
    for k in range(months_between(f.month.min(), last) + 1):
        month = add_months(f.month.min(), k)
        g = f[f.month == month]
        change = g.mrr - g.previous_mrr

        def total(movement):
            return sum(change[g.movement == movement], zero)

        rows.append(dict(
            tenant_id=tenant_id, month=month, starting_mrr=sum(g.previous_mrr, zero),
            new_mrr=total("new"), expansion_mrr=total("expansion"), reactivation_mrr=total("reactivation"),
            contraction_mrr=total("contraction"), churned_mrr=total("churn"), ending_mrr=sum(g.mrr, zero),
            active_customers=int((g.mrr > 0).sum()), new_customers=int((g.movement == "new").sum()),
            churned_customers=int((g.movement == "churn").sum()),
            reactivated_customers=int((g.movement == "reactivation").sum())))
    return pd.DataFrame(rows)


def expected_dim_customers(tenant_id: str) -> pd.DataFrame:
    """Billing customers: current_mrr (MRR in the last complete month) and lifetime_revenue (every paid
    invoice at the rate of the month it was paid in)."""
    tenant = TENANTS[tenant_id]
    last = last_complete_month(tenant.as_of)
    cm = _customer_months(tenant)
    sched = churn_schedule(tenant)
    current = cm[cm.month == last].set_index("customer_id").mrr
    lifetime = cm.groupby("customer_id").mrr.sum()    # one paid invoice per billed month, paid in that month
    return pd.DataFrame({
        "tenant_id": tenant_id,
        "customer_id": sched.customer_id,
        "current_mrr": [current.get(c, Decimal(0)) for c in sched.customer_id],
        "lifetime_revenue": [lifetime.get(c, Decimal(0)) for c in sched.customer_id],
    })


# --- the raw directory ------------------------------------------------------------------------

def raw_rows(tenant_ids) -> dict[tuple[str, str], list[dict]]:
    rows: dict[tuple[str, str], list[dict]] = {}
    for tid in tenant_ids:
        tenant = TENANTS[tid]
        for key, data in (_cdnow_rows(tenant) if tenant.dataset == "cdnow" else _saas_rows(tenant)).items():
            rows.setdefault(key, []).extend(data)
    return rows


def write_raw(out: Path, tenant_ids) -> dict[tuple[str, str], int]:
    """Every raw table of the contract as `<out>/<schema>/<table>.parquet` (empty when unused) holding the
    given tenants; returns the row count per table."""
    from orchestration.generator.schema import TABLES
    rows = raw_rows(tenant_ids)
    counts = {}
    for schema, tables in TABLES.items():
        for table, arrow_schema in tables.items():
            data = rows.get((schema, table), [])
            t = pa.Table.from_pylist(data, schema=arrow_schema) if data else arrow_schema.empty_table()
            (out / schema).mkdir(parents=True, exist_ok=True)
            pq.write_table(t, out / schema / f"{table}.parquet")
            counts[(schema, table)] = t.num_rows
    unknown = set(rows) - {(s, t) for s, ts_ in TABLES.items() for t in ts_}
    assert not unknown, f"rows for tables outside the contract: {unknown}"
    return counts
