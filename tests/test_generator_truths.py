"""Sales marts against the generator's ledger of won deals (generator_ledger.won_deals): every won deal
as the simulation decided it, with its owner, close month, sales cycle in days (lead created -> won) and
amount in USD at the close month's rate. The expected figures are worked out here in pandas from the
ledger, never from the models."""
import pandas as pd
import pytest

from conftest import AS_OF, Warehouse, query

LAST_COMPLETE_MONTH = pd.Timestamp(AS_OF.year, AS_OF.month, 1) - pd.DateOffset(months=1)


def _frame(warehouse: Warehouse, sql: str, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(query(warehouse, sql), columns=columns)


@pytest.fixture
def won_ledger(warehouse: Warehouse) -> pd.DataFrame:
    won = _frame(warehouse, """select tenant_id, opportunity_id, owner_user_id, closed_month, sales_cycle_days,
                                      amount_usd
                               from generator_ledger.won_deals""",
                 ["tenant_id", "opportunity_id", "owner_user_id", "closed_month", "sales_cycle_days",
                  "amount_usd"])
    won["closed_month"] = pd.to_datetime(won["closed_month"])
    won["sales_cycle_days"] = won["sales_cycle_days"].astype("float")
    won["amount_usd"] = won["amount_usd"].astype("float")
    assert len(won) > 20 and won["sales_cycle_days"].notna().sum() > 10
    return won


def test_won_deals_cycle_and_usd_amount_equal_the_ledger(warehouse: Warehouse, won_ledger: pd.DataFrame):
    """fct_opportunities: the same won deals, each with the ledger's cycle days and USD amount (four
    decimals), foreign-currency deals included."""
    mart = _frame(warehouse, """select tenant_id, opportunity_id, currency, sales_cycle_days, amount_usd
                                from marts.fct_opportunities where is_won""",
                  ["tenant_id", "opportunity_id", "currency", "sales_cycle_days", "amount_usd"])
    both = won_ledger.merge(mart, on=["tenant_id", "opportunity_id"], how="outer", suffixes=("", "_mart"),
                            indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert (both["currency"] != "USD").sum() > 5   # the conversion is exercised
    cycle_mart = both["sales_cycle_days_mart"].astype("float")
    assert ((both["sales_cycle_days"] == cycle_mart)
            | (both["sales_cycle_days"].isna() & cycle_mart.isna())).all()
    assert (both["amount_usd"] - both["amount_usd_mart"].astype("float")).abs().max() < 0.0001


def test_rep_leaderboard_equals_the_ledger(warehouse: Warehouse, won_ledger: pd.DataFrame):
    """sales_rep_performance_monthly: per rep and month, deals won, won amount and the median cycle of
    the won deals (null when none of them came from a lead), through the last complete month."""
    won = won_ledger[won_ledger["closed_month"] <= LAST_COMPLETE_MONTH]
    expected = (won.groupby(["tenant_id", "owner_user_id", "closed_month"])
                .agg(deals_won=("opportunity_id", "count"), won_amount_usd=("amount_usd", "sum"),
                     cycles=("sales_cycle_days", "count"),
                     median_sales_cycle_days=("sales_cycle_days", "median"))
                .reset_index()
                .rename(columns={"owner_user_id": "user_id", "closed_month": "month"}))
    mart = _frame(warehouse, """select tenant_id, user_id, month, deals_won, won_amount_usd,
                                       median_sales_cycle_days
                                from marts.sales_rep_performance_monthly where deals_won > 0""",
                  ["tenant_id", "user_id", "month", "deals_won", "won_amount_usd", "median_sales_cycle_days"])
    mart["month"] = pd.to_datetime(mart["month"])
    both = expected.merge(mart, on=["tenant_id", "user_id", "month"], how="outer", suffixes=("", "_mart"),
                          indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert (both["deals_won"] == both["deals_won_mart"].astype(int)).all()
    assert (both["won_amount_usd"] - both["won_amount_usd_mart"].astype("float")).abs().max() < 0.01
    median_mart = both["median_sales_cycle_days_mart"].astype("float")
    assert ((both["median_sales_cycle_days"] == median_mart)
            | (both["median_sales_cycle_days"].isna() & median_mart.isna())).all()
    # the medians compared include even and odd counts of cycles, and reps whose won deals have none
    assert ((both["cycles"] >= 2) & (both["cycles"] % 2 == 0)).any()
    assert ((both["cycles"] >= 3) & (both["cycles"] % 2 == 1)).any()
    assert (both["cycles"] == 0).any()


def test_pipeline_won_amount_equals_the_ledger(warehouse: Warehouse, won_ledger: pd.DataFrame):
    """sales_pipeline_monthly: won deals and won amount in USD per tenant and close month, all types."""
    won = won_ledger[won_ledger["closed_month"] <= LAST_COMPLETE_MONTH]
    expected = (won.groupby(["tenant_id", "closed_month"])
                .agg(won=("opportunity_id", "count"), won_amount_usd=("amount_usd", "sum")).reset_index())
    mart = _frame(warehouse, """select tenant_id, month, sum(won_opportunities), sum(won_amount_usd)
                                from marts.sales_pipeline_monthly group by 1, 2
                                having sum(won_opportunities) > 0""",
                  ["tenant_id", "closed_month", "won_mart", "won_amount_usd_mart"])
    mart["closed_month"] = pd.to_datetime(mart["closed_month"])
    both = expected.merge(mart, on=["tenant_id", "closed_month"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert (both["won"] == both["won_mart"].astype(int)).all()
    assert (both["won_amount_usd"] - both["won_amount_usd_mart"].astype("float")).abs().max() < 0.01
