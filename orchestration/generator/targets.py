"""The demo targets seed (seeds/targets_monthly.csv) from a warehouse built on generated data.

    python -m orchestration.generator.targets --duckdb-path warehouse.duckdb [--out seeds/targets_monthly.csv]

A target is what a plan asks of a month: a base grown by GROWTH and rounded to ROUND_TO dollars.
The base of ending MRR (a level) is the same month a year earlier; of the monthly flows (new MRR,
won amount, store revenue: single months are noisy) the average of the 12 months up to it. A month
whose year-earlier month has no actual yet takes the latest complete month as its year-earlier one.
It reads the marts that own each metric (never recomputes one) and is run once, by hand, to refresh
the committed demo file; your own targets replace the file (docs/TARGETS.md).
"""
import argparse
import csv
from datetime import date
from pathlib import Path

GROWTH = 1.2             # a plan a fifth above last year: reachable for some months, missed in others
ROUND_TO = 100           # targets are set in round hundreds of dollars
LEVELS = {"mrr"}         # metrics that are a month-end level, not a month's total
FIRST_MONTH = date(2025, 1, 1)
LAST_MONTH = date(2027, 12, 1)
METRICS = {
    "mrr": "select tenant_id, month, ending_mrr from marts.mrr_monthly",
    "new_mrr": "select tenant_id, month, new_mrr from marts.mrr_monthly",
    "won_amount": "select tenant_id, month, sum(won_amount_usd) from marts.sales_pipeline_monthly "
                  "group by tenant_id, month",
    "store_revenue": "select tenant_id, period_start, revenue_usd from marts.period_kpis where period_type = 'month'",
}


def months(first: date, last: date) -> list[date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return out


def targets(actuals: dict[str, dict[tuple[str, date], float]]) -> list[dict]:
    """actuals: metric -> (tenant, month) -> the owning mart's value."""
    rows = []
    for metric, values in actuals.items():
        for tenant in sorted({t for t, _ in values}):
            latest = max(m for t, m in values if t == tenant)
            for month in months(FIRST_MONTH, LAST_MONTH):
                year_before = min(date(month.year - 1, month.month, 1), latest)
                window = [year_before] if metric in LEVELS else [
                    m for m in months(date(year_before.year - 1, year_before.month, 1), year_before)[1:]
                    if (tenant, m) in values]
                base = sum(float(values.get((tenant, m), 0)) for m in window) / max(len(window), 1)
                target = round(float(base) * GROWTH / ROUND_TO) * ROUND_TO
                rows.append(dict(tenant_id=tenant, metric=metric, month=month.isoformat(), target=target,
                                 currency="USD"))
    return sorted(rows, key=lambda r: (r["tenant_id"], r["metric"], r["month"]))


def main() -> None:
    import duckdb
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb-path", required=True, type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "seeds/targets_monthly.csv")
    args = parser.parse_args()
    con = duckdb.connect(str(args.duckdb_path), read_only=True)
    try:
        actuals = {metric: {(t, m): v for t, m, v in con.execute(sql).fetchall() if v is not None}
                   for metric, sql in METRICS.items()}
    finally:
        con.close()
    rows = targets(actuals)
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["tenant_id", "metric", "month", "target", "currency"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} targets -> {args.out}")


if __name__ == "__main__":
    main()
