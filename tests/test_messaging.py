"""Messaging on the generated warehouse, both engines: fct_messages holds the generator's ground truth
(the ledger computed from its event model, not from the raw rows) for every tenant, day and measure,
through duplicated, out-of-order, late and read-without-delivered webhooks."""

from conftest import Warehouse, query

MEASURES = ["sent", "delivered", "read", "failed", "replied", "tokens"]


def test_fct_messages_equals_the_generators_ledger(warehouse: Warehouse):
    warehouse_days = {(r[0], str(r[1])): tuple(int(v) for v in r[2:]) for r in query(warehouse, """
        select tenant_id, sent_date,
               sum(case when is_sent then 1 else 0 end), sum(case when is_delivered then 1 else 0 end),
               sum(case when is_read then 1 else 0 end), sum(case when is_failed then 1 else 0 end),
               sum(case when is_replied then 1 else 0 end), sum(tokens)
        from marts.fct_messages group by tenant_id, sent_date""")}
    ledger_days = {(r[0], str(r[1])): tuple(int(v) for v in r[2:]) for r in query(warehouse, f"""
        select tenant_id, day, {', '.join('"' + m + '"' for m in MEASURES)}
        from generator_ledger.messaging_daily""")}
    assert len(ledger_days) > 100 and sum(v[0] for v in ledger_days.values()) > 1000
    assert warehouse_days == ledger_days


def test_message_flags_are_consistent(warehouse: Warehouse):
    """Invariants of the contract's definitions on every row: delivered implies sent, read implies
    delivered, failed excludes delivered, replied and billable only for outbound messages."""
    broken = query(warehouse, """
        select count(*) from marts.fct_messages
        where (is_delivered and not is_sent) or (is_read and not is_delivered)
           or (is_failed and is_delivered)
           or (direction = 'inbound' and (is_replied or is_billable or is_sent))
           or (delivered_at is not null and not is_delivered)
           or llm_cost_usd < 0 or whatsapp_cost_usd < 0""")
    assert broken == [(0,)]
