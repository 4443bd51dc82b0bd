"""The BigQuery emulator (bqemulator 1.4.0) with the bugs that block dbt-bigquery or change its
results worked around.

This file runs inside the emulator's own venv (.bqemulator/venv, `make bigquery-emulator-venv`),
never in the project's: it patches bqemulator in its process, then hands over to bqemulator's CLI.

    .bqemulator/venv/bin/python tests/bqemulator_workarounds.py start --rest-port 9050 --grpc-port 9060
    .bqemulator/venv/bin/python tests/bqemulator_workarounds.py check    # each bug: present? fixed?

The bugs: (1) SET OPTIONS(description=...) cut at a ")" inside the string, (2) WEEK(MONDAY)
truncation lands on Sunday, (3) NUMERIC is DECIMAL(18,3), (4) NUMERIC(p, s) casts lose (p, s) in a
query that divides, (5) APPROX_QUANTILES offsets read one element too far, (6) ARRAY_AGG(DISTINCT x
IGNORE NULLS) and (7) SET (v) = (SELECT AS STRUCT ...) break dbt's insert_overwrite script, (8)
CREATE TABLE t (columns) ... AS (SELECT ...) with the body in parentheses, as dbt writes an enforced
contract's table, reaches DuckDB unrewritten.
Each workaround names the emulator bug it covers, carries a probe (True when the emulator behaves
as BigQuery does on that point) and the smallest patch that makes the probe pass; `check` prints
{name: [probe before, probe after]} as JSON, so a test proves each bug is still there (else the
workaround can go) and that its patch alone fixes it. Nothing here changes what the project's
models say: they run as they would on BigQuery.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Workaround:
    name: str
    bug: str
    probe: Callable[[], bool]
    apply: Callable[[], None]


# --- 1. ALTER TABLE ... SET OPTIONS(description="... ) ...") ----------------------------------------
# dbt's persist_docs sets a table's description with ALTER TABLE ... SET OPTIONS(description="""...""").
# The emulator turns that statement into a no-op, but finds the end of OPTIONS( at the first ")",
# even inside the string; a description holding ")" is then sent to DuckDB truncated: "syntax error
# at end of input" (every seed and model whose description has parentheses fails).

_DOC_WITH_PARENS = 'alter table `p`.`d`.`t` set OPTIONS(\n  description="""a (b) c"""\n)\n'


def _options_probe() -> bool:
    from bqemulator.sql.rewriter.alter_table_set_options import rewrite_alter_table_set_options
    return rewrite_alter_table_set_options(_DOC_WITH_PARENS) == "SELECT 1"


def _closing_paren_outside_strings(sql: str, cursor: int) -> int | None:
    """The index of the ")" closing the "(" at cursor (after whitespace), skipping string literals
    ('...', "...", '''...''', \"\"\"...\"\"\", with backslash escapes) and nested parentheses."""
    while cursor < len(sql) and sql[cursor].isspace():
        cursor += 1
    if cursor >= len(sql) or sql[cursor] != "(":
        return None
    depth, i = 0, cursor
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            quote = ch * 3 if sql.startswith(ch * 3, i) else ch
            i += len(quote)
            while i < len(sql) and not sql.startswith(quote, i):
                i += 2 if sql[i] == "\\" else 1
            i += len(quote)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _options_apply() -> None:
    from bqemulator.sql.rewriter import alter_table_set_options
    alter_table_set_options._match_balanced_parens = _closing_paren_outside_strings


# --- 2. DATE_TRUNC(d, WEEK(MONDAY)) lands on Sunday -----------------------------------------------------
# sqlglot writes BigQuery's DATE_TRUNC(d, WEEK(MONDAY)) as DuckDB's DATE_TRUNC('WEEK', d) (DuckDB weeks
# start on Monday), and the emulator then rewrites every DATE_TRUNC('WEEK', <date>) to the Sunday
# before, as for BigQuery's plain WEEK: the Monday-start week (macros/week_start.sql) lands on Sunday.

_PROBES = iter(range(1_000_000))


def _translate(sql: str) -> str:
    """The emulator's DuckDB SQL for a BigQuery query (a fresh text each time: translations are cached)."""
    from bqemulator.sql.translator import SQLTranslator
    result = SQLTranslator().translate(f"{sql} -- probe {next(_PROBES)}")
    return result.value if hasattr(result, "value") else str(result)


def _run_duckdb(sql: str):
    import duckdb
    return duckdb.sql(sql).fetchall()


def _patch_duckdb_generator(method: str, make) -> None:
    """Replace a method of sqlglot's DuckDB generator (make(original) -> new one); sqlglot caches each
    generator class's dispatch table, so the cached one is dropped."""
    from sqlglot import generator
    from sqlglot.generators.duckdb import DuckDBGenerator
    setattr(DuckDBGenerator, method, make(getattr(DuckDBGenerator, method)))
    generator._DISPATCH_CACHE.pop(DuckDBGenerator, None)


def _week_probe() -> bool:
    import datetime
    sql = _translate("select date_trunc(cast('2026-12-06' as date), week(monday)), "
                     "date_trunc(cast('2026-12-06' as date), week)")
    return _run_duckdb(sql)[0] == (datetime.date(2026, 11, 30), datetime.date(2026, 12, 6))


def _week_apply() -> None:
    from sqlglot import exp

    def make(original):
        def datetrunc_sql(self, expression):
            unit = expression.args.get("unit")
            if isinstance(unit, exp.WeekStart) and unit.name.upper() == "MONDAY":
                # DuckDB's own week starts on Monday; the parentheses keep the emulator's Sunday rule off it
                operand = expression.this
                truncated = f"DATE_TRUNC('WEEK', ({self.sql(operand)}))"
                is_date = operand.is_type(exp.DType.DATE) or (
                    isinstance(operand, exp.Cast) and operand.to.is_type(exp.DType.DATE))
                return f"CAST({truncated} AS DATE)" if is_date else truncated
            return original(self, expression)
        return datetrunc_sql

    _patch_duckdb_generator("datetrunc_sql", make)


# --- 3. NUMERIC without precision is DuckDB's DECIMAL(18,3) --------------------------------------------
# BigQuery's NUMERIC is DECIMAL(38,9). The emulator writes CAST(x AS NUMERIC) as DuckDB's CAST(x AS
# DECIMAL), whose default is DECIMAL(18,3): every unparameterised NUMERIC cast rounds to 3 places
# (FX-converted money, unit prices per token) and overflows above 10^15.

def _numeric_probe() -> bool:
    from decimal import Decimal
    return _run_duckdb(_translate("select cast('1.123456789' as numeric)"))[0][0] == Decimal("1.123456789")


def _numeric_apply() -> None:
    from sqlglot import exp

    def make(original):
        def datatype_sql(self, expression):
            if expression.this == exp.DType.DECIMAL and not expression.expressions:
                return "DECIMAL(38, 9)"
            return original(self, expression)
        return datatype_sql

    _patch_duckdb_generator("datatype_sql", make)


# --- 4. CAST(x AS NUMERIC(18, 4)) loses its precision in a query that divides --------------------------
# To guard divisions the emulator re-writes the whole BigQuery query through sqlglot, whose BigQuery
# writer drops the parameters of parameterised types in CAST: in any query holding a "/", every
# CAST(x AS NUMERIC(18, 4)) (macros/as_money.sql) becomes CAST(x AS NUMERIC) and is not rounded.

def _numeric_parameters_probe() -> bool:
    return "DECIMAL(18, 4)" in _translate("select cast(x as numeric(18, 4)), x / y from t")


def _numeric_parameters_apply() -> None:
    from sqlglot import exp, generator
    from sqlglot.generators.bigquery import BigQueryGenerator
    BigQueryGenerator.TRANSFORMS = {k: v for k, v in BigQueryGenerator.TRANSFORMS.items() if k is not exp.Cast}
    generator._DISPATCH_CACHE.pop(BigQueryGenerator, None)


# --- 5. APPROX_QUANTILES(x, n)[OFFSET(k)] reads the quantile after the k-th ------------------------------
# The emulator computes APPROX_QUANTILES with DuckDB's quantile_disc, but the list index it then writes
# is shifted once too often: OFFSET(k) reads element k + 1 (a median of [1, 2, 3, 10] is 10, the
# percentiles of macros/percentile.sql land one hundredth higher).

def _quantiles_probe() -> bool:
    sql = _translate("select approx_quantiles(x, 2)[offset(0)], approx_quantiles(x, 2)[offset(1)] "
                     "from unnest([1, 2, 3, 10]) as x")
    return _run_duckdb(sql)[0] in ((1, 2), (1, 3))


def _quantiles_apply() -> None:
    from sqlglot import exp
    from bqemulator.sql.rules.datetime_semantics import ApproxQuantilesDiscreteRule
    original = ApproxQuantilesDiscreteRule.rewrite

    def rewrite(self, node):
        if isinstance(node.parent, exp.Bracket):
            node.parent.set("offset", 1)      # the index is DuckDB's already (1-based): leave it as it is
        return original(self, node)

    ApproxQuantilesDiscreteRule.rewrite = rewrite


# --- 6. ARRAY_AGG(DISTINCT x IGNORE NULLS) ------------------------------------------------------------
# The emulator turns IGNORE NULLS into FILTER (WHERE NOT <operand> IS NULL) but takes "DISTINCT x" as
# the operand: "NOT DISTINCT x IS NULL" does not parse. dbt's insert_overwrite script collects the
# partitions to replace with exactly this aggregate, so every incremental run of an insert_overwrite
# model (web_funnel_daily) fails.

def _array_agg_distinct_probe() -> bool:
    sql = _translate("select array_agg(distinct day ignore nulls) from t")
    return "ARRAY_AGG(DISTINCT day)" in sql and "NOT day IS NULL" in sql


def _array_agg_distinct_apply() -> None:
    from sqlglot import exp
    from bqemulator.sql.rewriter import aggregate_variants
    original = aggregate_variants._filter_target

    def filter_target(agg_operand):
        if isinstance(agg_operand, exp.Distinct) and len(agg_operand.expressions) == 1:
            return agg_operand.expressions[0]
        return original(agg_operand)

    aggregate_variants._filter_target = filter_target


# --- 7. SET (v) = (SELECT AS STRUCT ...) assigns the struct ---------------------------------------------
# BigQuery assigns a struct's fields to the parenthesised variables, in order. The emulator's script
# interpreter evaluates a one-variable SET as a scalar, so v gets the whole struct: dbt's
# insert_overwrite script then compares dates with a struct ("DATE and DATE[]") and fails. (Its parser
# drops the parentheses, so a one-variable SET from SELECT AS STRUCT is read as the tuple form: the
# form dbt writes.)

_STRUCT_SOURCE = r"^\s*\(\s*select\s+as\s+struct\b"


def _set_struct_probe() -> bool:
    import asyncio
    from bqemulator.scripting.ast import SetStmt
    from bqemulator.scripting.interpreter import ScriptInterpreter

    class Frames(dict):
        def set(self, name, value):
            self[name] = value

    class Fake:      # the interpreter's query side: the subquery's one column, as a struct or a row
        _frames = Frames()

        async def _eval_expr_scalar(self, expr):
            return {"_0": ["2026-01-01"]}

        async def _eval_expr_row(self, expr):
            return [["2026-01-01"]]

    fake = Fake()
    stmt = SetStmt(targets=("v",), source_expr="(select as struct array_agg(d) from t)")
    asyncio.run(ScriptInterpreter._exec_set(fake, stmt))
    return fake._frames["v"] == ["2026-01-01"]


def _set_struct_apply() -> None:
    import re
    from bqemulator.scripting.interpreter import ScriptInterpreter
    original = ScriptInterpreter._exec_set
    struct_source = re.compile(_STRUCT_SOURCE, re.IGNORECASE)

    async def _exec_set(self, stmt):
        if len(stmt.targets) == 1 and struct_source.match(stmt.source_expr):
            row = await self._eval_expr_row(struct_source.sub("(select", stmt.source_expr, count=1))
            self._frames.set(stmt.targets[0], row[0])
            return
        await original(self, stmt)

    ScriptInterpreter._exec_set = _exec_set


# --- 8. CREATE TABLE t (columns) AS ( SELECT ... ) -----------------------------------------------------
# A mart with an enforced contract is created by dbt-bigquery as CREATE OR REPLACE TABLE t (name type,
# ...) [PARTITION BY ...] OPTIONS(...) AS ( SELECT ... ), its body in parentheses. The emulator rewrites
# the column list into casts of the select (DuckDB cannot take both), but only when the body is a bare
# SELECT or UNION: a parenthesised one is left as it is and DuckDB fails with 'syntax error at or near
# "AS"' on every contracted mart.

_CONTRACT_DDL = "create or replace table `p`.`d`.`t` (a INT64, b STRING) as (select 1 as a, 'x' as b)"


def _contract_ddl_probe() -> bool:
    from bqemulator.sql.rewriter.create_table_schema_ctas import rewrite_create_table_schema_ctas
    return "(a INT64" not in rewrite_create_table_schema_ctas(_CONTRACT_DDL)


def _contract_ddl_apply() -> None:
    from sqlglot import exp

    from bqemulator.sql.rewriter import create_table_schema_ctas
    first_select = create_table_schema_ctas._first_select

    def first_select_in_parentheses(body):
        while isinstance(body, exp.Subquery):      # ( SELECT ... ): the select inside
            body = body.this
        return first_select(body)

    create_table_schema_ctas._first_select = first_select_in_parentheses


WORKAROUNDS = [
    Workaround("set_options_string_with_paren",
               "ALTER TABLE ... SET OPTIONS(description=...) cut at the first ')' inside the string "
               "(persist_docs fails on any description with parentheses)",
               _options_probe, _options_apply),
    Workaround("date_trunc_week_monday",
               "DATE_TRUNC(d, WEEK(MONDAY)) returns the Sunday before (week_start's weeks start a day early)",
               _week_probe, _week_apply),
    Workaround("numeric_is_decimal_38_9",
               "CAST(x AS NUMERIC) becomes DECIMAL(18,3): rounds to 3 decimal places",
               _numeric_probe, _numeric_apply),
    Workaround("numeric_parameters_kept",
               "CAST(x AS NUMERIC(p, s)) loses (p, s) in any query with a division: not rounded",
               _numeric_parameters_probe, _numeric_parameters_apply),
    Workaround("approx_quantiles_offset",
               "APPROX_QUANTILES(x, n)[OFFSET(k)] returns element k + 1",
               _quantiles_probe, _quantiles_apply),
    Workaround("array_agg_distinct_ignore_nulls",
               "ARRAY_AGG(DISTINCT x IGNORE NULLS) becomes unparseable SQL (insert_overwrite runs fail)",
               _array_agg_distinct_probe, _array_agg_distinct_apply),
    Workaround("set_from_select_as_struct",
               "SET (v) = (SELECT AS STRUCT ...) assigns the struct, not its field (insert_overwrite runs fail)",
               _set_struct_probe, _set_struct_apply),
    Workaround("create_table_columns_as_parenthesised_select",
               "CREATE TABLE t (columns) AS ( SELECT ... ) reaches DuckDB as is (every contracted mart fails)",
               _contract_ddl_probe, _contract_ddl_apply),
]


def apply_all() -> None:
    for w in WORKAROUNDS:
        w.apply()


def check() -> dict[str, list[bool]]:
    """Each probe before and after its own patch only, in order (patches do not depend on each other)."""
    out = {}
    for w in WORKAROUNDS:
        before = w.probe()
        w.apply()
        out[w.name] = [before, w.probe()]
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        print(json.dumps(check()))
        return 0
    apply_all()
    from bqemulator.cli import main as bqemulator_main
    return bqemulator_main(argv, prog_name="bqemulator")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
