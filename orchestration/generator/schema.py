"""The raw contract (docs/contracts/raw_sources.yml) as Arrow schemas, from the one parser.

The generator writes exactly these columns and types; the loaders create tables from them.
orchestration/contract.py parses the contract; this module only names what the generator uses.
"""
from orchestration import contract

TABLES = contract.arrow_schemas()
SQL_TYPES = {arrow: sql for arrow, sql in contract.TYPES.values()}


def key_of(schema: str, table: str) -> tuple[str, ...]:
    return contract.table(schema, table).key


def all_tables():
    for schema, tables in TABLES.items():
        for table, arrow_schema in tables.items():
            yield schema, table, arrow_schema


def create_table_sql(schema: str, table: str) -> str:
    return contract.create_table_sql(schema, table)
