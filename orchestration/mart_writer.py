"""Writing the marts Python computes (forecasts, churn risk) into the warehouse: each table replaced
whole in one transaction (readers see the old tables or the new ones), typed and keyed as declared,
and on Postgres given the marts' grants and tenant row-level security. One home for both writers."""
from pathlib import Path

import numpy as np

Columns = list[tuple[str, str]]          # (name, SQL type)

# the marts' access on Postgres (macros/access/warehouse_access.sql: apply_tenant_rls, grants)
PG_ACCESS = """
alter table marts.{t} enable row level security;
create policy tenant_isolation on marts.{t} for select to analyst using (
    (select pg_has_role(current_user, 'platform_analyst', 'member'))
    or tenant_id in (select m.tenant_id from security.tenant_members as m)
);
grant select on marts.{t} to analyst;
"""


def create_sql(table: str, columns: Columns, key: tuple[str, ...]) -> str:
    cols = ", ".join(f"{name} {kind}" for name, kind in columns)
    return f"create table marts.{table} ({cols}, primary key ({', '.join(key)}))"


def values(rows: list[dict], columns: Columns) -> list[tuple]:
    """Rows in column order; a missing value or a non-finite float (NaN, inf) is null."""
    names = [name for name, _ in columns]
    return [tuple(None if isinstance(row.get(n), float) and not np.isfinite(row[n]) else row.get(n) for n in names)
            for row in rows]


def write_duckdb(db_path: Path, tables: dict[str, Columns], keys: dict[str, tuple[str, ...]],
                 rows: dict[str, list[dict]]) -> None:
    import duckdb
    con = duckdb.connect(str(db_path))
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists marts")
        for table, columns in tables.items():
            con.execute(f"drop table if exists marts.{table}")
            con.execute(create_sql(table, columns, keys[table]))
            table_rows = values(rows[table], columns)
            if table_rows:
                con.executemany(f"insert into marts.{table} values ({', '.join('?' for _ in columns)})", table_rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()


def write_postgres(database: str | None, tables: dict[str, Columns], keys: dict[str, tuple[str, ...]],
                   rows: dict[str, list[dict]], command: str) -> None:
    """command: what the user runs after dbt build (named in the error when dbt has not built the roles)."""
    import psycopg

    from orchestration.generator.load import pg_conninfo
    with psycopg.connect(**pg_conninfo(database)) as con:       # one transaction: readers see old or new
        con.execute("set local lock_timeout = '10s'")
        has_access = con.execute("select exists (select from pg_roles where rolname = 'analyst') "
                                 "and to_regclass('security.tenant_members') is not null").fetchone()[0]
        if not has_access:
            raise RuntimeError("role analyst or security.tenant_members is missing: run dbt build on this "
                               f"database first (it creates them), then {command}")
        con.execute("create schema if not exists marts")
        for table, columns in tables.items():
            con.execute(f"drop table if exists marts.{table}")
            con.execute(create_sql(table, columns, keys[table]))
            names = ", ".join(name for name, _ in columns)
            with con.cursor().copy(f"copy marts.{table} ({names}) from stdin") as copy:
                for row in values(rows[table], columns):
                    copy.write_row(row)
            con.execute(PG_ACCESS.format(t=table))
