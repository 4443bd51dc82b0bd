"""A fingerprint of a table's contents, computed in SQL by the engine that holds it (DuckDB or Postgres):
the row count, one order-independent checksum per column and one per whole row.

Two builds are the same when every table's fingerprint is. For exact values (text, integers,
decimals, dates, timestamps, booleans) the checksum of a column is the sum, over the rows, of the
first 60 bits of the MD5 of the value's canonical text; the row checksum does the same over the row's
canonical texts of those columns joined by '|'. Canonical text:
- integers and decimals written with exactly DECIMALS (6) places;
- null as the two characters \\N, so a null never equals the text 'null' or '';
- everything else as the engine casts it to text (dates and timestamps in ISO form).
Floating-point columns (double, real) are summed instead, the values and their squares, and two sums
agree within a relative FLOAT_TOLERANCE (1e-9): a float sum's last bits depend on the order the engine
added it in, which changes from run to run with its threads, and any rounding to fixed digits would
now and then fall on either side of a boundary.
Build stamps (BUILD_STAMPS: when a run wrote the row, macros/build_stamp.sql) are left out: they
record the run, not what it computed, and differ between any two builds by design.
A sum ignores row order, so a table rebuilt in another physical order has the same fingerprint. The
texts, and MD5, are the same on both engines, so for tables whose values agree exactly the
fingerprints agree across engines too.

    python -m orchestration.fingerprint --target duckdb --duckdb-path warehouse.duckdb [--schema marts]
"""
import argparse
import math
from dataclasses import dataclass
from pathlib import Path

DECIMALS = 6
FLOAT_TOLERANCE = 1e-9
NULL_TEXT = "\\N"
FLOAT_TYPES = {"double", "double precision", "float", "real", "float4", "float8"}
BUILD_STAMPS = ("_built_at",)
EXACT_NUMBER_TYPES = {"decimal", "numeric", "hugeint", "bigint", "integer", "smallint", "tinyint", "ubigint",
                      "uinteger", "usmallint", "utinyint"}


def _same(a, b) -> bool:
    """Two column checksums agree: texts exactly, float sums (value, square) within FLOAT_TOLERANCE."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return all(x == y or (x is not None and y is not None
                              and math.isclose(x, y, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE))
                   for x, y in zip(a, b, strict=True))
    return a == b


@dataclass(frozen=True, eq=False)
class Fingerprint:
    rows: int
    row_checksum: str
    columns: tuple[tuple[str, object], ...]   # (column, checksum text | (sum, sum of squares)), in order

    def __eq__(self, other) -> bool:
        return isinstance(other, Fingerprint) and not self.differences(other)

    def __hash__(self):
        return hash((self.rows, self.row_checksum))

    def differences(self, other: "Fingerprint") -> list[str]:
        """What differs, in words (empty when the two are equal)."""
        out = []
        if self.rows != other.rows:
            out.append(f"rows {self.rows} != {other.rows}")
        mine, theirs = dict(self.columns), dict(other.columns)
        if mine.keys() != theirs.keys():
            out.append(f"columns {sorted(mine)} != {sorted(theirs)}")
        out += [f"column {c} differs" for c in mine if c in theirs and not _same(mine[c], theirs[c])]
        if self.row_checksum != other.row_checksum and not out:
            out.append("rows differ (same column checksums: values moved between rows)")
        return out


def engine_of(con) -> str:
    """"duckdb" or "postgres": the engine a connection of either driver talks to."""
    return "duckdb" if "duckdb" in type(con).__module__ else "postgres"


def _hash60(text_sql: str, engine: str) -> str:
    """The first 60 bits (15 hex digits) of md5(text) as a bigint: positive, and summable without overflow
    (int128 on DuckDB, numeric on Postgres)."""
    if engine == "duckdb":
        return f"cast('0x' || substr(md5({text_sql}), 1, 15) as bigint)"
    return f"('x' || lpad(substr(md5({text_sql}), 1, 15), 16, '0'))::bit(64)::bigint"


def _kind(data_type: str) -> str:
    return data_type.lower().split("(")[0].strip()


def _canonical(column: str, data_type: str, engine: str) -> str:
    col = f'"{column}"'
    if _kind(data_type) in EXACT_NUMBER_TYPES:
        text = (f"cast(cast({col} as decimal(38, {DECIMALS})) as varchar)" if engine == "duckdb"
                else f"round({col}::numeric, {DECIMALS})::text")
    else:
        text = f"cast({col} as varchar)" if engine == "duckdb" else f"{col}::text"
    return f"coalesce({text}, '{NULL_TEXT}')"


def columns_of(con, schema: str, table: str) -> list[tuple[str, str]]:
    return [(c, t) for c, t in con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position".replace(
            "%s", "?" if engine_of(con) == "duckdb" else "%s"), [schema, table]).fetchall()]


def fingerprint(con, schema: str, table: str, exclude: tuple[str, ...] = ()) -> Fingerprint:
    """The fingerprint of schema.table over one DuckDB or psycopg connection; `exclude` leaves out
    more columns that record when a run happened rather than what it computed (a snapshot's
    dbt_valid_from); BUILD_STAMPS are always left out."""
    engine = engine_of(con)
    cols = [(c, t) for c, t in columns_of(con, schema, table) if c not in (*exclude, *BUILD_STAMPS)]
    if not cols:
        raise ValueError(f"{schema}.{table}: no such table (or no columns left)")
    exact = [(c, _canonical(c, t, engine)) for c, t in cols if _kind(t) not in FLOAT_TYPES]
    row_text = " || '|' || ".join(text for _, text in exact) or "''"
    parts = []
    for c, t in cols:
        if _kind(t) in FLOAT_TYPES:
            value = f'cast("{c}" as double precision)'
            parts += [f"sum({value})", f"sum({value} * {value})"]
        else:
            parts.append(f"cast(coalesce(sum({_hash60(dict(exact)[c], engine)}), 0) as varchar)")
    row = con.execute(f"select count(*), cast(coalesce(sum({_hash60(row_text, engine)}), 0) as varchar), "
                      f"{', '.join(parts)} from \"{schema}\".\"{table}\"").fetchone()
    values, checksums = list(row[2:]), []
    for c, t in cols:
        if _kind(t) in FLOAT_TYPES:
            total, squares = values.pop(0), values.pop(0)
            checksums.append((c, (None if total is None else float(total),
                                  None if squares is None else float(squares))))
        else:
            checksums.append((c, values.pop(0)))
    return Fingerprint(int(row[0]), row[1], tuple(checksums))


def rows_checksum(con, schema: str, table: str) -> str:
    """The row count and the sum of a hash of each row's text, every column included (floats as the
    engine writes them): equal when the same rows are stored again, on the same engine. Not for
    comparing two builds (a float computed twice may differ in its last bits): for noticing that a
    table was rewritten with other values."""
    engine = engine_of(con)
    texts = [_canonical(c, t, engine) for c, t in columns_of(con, schema, table)]
    row_text = " || '|' || ".join(texts) or "''"
    row = con.execute(f"select count(*), cast(coalesce(sum({_hash60(row_text, engine)}), 0) as varchar) "
                      f"from \"{schema}\".\"{table}\"").fetchone()
    return f"{row[0]}:{row[1]}"


def tables_of(con, schema: str) -> list[str]:
    placeholder = "?" if engine_of(con) == "duckdb" else "%s"
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
