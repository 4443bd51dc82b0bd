"""What `make demo` prints after the build: rows per layer and, once marts exist, headline metrics.

Reads the DuckDB file read-only; computes nothing the models own.
"""
from pathlib import Path

LAYERS = ("raw_crm", "raw_billing", "raw_commerce", "raw_messaging", "staging", "quarantine", "intermediate", "marts",
          "snapshots", "reference")


def print_summary(db_path: Path) -> None:
    import duckdb
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2").fetchall()
        print(f"Warehouse {db_path}")
        print(f"{'layer':<14}{'tables':>8}{'rows':>14}")
        for layer in LAYERS:
            names = [t for s, t in tables if s == layer]
            if not names:
                continue
            rows = sum(con.execute(f'select count(*) from "{layer}"."{t}"').fetchone()[0] for t in names)
            print(f"{layer:<14}{len(names):>8}{rows:>14,}")
        if any(s == "marts" and t == "mrr_monthly" for s, t in tables):
            print("\nEnding MRR, last complete month (USD):")
            for tenant, month, mrr, arr in con.execute(
                    "select tenant_id, month, ending_mrr, arr from marts.mrr_monthly "
                    "where month = (select max(month) from marts.mrr_monthly) order by tenant_id").fetchall():
                print(f"  {tenant}  {month}  MRR {mrr:>12,.2f}  ARR {arr:>14,.2f}")
    finally:
        con.close()
