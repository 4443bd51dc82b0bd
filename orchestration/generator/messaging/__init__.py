"""WhatsApp CRM simulation for one tenant (source raw_messaging), vectorised with NumPy.

The model, per month of history from the tenant's WhatsApp launch:
- customers open conversations on one of the tenant's 1-3 numbers; each conversation is a series of
  customer turns (one or more inbound messages) answered by the LLM bot within seconds;
- some conversations are handed off (keyword, low bot confidence, the customer asks, or an agent
  takes it manually): a system message, then a CRM user accepts minutes later (or nobody does)
  and answers the rest of the conversation within minutes;
- the business opens conversations too: campaign template sends to an audience of contacts and a
  few one-off utility templates; the customer may read and reply, and the bot takes it from there;
- conversations end resolved, handed_off or closed (time-out); those whose end lies after `now`
  are still active;
- every outbound message has a delivery fate (sent, delivered, read, failed with a WhatsApp Cloud
  API error code) and the webhooks that report it: duplicated, out of order, late (up to 7 days),
  and sometimes a read without its delivered.

Changed rows (contacts blocked or opted out, campaigns completed, conversations ended, hand-offs
accepted, renamed numbers) also arrive in an earlier version at profiles.EARLIER_VERSION_RATE, some loaded
after the latest (profiles.OUT_OF_ORDER_RATE; never for hand-offs, which have no updated_at).

Nothing occurs after `now` (the only future time is the scheduled_at of a campaign still
scheduled: a plan, which the contract allows). The ground truth (`ledger_daily`) is counted from
the model's own arrays of what happened, with the definitions of marts.md "Messaging"; the raw
rows are never read back. Contract-breaking bad rows and duplicate loads are not planted here:
orchestration/generator/mess.py does that for every table.

Two tenant mixes (`MIXES`, with every rate, in profiles.py): "shop" (a store with a sales bot and regular campaigns) and "support"
(a B2B support desk where agents take over). The mix comes from the `mix` argument, else from a
`messaging_mix` attribute of the profile, else from the profile's business: more commerce than
B2B -> shop. Volume scales with profile.weight * scale (times a `messaging` profile attribute when
there is one). Random numbers come from streams derived from one draw of the caller's rng, per
month, so every month can be regenerated alone and the small tables, the message chunks and the
ledger agree whatever order they are asked for.

API: MessagingSimulation(...).tables() -> {table: pa.Table} for whatsapp_accounts, contacts,
campaigns, conversations, handoffs; .message_chunks() yields (messages, message_status_events) per
month (the conversations started in it); .ledger_daily() -> per tenant and UTC day: inbound,
outbound, sent, delivered, read, failed, replied, conversations, handoffs, tokens. Columns are the
contract's (orchestration/contract.py, `contract_path` to read another copy), in its order.

Rates (marts.md definitions): delivered/sent 0.93-0.97, read/delivered 0.6-0.8, failed/outbound
1-5 %; campaign sends are replied 10-20 % of the time, while bot and agent answers in a live chat
are replied to about half the time (the customer's next turn), so the overall reply rate is 0.45-0.6.

Layout: tenant.py sets up what lasts (numbers, contacts, campaign plans); month.py simulates one
month of conversations, messages and their delivery; rows.py writes the raw rows; simulation.py
ties them together and keeps the ledger; model.py and columns.py hold the shared vocabulary.
"""
from ..profiles import MIXES, MessagingMix
from .simulation import MessagingSimulation

__all__ = ["MIXES", "MessagingMix", "MessagingSimulation"]
