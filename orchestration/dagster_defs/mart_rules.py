"""Asset checks for the marts Python writes (forecasts, churn risk): each table's rules as SQL
counting the offending rows or groups, one check result per table. One home for both assets."""
import dagster as dg

from orchestration.dagster_defs.warehouse import WarehouseResource


def duplicate_keys_sql(table: str, keys: tuple[str, ...] | list[str]) -> str:
    """Counts the key values of marts.<table> held by more than one row."""
    columns = ", ".join(keys)
    return f"select count(*) from (select {columns} from marts.{table} group by {columns} having count(*) > 1) as d"


def check_rules(warehouse: WarehouseResource, rules: dict[str, list[tuple[str, str]]],
                keys: dict[str, dg.AssetKey], checks: dict[str, str]) -> list[dg.AssetCheckResult]:
    """Per table: passed when every rule's query counts 0; the counts go to the metadata."""
    results = []
    with warehouse.session() as con:
        for table, table_rules in rules.items():
            problems = {what: con.execute(sql).fetchone()[0] for what, sql in table_rules}
            failed = {what: n for what, n in problems.items() if n}
            results.append(dg.AssetCheckResult(
                asset_key=keys[table], check_name=checks[table], passed=not failed,
                description="; ".join(f"{n} {what}" for what, n in failed.items()) or "all rules hold",
                metadata={what: dg.MetadataValue.int(int(n)) for what, n in problems.items()}))
    return results
