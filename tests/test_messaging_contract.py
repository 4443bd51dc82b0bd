"""The messaging marts carry exactly what the contract's Messaging section names: every column it
lists (read from docs/contracts/marts.md, not copied here), a `<column>_growth` beside each count
and rate of the snapshots, and its keys unique, on each engine. Extra columns are allowed (the
contract says so); a missing or renamed one fails."""
import re

import pytest

from conftest import REPO, Warehouse, query

MARTS = ("fct_messages", "messaging_snapshots", "conversation_metrics_daily", "campaign_performance",
         "contact_engagement")


def _sections() -> dict[str, str]:
    text = (REPO / "docs" / "contracts" / "marts.md").read_text()
    messaging = text[text.index("## Messaging"):]
    messaging = messaging[:messaging.index("\n## ", 1)] if "\n## " in messaging[1:] else messaging
    return {m.group(1): m.group(2) for m in re.finditer(r"^### `(\w+)`(.*?)(?=^### |\Z)", messaging, re.M | re.S)}


def contract_columns(mart: str) -> set[str]:
    """Identifiers in backticks of the mart's section that name columns (they hold an underscore;
    single prose words such as `sent` in a sentence do not); `<column>_growth` is a rule, not a name."""
    names = set()
    for quoted in re.findall(r"`([^`]+)`", _sections()[mart]):
        names |= {t for t in re.findall(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", quoted)}
    return names - {"sent_at"} if mart == "messaging_snapshots" else names   # sent_at: the message's, named in prose


def contract_keys(mart: str) -> list[str]:
    section = _sections()[mart]
    keys = re.search(r"Keys `([^`]+)`", section) or re.search(r"one row per \w+ \(`([^`]+)`\)", section)
    return [k.strip() for k in keys.group(1).split(",")] if keys else []


def _columns(wh: Warehouse, mart: str) -> set[str]:
    return {c for (c,) in query(wh, "select column_name from information_schema.columns "
                                    f"where table_schema = 'marts' and table_name = '{mart}'")}


def test_the_contract_section_is_read():
    assert set(_sections()) == set(MARTS)
    assert {"delivery_rate", "campaigns_total", "avg_first_response_seconds"} <= contract_columns("messaging_snapshots")
    assert contract_keys("messaging_snapshots") == ["tenant_id", "whatsapp_account_id", "period_type", "period_start"]
    assert contract_keys("campaign_performance") == ["tenant_id", "campaign_id"]


@pytest.mark.parametrize("mart", MARTS)
def test_every_contract_column_is_in_the_mart(warehouse: Warehouse, mart):
    columns = _columns(warehouse, mart)
    assert columns, f"marts.{mart} was not built"
    assert contract_columns(mart) - columns == set()


def test_every_snapshot_count_and_rate_has_its_growth(warehouse: Warehouse):
    columns = _columns(warehouse, "messaging_snapshots")
    measures = contract_columns("messaging_snapshots") - set(contract_keys("messaging_snapshots"))
    assert {f"{m}_growth" for m in measures} - columns == set()


@pytest.mark.parametrize("mart", [m for m in MARTS if contract_keys(m)])
def test_the_contract_keys_are_unique(warehouse: Warehouse, mart):
    keys = contract_keys(mart)
    # null = "all accounts / outlets" is a value of the key here, so compare keys as text
    key = " || '|' || ".join(f"coalesce(cast({k} as varchar), '<all>')" for k in keys)
    rows, distinct = query(warehouse, f"select count(*), count(distinct {key}) from marts.{mart}")[0]
    assert rows > 0 and rows == distinct, (mart, rows, distinct)
