"""A fingerprint of a table's contents, computed in SQL by the engine that holds it (DuckDB or Postgres):
the row count, one order-independent checksum per column and one per whole row.

Two builds are the same when every table's fingerprint is. The checksum of a column is the sum, over
the rows, of the first 60 bits of the MD5 of the value's canonical text; the row checksum does the same
over the row's canonical texts joined by '|'. Canonical text:
- numbers (integer, decimal, float) rounded to FLOAT_DECIMALS (6) places and written with exactly that
  many, so the last bits of a float sum, which depend on the order the engine added it in, do not count;
- null as the two characters \\N, so a null never equals the text 'null' or '';
- everything else as the engine casts it to text (dates and timestamps in ISO form).
A sum ignores row order, so a table rebuilt in another physical order has the same fingerprint. The
texts, and MD5, are the same on both engines, so for tables whose values agree exactly the
fingerprints agree across engines too.

    python -m orchestration.fingerprint --target duckdb --duckdb-path warehouse.duckdb [--schema marts]
"""
import argparse
from dataclasses import dataclass
from pathlib import Path

FLOAT_DECIMALS = 6
NULL_TEXT = "\\N"
NUMERIC_TYPES = {"double", "double precision", "float", "real", "decimal", "numeric", "hugeint", "bigint",
                 "integer", "smallint", "tinyint", "ubigint", "uinteger", "usmallint", "utinyint"}


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    row_checksum: str
    columns: tuple[tuple[str, str], ...]      # (column, checksum), in column order

    def differences(self, other: "Fingerprint") -> list[str]:
        """What differs, in words (empty when the two are equal)."""
        out = []
        if self.rows != other.rows:
            out.append(f"rows {self.rows} != {other.rows}")
        mine, theirs = dict(self.columns), dict(other.columns)
        if mine.keys() != theirs.keys():
            out.append(f"columns {sorted(mine)} != {sorted(theirs)}")
        out += [f"column {c} differs" for c in mine if c in theirs and mine[c] != theirs[c]]
        if self.row_checksum != other.row_checksum and not out:
            out.append("rows differ (same column checksums: values moved between rows)")
        return out


def _engine(con) -> str:
    return "duckdb" if "duckdb" in type(con).__module__ else "postgres"


def _hash60(text_sql: str, engine: str) -> str:
    """The first 60 bits (15 hex digits) of md5(text) as a bigint: positive, and summable without overflow
    (int128 on DuckDB, numeric on Postgres)."""
    if engine == "duckdb":
        return f"cast('0x' || substr(md5({text_sql}), 1, 15) as bigint)"
    return f"('x' || lpad(substr(md5({text_sql}), 1, 15), 16, '0'))::bit(64)::bigint"


def _canonical(column: str, data_type: str, engine: str) -> str:
    col = f'"{column}"'
    if data_type.lower().split("(")[0].strip() in NUMERIC_TYPES:
        text = (f"cast(cast({col} as decimal(38, {FLOAT_DECIMALS})) as varchar)" if engine == "duckdb"
                else f"round({col}::numeric, {FLOAT_DECIMALS})::text")
    else:
        text = f"cast({col} as varchar)" if engine == "duckdb" else f"{col}::text"
    return f"coalesce({text}, '{NULL_TEXT}')"


def columns_of(con, schema: str, table: str) -> list[tuple[str, str]]:
    return [(c, t) for c, t in con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position".replace(
            "%s", "?" if _engine(con) == "duckdb" else "%s"), [schema, table]).fetchall()]


def fingerprint(con, schema: str, table: str, exclude: tuple[str, ...] = ()) -> Fingerprint:
    """The fingerprint of schema.table over one DuckDB or psycopg connection; `exclude` leaves out
    columns that record when a run happened rather than what it computed (a snapshot's dbt_valid_from)."""
    engine = _engine(con)
    cols = [(c, t) for c, t in columns_of(con, schema, table) if c not in exclude]
    if not cols:
        raise ValueError(f"{schema}.{table}: no such table (or no columns left)")
    texts = [_canonical(c, t, engine) for c, t in cols]
    row_text = " || '|' || ".join(texts)
    sums = [f"cast(coalesce(sum({_hash60(t, engine)}), 0) as varchar)" for t in texts]
    row = con.execute(f"select count(*), cast(coalesce(sum({_hash60(row_text, engine)}), 0) as varchar), "
                      f"{', '.join(sums)} from \"{schema}\".\"{table}\"").fetchone()
    return Fingerprint(int(row[0]), row[1], tuple((c, s) for (c, _), s in zip(cols, row[2:], strict=True)))


def tables_of(con, schema: str) -> list[str]:
    placeholder = "?" if _engine(con) == "duckdb" else "%s"
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = " + placeholder +
        " and table_type in ('BASE TABLE', 'VIEW') order by table_name", [schema]).fetchall()]


def fingerprint_schema(con, schema: str = "marts", exclude: tuple[str, ...] = ()) -> dict[str, Fingerprint]:
    """Every table of a schema (the marts by default), by name."""
    return {t: fingerprint(con, schema, t, exclude) for t in tables_of(con, schema)}


def differences(before: dict[str, Fingerprint], after: dict[str, Fingerprint]) -> dict[str, list[str]]:
    """Per table, what differs between two fingerprint_schema results (empty when they are equal)."""
    out = {t: ["missing from the second"] for t in before.keys() - after.keys()}
    out |= {t: ["missing from the first"] for t in after.keys() - before.keys()}
    for t in before.keys() & after.keys():
        if diff := before[t].differences(after[t]):
            out[t] = diff
    return out


def connect(target: str, duckdb_path: Path | None = None, database: str | None = None):
    """A read-only DuckDB connection, or a Postgres one (PG* env vars; `database` overrides PGDATABASE)."""
    if target == "duckdb":
        import duckdb
        return duckdb.connect(str(duckdb_path), read_only=True)
    import psycopg
    from orchestration.generator.load import pg_conninfo
    return psycopg.connect(**pg_conninfo(database), autocommit=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    p.add_argument("--duckdb-path", type=Path, default=Path("warehouse.duckdb"))
    p.add_argument("--database", default=None, help="Postgres database (default: $PGDATABASE)")
    p.add_argument("--schema", default="marts")
    args = p.parse_args(argv)
    con = connect(args.target, args.duckdb_path, args.database)
    try:
        for table, fp in fingerprint_schema(con, args.schema).items():
            print(f"{args.schema}.{table}\t{fp.rows}\t{fp.row_checksum}")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
