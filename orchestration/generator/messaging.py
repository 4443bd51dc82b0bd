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
accepted, renamed numbers) also arrive in an earlier version at P.EARLIER_VERSION_RATE, some loaded
after the latest (P.OUT_OF_ORDER_RATE; never for hand-offs, which have no updated_at).

Nothing occurs after `now` (the only future time is the scheduled_at of a campaign still
scheduled: a plan, which the contract allows). The ground truth (`ledger_daily`) is counted from
the model's own arrays of what happened, with the definitions of marts.md "Messaging"; the raw
rows are never read back. Contract-breaking bad rows and duplicate loads are not planted here:
orchestration/generator/mess.py does that for every table.

Two tenant mixes (`MIXES`): "shop" (a store with a sales bot and regular campaigns) and "support"
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
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration import contract

from . import profiles as P
from .commerce import FIRST, LAST, SEASON
from .timeutil import DAY, HOUR, US, to_us

SOURCE = "raw_messaging"
SECOND = US
MINUTE = 60 * US
NEVER = np.iinfo(np.int64).max
MAX_LATE = 7 * DAY                 # webhooks land at most this long after they occurred

# --- knobs of the two tenant mixes ------------------------------------------------------------------
_SHOP_HOURS = (0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.0, 1.0,
               1.1, 1.0, 0.95, 0.95, 1.0, 1.05, 1.15, 1.3, 1.4, 1.35, 1.1, 0.7)
_OFFICE_HOURS = (0.1, 0.05, 0.04, 0.03, 0.04, 0.08, 0.2, 0.5, 0.95, 1.3, 1.35, 1.3,
                 1.1, 1.25, 1.3, 1.25, 1.15, 1.0, 0.7, 0.5, 0.4, 0.35, 0.25, 0.15)
_SEND_HOURS = tuple(1.0 if 9 <= h <= 19 else 0.0 for h in range(24))


@dataclass(frozen=True)
class MessagingMix:
    name: str
    conversations_per_day: float      # customer-started conversations a day at the end of history, per unit of size
    weekend: float                    # weekend volume relative to a weekday
    season: tuple[float, ...]         # Jan..Dec volume factor
    customer_hours: tuple[float, ...]  # local hour-of-day weights of customers' first messages
    turns_p: float                    # customer turns per conversation ~ geometric(turns_p)
    extra_inbound: float              # customer messages per turn = 1 + Poisson(extra_inbound)
    extra_bot: float                  # bot messages per answer = 1 + Poisson(extra_bot)
    extra_agent: float                # agent messages per answer = 1 + Poisson(extra_agent)
    bot_resolves: float               # conversations without hand-off the bot marks resolved (else closed on time-out)
    handoff_rate: float               # conversations with a customer turn that are handed to an agent
    handoff_triggers: dict            # trigger -> share
    handoff_accepted: float           # hand-offs an agent accepts (manual ones always are)
    agent_resolves: float             # accepted hand-offs ending resolved (else handed_off: moved to a ticket)
    outreach_per_conversation: float  # business-started one-off utility templates per customer-started conversation
    outreach_by_agent: float          # share of those an agent sends (else the system, e.g. order updates)
    campaigns_per_month: float
    campaign_sends_per_conversation: float  # template sends per customer-started conversation of the month
    campaign_categories: dict         # category -> share
    campaign_reply: tuple[float, float]  # P(reply | read) of a campaign's recipients, drawn per campaign
    contacts_per_conversation: float
    blocked: float                    # contacts blocked by now
    opted_out: float                  # contacts opted out by now
    link_crm: float                   # contacts linked to a CRM account
    link_commerce: float              # contacts linked to a store customer
    llm_models: tuple[str, str, str]  # model before the switch, after it, escalation model for hard questions
    escalation: float                 # bot answers written by the escalation model
    interactive_bot: float            # bot answers sent as interactive (buttons, product lists)
    agents: int                       # CRM users answering hand-offs (at most)
    outlets: tuple                    # (outlet_id or None, display suffix) per WhatsApp number


MIXES = {
    "shop": MessagingMix(
        name="shop", conversations_per_day=165.0, weekend=1.1,
        season=tuple(float(x) for x in SEASON / SEASON.mean()), customer_hours=_SHOP_HOURS,
        turns_p=0.5, extra_inbound=0.3, extra_bot=0.5, extra_agent=0.4, bot_resolves=0.65,
        handoff_rate=0.08,
        handoff_triggers={"keyword": 0.35, "confidence": 0.3, "customer_request": 0.3, "manual": 0.05},
        handoff_accepted=0.75, agent_resolves=0.85, outreach_per_conversation=0.05, outreach_by_agent=0.1,
        campaigns_per_month=3.0, campaign_sends_per_conversation=0.55,
        campaign_categories={"marketing": 0.75, "utility": 0.2, "authentication": 0.05}, campaign_reply=(0.1, 0.45),
        contacts_per_conversation=0.45, blocked=0.03, opted_out=0.08, link_crm=0.02, link_commerce=0.45,
        llm_models=("gpt-4o-mini", "gemini-2.0-flash", "gpt-4o"), escalation=0.05, interactive_bot=0.25,
        agents=4,
        outlets=(("outlet_01", "Flagship store"), ("outlet_02", "Online shop"), ("outlet_03", "Outlet mall"))),
    "support": MessagingMix(
        name="support", conversations_per_day=130.0, weekend=0.45,
        season=(1.0, 1.0, 1.05, 1.0, 1.0, 0.95, 0.9, 0.85, 1.05, 1.1, 1.1, 0.85), customer_hours=_OFFICE_HOURS,
        turns_p=0.35, extra_inbound=0.4, extra_bot=0.3, extra_agent=0.5, bot_resolves=0.55,
        handoff_rate=0.28,
        handoff_triggers={"keyword": 0.25, "confidence": 0.35, "customer_request": 0.25, "manual": 0.15},
        handoff_accepted=0.88, agent_resolves=0.8, outreach_per_conversation=0.1, outreach_by_agent=0.6,
        campaigns_per_month=1.0, campaign_sends_per_conversation=0.18,
        campaign_categories={"marketing": 0.3, "utility": 0.6, "authentication": 0.1}, campaign_reply=(0.1, 0.4),
        contacts_per_conversation=0.35, blocked=0.02, opted_out=0.03, link_crm=0.55, link_commerce=0.05,
        llm_models=("gpt-4o", "gpt-4.1-mini", "gpt-4.1"), escalation=0.15, interactive_bot=0.1,
        agents=12, outlets=((None, "Support"), ("branch_eu", "Support EU"), ("branch_apac", "Support APAC"))),
}

# --- delivery model per message category --------------------------------------------------------------
CATEGORIES = ("marketing", "utility", "authentication", "session")
SESSION = 3
P_FAIL = np.array([0.05, 0.025, 0.02, 0.03])          # failed (never delivered)
P_UNDELIVERED = np.array([0.04, 0.025, 0.02, 0.06])   # sent, never delivered (phone gone, number dead)
P_READ = np.array([0.58, 0.75, 0.82, 0.5])            # read | delivered (session: last answers nobody replied to)
READ_MEDIAN_S = np.array([2400.0, 600.0, 30.0, 20.0])
READ_SIGMA = np.array([1.6, 1.4, 1.0, 1.2])
P_FAIL_AFTER_SENT = 0.4        # failed messages that had a sent event first
P_READ_BEFORE_REPLY = 0.97     # outbound messages the customer answered: delivered and read before the answer
P_TRANSIENT_FAILURE = 0.004    # delivered messages with an earlier failed webhook (a retry got through)
# WhatsApp Cloud API error codes of failed messages, by category
ERRORS = {
    0: {"131026": 0.40, "130472": 0.20, "131049": 0.20, "131048": 0.15, "131000": 0.05},  # marketing
    1: {"131026": 0.70, "131048": 0.10, "131056": 0.10, "131000": 0.10},                    # utility
    2: {"131026": 0.70, "131048": 0.10, "131056": 0.10, "131000": 0.10},                    # authentication
    3: {"131026": 0.35, "131047": 0.30, "131051": 0.20, "131000": 0.10, "131053": 0.05},  # session
}
# webhook mess (on top of the truth; it never changes what the marts.md definitions count)
P_DELIVERED_LOST = 0.05        # read messages whose delivered webhook never arrives
P_SENT_LOST = 0.01             # delivered messages whose sent webhook never arrives
P_CLOCK_SKEW = 0.03            # sent webhook stamped after the delivered one
P_LATE = 0.03                  # webhooks landing 1 h to 7 days late
P_SENT_LANDS_LATE = 0.03       # sent webhook landing after the later events of its message
P_DUPLICATED = 0.07            # webhooks delivered again (1 + Poisson(0.5) copies, new ids)

TZ = {"US": -5, "CA": -5, "MX": -6, "JP": 9, "DE": 1, "FR": 1, "GB": 0, "ES": 1, "BR": -3}
DIAL = {"US": ("1", 10), "CA": ("1", 10), "MX": ("52", 10), "JP": ("81", 10), "DE": ("49", 11),
        "FR": ("33", 9), "GB": ("44", 10), "ES": ("34", 9), "BR": ("55", 11)}
TEMPLATES = {
    "marketing": (("summer_sale", "Summer sale"), ("new_collection", "New collection"),
                  ("back_in_stock", "Back in stock"), ("abandoned_cart", "Abandoned cart"),
                  ("welcome_offer", "Welcome offer"), ("black_friday", "Black Friday"), ("webinar_invite", "Webinar invite"),
                  ("feature_launch", "Feature launch")),
    "utility": (("order_update", "Order update"), ("renewal_reminder", "Renewal reminder"),
                ("maintenance_notice", "Maintenance notice"), ("invoice_ready", "Invoice ready"),
                ("appointment_reminder", "Appointment reminder")),
    "authentication": (("otp_login", "Login code"), ("verify_phone", "Phone verification")),
}
LEDGER_COLUMNS = ("inbound", "outbound", "sent", "delivered", "read", "failed", "replied", "conversations",
                  "handoffs", "tokens")
# message roles inside the simulation
IN, LLM, SYS, AGENT = 0, 1, 2, 3
SENDER = np.array(["customer", "llm", "system", "agent"], dtype=object)
TRIGGERS = np.array(["keyword", "confidence", "customer_request", "manual"], dtype=object)
KEYWORD, CONFIDENCE, CUSTOMER_REQUEST, MANUAL = 0, 1, 2, 3
# conversation kinds
CUSTOMER, OUTREACH, CAMPAIGN = 0, 1, 2


def month_start_us(mi: int) -> int:
    return to_us(datetime(mi // 12, mi % 12 + 1, 1))


def _us_month(us: int) -> int:
    return int(np.datetime64(int(us), "us").astype("datetime64[M]").astype(np.int64)) + 1970 * 12


_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)


def _str_ids(prefix: str, nums: np.ndarray) -> pa.Array:
    """prefix + decimal number (nums >= 0), written straight into an Arrow string buffer (Arrow's
    integer-to-string cast is the slowest step of the generator otherwise)."""
    nums = np.asarray(nums, np.int64)
    n = nums.size
    head = np.frombuffer(prefix.encode(), np.uint8)
    digits = np.searchsorted(_POW10, nums, side="right") + 1
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(head.size + digits, out=offsets[1:])
    data = np.empty(int(offsets[-1]), np.uint8)
    for j, b in enumerate(head):
        data[offsets[:-1] + j] = b
    rest, end = nums.copy(), offsets[1:] - 1
    for k in range(int(digits.max()) if n else 0):
        on = k < digits
        data[(end - k)[on]] = 48 + rest[on] % 10
        rest //= 10
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _ts(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    us = np.asarray(us, np.int64)
    return pa.array(us, pa.timestamp("us"), mask=None if valid is None else ~np.asarray(valid, bool))


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=object), pa.string())


def _pick(rng, options: dict, n: int) -> np.ndarray:
    keys = np.arange(len(options))
    p = np.array(list(options.values()), float)
    return rng.choice(keys, n, p=p / p.sum())


def _lognormal_us(rng, median_s, sigma, n, lo_s, hi_s) -> np.ndarray:
    x = rng.lognormal(np.log(median_s), sigma, n)
    return (np.clip(x, lo_s, hi_s) * SECOND).astype(np.int64)


def _uniform_us(rng, lo_s, hi_s, n) -> np.ndarray:
    return (rng.uniform(lo_s, hi_s, n) * SECOND).astype(np.int64)


@dataclass
class _Month:
    """One month of the model: conversations started in it and everything that happened in them."""
    month: int
    # conversations (local index j)
    conv_start: np.ndarray
    conv_account: np.ndarray
    conv_contact: np.ndarray
    conv_status: np.ndarray          # object: active | resolved | handed_off | closed
    conv_ended: np.ndarray           # NEVER while active
    conv_last: np.ndarray
    # hand-offs (one per handed-off conversation whose request happened)
    ho_conv: np.ndarray
    ho_trigger: np.ndarray
    ho_requested: np.ndarray
    ho_accepted: np.ndarray          # NEVER when nobody accepted (yet)
    ho_agent: np.ndarray             # index into agents, -1 none
    # messages, sorted by conversation then time
    msg_conv: np.ndarray
    msg_time: np.ndarray
    msg_role: np.ndarray
    msg_campaign: np.ndarray         # campaign index, -1 none
    msg_agent: np.ndarray            # agent index, -1 none
    msg_template: np.ndarray         # bool: template (opening) message
    msg_first_reply: np.ndarray      # bool: the customer's first message answering a template
    msg_pos: np.ndarray              # position in its conversation
    msg_category: np.ndarray         # outbound: 0-3 (CATEGORIES), -1 inbound
    # delivery events of outbound messages (NEVER = did not happen by now)
    ev_sent: np.ndarray
    ev_delivered: np.ndarray
    ev_read: np.ndarray
    ev_failed: np.ndarray
    transient_failure: np.ndarray    # bool: the failed event came before a delivery
    replied: np.ndarray              # bool per message (outbound only)


class MessagingSimulation:
    def __init__(self, tenant_id: str, profile: P.TenantProfile, scale: float, rng: np.random.Generator,
                 start: datetime, now: datetime, crm_account_ids=(), crm_user_ids=(), commerce_customer_ids=(),
                 mix: str | MessagingMix | None = None, contract_path: Path | None = None):
        self.t, self.prof = tenant_id, profile
        self.start_us, self.now_us = to_us(start), to_us(now)
        if isinstance(mix, MessagingMix):
            self.mix = mix
        else:
            name = mix or getattr(profile, "messaging_mix", None) or (
                "shop" if profile.commerce >= profile.b2b else "support")
            self.mix = MIXES[name]
        self.size = profile.weight * scale * float(getattr(profile, "messaging", 1.0))
        self.schemas = contract.arrow_schemas(contract_path or contract.CONTRACT_PATH)[SOURCE]
        self.crm_account_ids = np.array(list(crm_account_ids), dtype=object)
        self.crm_user_ids = np.array(list(crm_user_ids), dtype=object)
        self.commerce_customer_ids = np.array(list(commerce_customer_ids), dtype=object)
        self._seed = int(rng.integers(0, 2 ** 62))   # the caller's rng is drawn once, whatever is generated
        countries = dict(profile.countries)
        self.country = max(countries, key=countries.get)
        self.tz_hours = TZ.get(self.country, 0)
        self._small: dict[str, pa.Table] | None = None
        self._ledger: pa.Table | None = None
        self._setup()

    # -- tenant-level set-up: numbers, contacts, campaigns, agents -------------------------------------
    def _rng(self, *stream) -> np.random.Generator:
        return np.random.default_rng([self._seed, *stream])

    def _setup(self):
        rng = self._rng(0)
        mx = self.mix
        span = self.now_us - self.start_us
        self.launch_us = (self.start_us + int(rng.uniform(0.02, 0.15) * span)) // HOUR * HOUR
        self.day0 = self.launch_us // DAY - 30
        self.n_days = self.now_us // DAY - self.day0 + 1
        self.fail_factor = rng.uniform(0.7, 1.3)
        self.system_prompt_tokens = int(rng.integers(400, 1600))
        self.model_switch_us = self.launch_us + int(rng.uniform(0.3, 0.7) * (self.now_us - self.launch_us))
        # agents: a few CRM users answer hand-offs, unevenly
        k = min(mx.agents, self.crm_user_ids.size)
        self.agents = rng.choice(self.crm_user_ids, k, replace=False) if k else np.empty(0, dtype=object)
        w = rng.lognormal(0, 0.6, k)
        self.agent_p = w / w.sum() if k else w
        # WhatsApp numbers
        n_acc = int(rng.integers(1, 4)) if self.size > 0 else 0
        created = np.empty(n_acc, np.int64)
        if n_acc:
            created[0] = self.launch_us - int(rng.integers(1, 20)) * DAY + int(rng.integers(0, DAY))
            later = rng.uniform(0.1, 0.7, n_acc - 1) * (self.now_us - self.launch_us)
            created[1:] = self.launch_us + later.astype(np.int64)
        self.acc_created = created
        self.acc_weight = np.array([1.0, 0.6, 0.4])[:n_acc]
        self._accounts(rng, n_acc)
        # expected customer conversations over the whole history sets the number of contacts
        days = np.arange(self.launch_us // DAY, self.now_us // DAY + 1)
        total_expected = mx.conversations_per_day * self.size * self._day_weight(days).sum()
        self._contacts(rng, max(20, round(mx.contacts_per_conversation * total_expected)) if self.size > 0 else 0)
        self._campaigns(rng)

    def _accounts(self, rng, n_acc):
        dial, digits = DIAL.get(self.country, ("1", 10))
        nums = rng.integers(10 ** (digits - 1), 10 ** digits, n_acc)
        self.acc_phone = np.array([f"+{dial} {str(x)[:3]} {str(x)[3:6]} {str(x)[6:]}" for x in nums], dtype=object)
        brand = self.prof.name.replace("_", " ").title()
        self.acc_outlet = np.array([self.mix.outlets[i][0] for i in range(n_acc)], dtype=object)
        self.acc_name = np.array([f"{brand} {self.mix.outlets[i][1]}" for i in range(n_acc)], dtype=object)
        self.acc_renamed = rng.random(n_acc) < 0.3           # display name changed once (an earlier version)
        self.acc_rename_at = self.acc_created + (rng.uniform(0.05, 0.9, n_acc) * np.maximum(
            self.now_us - self.acc_created, 0)).astype(np.int64)

    def _day_weight(self, days: np.ndarray) -> np.ndarray:
        """Relative volume of each UTC day (growth since launch, weekday, season)."""
        frac = np.clip((days * DAY - self.launch_us) / max(self.now_us - self.launch_us, 1), 0, 1)
        growth = 0.25 + 0.75 * frac
        weekday = (days + 3) % 7                                     # 1970-01-01 was a Thursday
        wd = np.where(weekday >= 5, self.mix.weekend, 1.0)
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        return growth * wd * np.array(self.mix.season)[month]

    def _times(self, rng, lo: int, hi: int, n: int, hours, weights=None) -> np.ndarray:
        """n times in [lo, hi) by day weight and local hour of day (fewer when some fall outside)."""
        days = np.arange(lo // DAY, (hi - 1) // DAY + 1)
        w = self._day_weight(days) if weights is None else weights
        hp = np.roll(np.asarray(hours, float), -self.tz_hours)       # UTC hour -> weight of its local hour
        d = rng.choice(days.size, n, p=w / w.sum())
        h = rng.choice(24, n, p=hp / hp.sum())
        t = days[d] * DAY + h * HOUR + rng.integers(0, HOUR, n)
        return np.sort(t[(t >= lo) & (t < hi)])

    def _local_office_hours(self, t: np.ndarray) -> np.ndarray:
        local = t + self.tz_hours * HOUR
        hour = (local // HOUR) % 24
        weekday = (local // DAY + 3) % 7
        return (hour >= 9) & (hour < 18) & (weekday < 5)

    def _contacts(self, rng, n):
        mx = self.mix
        lo = self.launch_us - 14 * DAY
        t = self._times(rng, lo, self.now_us - HOUR, int(n * 1.15) + 10, mx.customer_hours)
        if t.size > n:
            t = np.sort(rng.choice(t, n, replace=False))
        n = t.size
        seed = min(n, max(1, int(n * 0.03)))                         # imported when the number went live
        t[:seed] = np.sort(self.launch_us - rng.integers(HOUR, 14 * DAY, seed))
        self.c_created = np.sort(t)
        u = rng.random(n)
        status = np.full(n, "active", dtype=object)
        status[u < mx.blocked] = "blocked"
        status[(u >= mx.blocked) & (u < mx.blocked + mx.opted_out)] = "opted_out"
        changed = status != "active"
        change = np.full(n, NEVER, np.int64)
        change[changed] = self.c_created[changed] + (rng.uniform(0.02, 1.0, changed.sum()) * (
            self.now_us - HOUR - self.c_created[changed])).astype(np.int64)
        self.c_status, self.c_change = status, change
        first, last = rng.choice(np.array(FIRST, dtype=str), n), rng.choice(np.array(LAST, dtype=str), n)
        kind = rng.random(n)
        names = np.where(kind < 0.7, np.char.add(np.char.add(np.char.capitalize(first), " "), np.char.capitalize(last)),
                         np.char.capitalize(first)).astype(object)
        names[kind >= 0.9] = None                                    # no WhatsApp profile name
        self.c_name = names
        countries = list(self.prof.countries)
        cp = np.array([self.prof.countries[c] for c in countries])
        cc = rng.choice(len(countries), n, p=cp / cp.sum())
        base = int(rng.integers(10 ** 8, 10 ** 9))
        wa = np.empty(n, dtype=object)
        for i, c in enumerate(countries):
            sel = np.flatnonzero(cc == i)
            dial, digits = DIAL.get(c, ("1", 10))
            local = 10 ** (digits - 1) + (base + sel * 7919) % (9 * 10 ** (digits - 1))
            wa[sel] = np.char.add(dial, local.astype(str)).astype(object)
        self.c_wa = wa
        self.c_crm = self._link(rng, n, mx.link_crm, self.crm_account_ids)
        self.c_com = self._link(rng, n, mx.link_commerce, self.commerce_customer_ids)
        self.c_renamed = rng.random(n) < 0.05                        # profile name changed later
        self.c_updated = np.where(changed, change, np.where(
            self.c_renamed, self.c_created + (rng.random(n) * (self.now_us - HOUR - self.c_created)).astype(np.int64),
            self.c_created))

    @staticmethod
    def _link(rng, n, share, pool: np.ndarray) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        if pool.size == 0 or n == 0:
            return out
        pick = np.flatnonzero(rng.random(n) < share)
        out[pick] = pool[rng.integers(0, pool.size, pick.size)]
        return out

    def _eligible(self, t: int) -> np.ndarray:
        """Contacts one may message at time t (created, not blocked or opted out yet)."""
        k = int(np.searchsorted(self.c_created, t, side="right"))
        return np.flatnonzero(self.c_change[:k] > t)

    def _expected_customer_conversations(self, lo, hi) -> float:
        days = np.arange(lo // DAY, (hi - 1) // DAY + 1)
        return self.mix.conversations_per_day * self.size * self._day_weight(days).sum() * (hi - lo) / (days.size * DAY)

    def _campaigns(self, rng):
        """Campaign plans: schedule, audience, status; sends are made month by month."""
        mx = self.mix
        rows = []
        if self.size <= 0:
            self._camp_arrays(rows)
            return
        cats = list(mx.campaign_categories)
        for mi in range(_us_month(self.launch_us), _us_month(self.now_us) + 1):
            m_lo, m_hi = max(self.launch_us, month_start_us(mi)), month_start_us(mi + 1)
            if m_lo >= m_hi:
                continue
            n = rng.poisson(mx.campaigns_per_month * min(1.0, 2 * self.size ** 0.5) * (m_hi - m_lo) / (30.44 * DAY))
            if n == 0:
                continue
            expected = self._expected_customer_conversations(m_lo, m_hi)
            when = self._times(rng, m_lo, m_hi, n * 3, _SEND_HOURS, np.ones((m_hi - 1) // DAY - m_lo // DAY + 1))
            when = rng.permutation(when)[:n]
            for t in when:
                cat = cats[_pick(rng, mx.campaign_categories, 1)[0]]
                target = mx.campaign_sends_per_conversation * expected / max(n, 1) * rng.lognormal(0, 0.5)
                rows.append(self._plan_campaign(rng, int(t), cat, target, mi))
        # a campaign sending right now
        if rows:
            cat = cats[_pick(rng, mx.campaign_categories, 1)[0]]
            target = mx.campaign_sends_per_conversation * self._expected_customer_conversations(
                self.now_us - 30 * DAY, self.now_us) / max(mx.campaigns_per_month, 1)
            rows.append(self._plan_campaign(rng, self.now_us, cat, target, _us_month(self.now_us), running=True))
        rows.sort(key=lambda r: (r["created_at"], r["scheduled_at"] or 0))
        self._camp_arrays(rows)

    def _plan_campaign(self, rng, t: int, cat: str, target: float, mi: int, running: bool = False) -> dict:
        mx = self.mix
        tmpl, label = TEMPLATES[cat][int(rng.integers(len(TEMPLATES[cat])))]
        ym = f"{mi // 12}-{mi % 12 + 1:02d}"
        ready = np.flatnonzero(self.acc_created <= min(t, self.now_us - HOUR))
        account = int(rng.choice(ready)) if ready.size else 0
        rate = rng.uniform(8, 40)                                    # sends a second (tier throttling)
        r = dict(category=cat, name=f"{label} {ym}", template_name=f"{tmpl}_v{int(rng.integers(1, 4))}",
                 account=account, audience=0, sends=0, scheduled_at=None, started_at=None, completed_at=None,
                 status="completed", spacing=0,
                 reply=rng.uniform(*mx.campaign_reply) * (0.2 if cat == "authentication" else 1.0))
        if running:
            eligible = self._eligible(self.now_us - HOUR).size
            r["audience"] = int(min(eligible, max(1, round(target))))
            duration = int(r["audience"] / rate * SECOND) + MINUTE
            start = self.now_us - int(rng.uniform(0.2, 0.8) * duration)
            r.update(scheduled_at=start - int(rng.integers(0, 90)) * SECOND, started_at=start, status="running",
                     spacing=max(1, duration // max(r["audience"], 1)), sends=r["audience"])
            r["created_at"] = r["scheduled_at"] - int(rng.integers(10 * 60, 3 * 86400)) * SECOND
            r["updated_at"] = r["started_at"]
            return r
        scheduled = rng.random() < 0.7
        created = t - int(rng.integers(10 * 60, 7 * 86400)) * SECOND
        r["created_at"] = created
        u = rng.random()
        if t >= self.now_us - HOUR:                                    # planned for later: scheduled or draft
            created = min(created, self.now_us - int(rng.integers(HOUR, 5 * DAY)))
            r["created_at"] = created
            eligible = self._eligible(created).size
            r["audience"] = int(min(eligible, max(1, round(target))))
            if u < 0.7:
                r.update(status="scheduled", scheduled_at=max(t, self.now_us + HOUR))
            else:
                r.update(status="draft")
            r["updated_at"] = created
            return r
        eligible = self._eligible(t).size
        if eligible == 0:
            r.update(status="draft", updated_at=created)
            return r
        r["audience"] = int(min(eligible, max(1, round(target))))
        if u < 0.03:                                                 # never scheduled
            r.update(status="draft", updated_at=created + int(rng.integers(60, 3600)) * SECOND)
            return r
        if u < 0.05:                                                 # cancelled before it started
            r.update(status="cancelled", scheduled_at=t, updated_at=created + (t - created) // 2)
            return r
        start = t + int(rng.integers(0, 90)) * SECOND
        duration = int(r["audience"] / rate * SECOND) + MINUTE
        spacing = max(1, duration // r["audience"])
        r.update(scheduled_at=t if scheduled else None, started_at=start, spacing=spacing, sends=r["audience"])
        if not scheduled:
            r["created_at"] = min(created, start - 5 * MINUTE)
        stop_share, stop_s = rng.uniform(0.05, 0.7), int(rng.integers(1, 600))
        stop = start + int(r["audience"] * stop_share) * spacing + stop_s * SECOND
        if u < 0.10 and stop < self.now_us:        # failed (rate limit, template paused) or cancelled part way
            r["sends"] = max(1, int(r["audience"] * stop_share))
            r.update(status="failed" if u < 0.08 else "cancelled", updated_at=stop)
        else:
            done = start + r["audience"] * spacing + int(rng.integers(1, 30)) * SECOND
            if done >= self.now_us:
                r.update(status="running", updated_at=start)
            else:
                r.update(completed_at=done, updated_at=done)
        r["updated_at"] = min(r["updated_at"], self.now_us - SECOND)
        return r

    def _camp_arrays(self, rows):
        self.camp_rows = rows
        self.camp_started = np.array([NEVER if r["started_at"] is None else r["started_at"] for r in rows], np.int64)
        self.camp_cat = np.array([CATEGORIES.index(r["category"]) for r in rows], np.int64)

    # -- one month -----------------------------------------------------------------------------------
    def _months(self):
        if self.size <= 0:
            return range(0)
        return range(_us_month(self.launch_us), _us_month(self.now_us - 1) + 1)

    def _month(self, mi: int) -> _Month | None:
        rng = self._rng(1, mi)
        mx, now = self.mix, self.now_us
        lo, hi = max(self.launch_us, month_start_us(mi)), min(now, month_start_us(mi + 1))
        if hi <= lo:
            return None
        # 1. who starts what, when
        expected = self._expected_customer_conversations(lo, hi) * rng.lognormal(0, 0.08)
        t_cust = self._times(rng, lo, hi, rng.poisson(expected), mx.customer_hours)
        t_outr = self._times(rng, lo, hi, rng.poisson(expected * mx.outreach_per_conversation), _SEND_HOURS)
        contact_cust = self._pick_contacts(rng, t_cust, recent=True)
        contact_outr = self._pick_contacts(rng, t_outr, recent=False)
        keep_c, keep_o = contact_cust >= 0, contact_outr >= 0
        t_cust, contact_cust = t_cust[keep_c], contact_cust[keep_c]
        t_outr, contact_outr = t_outr[keep_o], contact_outr[keep_o]
        c_t, c_contact, c_camp = [], [], []
        for ci in np.flatnonzero((self.camp_started >= lo) & (self.camp_started < hi)):
            r = self.camp_rows[ci]
            eligible = self._eligible(r["started_at"])
            audience = rng.choice(eligible, min(r["audience"], eligible.size), replace=False)[:r["sends"]]
            k = audience.size
            sends = r["started_at"] + np.arange(k) * r["spacing"] + rng.integers(0, r["spacing"], k)
            keep = sends < now
            c_t.append(sends[keep])
            c_contact.append(audience[keep])
            c_camp.append(np.full(keep.sum(), ci))
        t_camp = np.concatenate(c_t) if c_t else np.empty(0, np.int64)
        contact_camp = np.concatenate(c_contact) if c_contact else np.empty(0, np.int64)
        camp_of = np.concatenate(c_camp) if c_camp else np.empty(0, np.int64)
        start = np.concatenate([t_cust, t_outr, t_camp]).astype(np.int64)
        kind = np.concatenate([np.full(t_cust.size, CUSTOMER), np.full(t_outr.size, OUTREACH),
                               np.full(t_camp.size, CAMPAIGN)])
        contact = np.concatenate([contact_cust, contact_outr, contact_camp]).astype(np.int64)
        campaign = np.concatenate([np.full(t_cust.size + t_outr.size, -1), camp_of]).astype(np.int64)
        order = np.lexsort((contact, start))
        start, kind, contact, campaign = start[order], kind[order], contact[order], campaign[order]
        n = start.size
        account = self._pick_accounts(rng, start)
        has_camp = campaign >= 0
        account[has_camp] = np.array([self.camp_rows[c]["account"] for c in campaign[has_camp]], np.int64)
        # 2. template openings: delivery, read, and the customer's answer
        opened = kind != CUSTOMER
        o_idx = np.flatnonzero(opened)
        # 1 (utility) pads the lookup so a tenant with no campaign yet (a tiny scale) still indexes it
        camp_cat = np.append(self.camp_cat, 1)
        o_cat = np.where(has_camp[o_idx], camp_cat[campaign[o_idx]], 1)
        o_ev = self._delivery(rng, start[o_idx], o_cat, np.full(o_idx.size, NEVER, np.int64))
        camp_reply = np.array([r["reply"] for r in self.camp_rows] + [0.0])
        p_reply = np.where(has_camp[o_idx], camp_reply[campaign[o_idx]], 0.35)   # -1: the sentinel, unused
        answered = (o_ev[2] < NEVER) & (rng.random(o_idx.size) < p_reply)
        reply_at = np.where(o_ev[2] < NEVER, o_ev[2], 0) + _lognormal_us(rng, 360, 1.4, o_idx.size, 5, 20 * 3600)
        answered &= reply_at < start[o_idx] + 24 * HOUR - SECOND
        o_agent = np.where((kind[o_idx] == OUTREACH) & (rng.random(o_idx.size) < mx.outreach_by_agent),
                           self._pick_agents(rng, o_idx.size), -1)
        # 3. customer turns: every customer-started conversation and every answered opening
        turn_start = np.full(n, NEVER, np.int64)
        turn_start[~opened] = start[~opened]
        turn_start[o_idx[answered]] = reply_at[answered]
        talk = np.flatnonzero(turn_start < NEVER)
        m = talk.size
        n_turns = np.minimum(rng.geometric(np.where(opened[talk], 0.6, mx.turns_p)), 12)
        has_h = rng.random(m) < mx.handoff_rate * np.where(opened[talk], 0.5, 1.0)
        trig = _pick(rng, mx.handoff_triggers, m)
        h_turn = (rng.random(m) * np.minimum(n_turns, 3)).astype(np.int64)
        accepted = has_h & ((trig == MANUAL) | (rng.random(m) < mx.handoff_accepted))
        after = rng.geometric(0.45, m) - 1
        n_turns = np.where(has_h, h_turn + 1 + np.where(accepted, after, 0), n_turns)
        off_hours = ~self._local_office_hours(turn_start[talk])
        acc_delay = _lognormal_us(rng, 240, 0.9, m, 30, 3 * 3600) * np.where(off_hours, 4, 1)
        man_off = _uniform_us(rng, 5, 90, m)
        agent = np.where(has_h, self._pick_agents(rng, m), -1)
        # turn table
        tc = np.repeat(np.arange(m), n_turns)
        tk = np.arange(tc.size) - np.repeat(np.cumsum(n_turns) - n_turns, n_turns)
        nt = tc.size
        before_h = ~has_h[tc] | (tk < h_turn[tc])
        at_h = has_h[tc] & (tk == h_turn[tc])
        after_h = has_h[tc] & (tk > h_turn[tc])
        n_in = 1 + rng.poisson(mx.extra_inbound, nt)
        n_bot = np.where(before_h | (at_h & (trig[tc] == CONFIDENCE)), 1 + rng.poisson(mx.extra_bot, nt), 0)
        n_sys = (at_h & (trig[tc] != MANUAL)).astype(np.int64)
        n_agent = np.where(after_h | (at_h & accepted[tc]), 1 + rng.poisson(mx.extra_agent, nt), 0)
        per_turn = n_in + n_bot + n_sys + n_agent
        # message slots
        st = np.repeat(np.arange(nt), per_turn)
        p = np.arange(st.size) - np.repeat(np.cumsum(per_turn) - per_turn, per_turn)
        k1, k2, k3 = n_in[st], (n_in + n_bot)[st], (n_in + n_bot + n_sys)[st]
        role = np.where(p < k1, IN, np.where(p < k2, LLM, np.where(p < k3, SYS, AGENT)))
        ns = st.size
        sc = tc[st]                                                  # local talk index of each slot
        delay = np.where(rng.random(ns) < 0.72, _lognormal_us(rng, 50, 0.9, ns, 5, 3600),
                         np.where(rng.random(ns) < 0.9, _uniform_us(rng, 3600, 20 * 3600, ns),
                                  _uniform_us(rng, 24 * 3600, 40 * 3600, ns)))
        gap = np.where(p == 0, np.where(tk[st] == 0, 0, delay), 0)
        gap = np.where((role == IN) & (p > 0), _uniform_us(rng, 3, 60, ns), gap)
        gap = np.where((role == LLM) & (p == k1), _lognormal_us(rng, 2.5, 0.5, ns, 0.8, 15), gap)
        gap = np.where((role == LLM) & (p > k1), _uniform_us(rng, 1, 4, ns), gap)
        gap = np.where(role == SYS, _uniform_us(rng, 1, 3, ns), gap)
        respond = _uniform_us(rng, 15, 120, ns)
        first_agent = (role == AGENT) & (p == k3)
        handoff_gap = np.where(trig[sc] == MANUAL, man_off[sc] + acc_delay[sc] + respond,
                               acc_delay[sc] - SECOND + respond)
        agent_gap = _lognormal_us(rng, 90, 0.8, ns, 10, 1800) * np.where(off_hours[sc], 2, 1)
        gap = np.where(first_agent, np.where(at_h[st], handoff_gap, agent_gap), gap)
        gap = np.where((role == AGENT) & (p > k3), _uniform_us(rng, 8, 60, ns), gap)
        gap = gap + rng.integers(1, 1000, ns) * (p > 0)             # strictly increasing times
        gap[(p == 0) & (tk[st] == 0)] = 0
        count = np.bincount(sc, minlength=m)
        first = np.cumsum(count) - count
        cs = np.cumsum(gap)
        t_slot = turn_start[talk][sc] + cs - np.repeat(cs[first] - gap[first], count)
        # hand-off times
        sys_slot = np.full(m, -1)
        sys_slot[sc[role == SYS]] = np.flatnonzero(role == SYS)
        agent_first = np.full(m, -1)
        fa = np.flatnonzero(first_agent & at_h[st])
        agent_first[sc[fa]] = fa
        manual_prev = np.full(m, -1)
        manual_prev[sc[fa]] = fa - 1
        requested = np.where(trig == MANUAL, t_slot[np.maximum(manual_prev, 0)] + man_off,
                             t_slot[np.maximum(sys_slot, 0)] - SECOND)
        requested = np.where(has_h, requested, NEVER)
        accepted_at = np.where(accepted, requested + acc_delay, NEVER)
        # 4. how each conversation ends (from the whole story; later than now = still active)
        last = start.copy()
        talk_last = np.full(m, 0, np.int64)
        talk_last[count > 0] = t_slot[first[count > 0] + count[count > 0] - 1]
        last[talk] = np.maximum(last[talk], talk_last)
        ended = last + 24 * HOUR + _uniform_us(rng, 0, 600, n)      # time-out
        status = np.full(n, "closed", dtype=object)
        bot_res = rng.random(m) < mx.bot_resolves
        agent_res = rng.random(m) < mx.agent_resolves
        t_end = np.where(~has_h, np.where(bot_res, talk_last + _uniform_us(rng, 900, 2700, m),
                                          talk_last + 24 * HOUR),
                         np.where(~accepted, requested + _uniform_us(rng, 2 * 3600, 24 * 3600, m),
                                  np.where(agent_res, talk_last + _uniform_us(rng, 120, 1800, m),
                                           talk_last + _uniform_us(rng, 600, 7200, m))))
        s_end = np.where(~has_h, np.where(bot_res, "resolved", "closed"),
                         np.where(~accepted | ~agent_res, "handed_off", "resolved")).astype(object)
        ended[talk], status[talk] = t_end, s_end
        active = ended >= now
        status[active] = "active"
        ended[active] = NEVER
        # 5. the messages that happened by now, sorted by conversation and time
        keep = t_slot < now
        s_conv = talk[sc][keep]
        s_role = role[keep]
        s_time = t_slot[keep]
        s_agent = np.where(role == AGENT, agent[sc], -1)[keep]
        s_first_reply = (opened[talk][sc] & (tk[st] == 0) & (p == 0))[keep]
        msg_conv = np.concatenate([o_idx, s_conv])
        msg_time = np.concatenate([start[o_idx], s_time])
        msg_role = np.concatenate([np.where(o_agent >= 0, AGENT, SYS), s_role])
        msg_campaign = np.concatenate([campaign[o_idx], np.full(s_conv.size, -1)])
        msg_agent = np.concatenate([o_agent, s_agent])
        msg_template = np.concatenate([np.ones(o_idx.size, bool), np.zeros(s_conv.size, bool)])
        msg_first_reply = np.concatenate([np.zeros(o_idx.size, bool), s_first_reply])
        order = np.lexsort((msg_time, msg_conv))
        msg_conv, msg_time, msg_role = msg_conv[order], msg_time[order], msg_role[order]
        msg_campaign, msg_agent = msg_campaign[order], msg_agent[order]
        msg_template, msg_first_reply = msg_template[order], msg_first_reply[order]
        nm = msg_conv.size
        cnt = np.bincount(msg_conv, minlength=n)
        msg_pos = np.arange(nm) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        conv_last = start.copy()
        conv_last[cnt > 0] = msg_time[np.cumsum(cnt)[cnt > 0] - 1]
        # 6. replies: an inbound message in the same conversation within 24 h after an outbound one
        outbound = msg_role != IN
        in_pos = np.flatnonzero(~outbound)
        nxt = np.searchsorted(in_pos, np.arange(nm), side="right")
        nxt_pos = np.append(in_pos, 0)[nxt]                          # 0: no inbound message after it
        same = (nxt < in_pos.size) & (msg_conv[nxt_pos] == msg_conv)
        next_in = np.where(same, msg_time[nxt_pos], NEVER)
        replied = outbound & (next_in <= msg_time + 24 * HOUR)
        # 7. delivery events of outbound messages (template openings keep theirs)
        category = np.full(nm, -1, np.int64)
        category[outbound] = SESSION
        ev = np.full((4, nm), NEVER, np.int64)
        transient = np.zeros(nm, bool)
        o_order = np.argsort(order)[:o_idx.size]                     # where each opening went after sorting
        category[o_order] = o_cat
        ev[:, o_order] = o_ev[:4]
        transient[o_order] = o_ev[4].astype(bool)
        sess = np.flatnonzero(outbound & ~msg_template)
        s_ev = self._delivery(rng, msg_time[sess], np.full(sess.size, SESSION), next_in[sess])
        ev[:, sess] = s_ev[:4]
        transient[sess] = s_ev[4].astype(bool)
        ev[ev >= now] = NEVER
        transient &= ev[3] < NEVER
        # hand-offs that happened by now
        hk = np.flatnonzero(has_h & (requested < now))
        ho_acc = np.where(accepted_at[hk] < now, accepted_at[hk], NEVER)
        return _Month(
            month=mi, conv_start=start, conv_account=account, conv_contact=contact, conv_status=status,
            conv_ended=ended, conv_last=conv_last,
            ho_conv=talk[hk], ho_trigger=trig[hk], ho_requested=requested[hk], ho_accepted=ho_acc,
            ho_agent=np.where(ho_acc < NEVER, agent[hk], -1),
            msg_conv=msg_conv, msg_time=msg_time, msg_role=msg_role, msg_campaign=msg_campaign, msg_agent=msg_agent,
            msg_template=msg_template, msg_first_reply=msg_first_reply, msg_pos=msg_pos, msg_category=category,
            ev_sent=ev[0], ev_delivered=ev[1], ev_read=ev[2], ev_failed=ev[3], transient_failure=transient,
            replied=replied)

    def _pick_contacts(self, rng, t: np.ndarray, recent: bool) -> np.ndarray:
        """A contact who exists and may write at each time (recently created ones write more); -1 none."""
        out = np.full(t.size, -1, np.int64)
        k = np.searchsorted(self.c_created, t, side="right")
        todo = np.flatnonzero(k > 0)
        for _ in range(4):
            if todo.size == 0:
                break
            u = rng.random(todo.size)
            bias = np.where(recent & (rng.random(todo.size) < 0.5), 4.0, 1.0)
            idx = k[todo] - 1 - np.floor(k[todo] * u ** bias).astype(np.int64)
            idx = np.clip(idx, 0, k[todo] - 1)
            ok = self.c_change[idx] > t[todo]
            out[todo[ok]] = idx[ok]
            todo = todo[~ok]
        return out

    def _pick_accounts(self, rng, t: np.ndarray) -> np.ndarray:
        w = (self.acc_created[None, :] <= t[:, None]) * self.acc_weight[None, :]
        w[:, 0] = np.where(w.sum(axis=1) == 0, 1.0, w[:, 0])
        cum = np.cumsum(w, axis=1)
        u = rng.random(t.size) * cum[:, -1]
        return (cum <= u[:, None]).sum(axis=1).astype(np.int64)

    def _pick_agents(self, rng, n) -> np.ndarray:
        if self.agents.size == 0:
            return np.full(n, -1, np.int64)
        return rng.choice(self.agents.size, n, p=self.agent_p).astype(np.int64)

    def _delivery(self, rng, s: np.ndarray, cat: np.ndarray, next_in: np.ndarray):
        """Times of the sent, delivered, read and failed events of outbound messages sent at s (NEVER:
        no such event), and whether a failed event came before a delivery. A message the customer
        answered (next inbound within 24 h) was mostly delivered and read before the answer."""
        n = s.size
        gap = next_in - s
        forced = (gap <= 24 * HOUR) & (rng.random(n) < P_READ_BEFORE_REPLY)
        u = rng.random(n)
        p_fail = P_FAIL[cat] * self.fail_factor
        fail = (u < p_fail) & ~forced
        undelivered = ~fail & (u < p_fail + P_UNDELIVERED[cat]) & ~forced
        delivered = ~fail & ~undelivered
        read = delivered & ((rng.random(n) < P_READ[cat]) | forced)
        fail_sent = fail & (rng.random(n) < P_FAIL_AFTER_SENT)
        sent_lag = _lognormal_us(rng, 0.8, 0.6, n, 0.1, 20)
        d_lag = _lognormal_us(rng, 2.0, 1.0, n, 0.2, 120)
        offline = rng.random(n) < 0.07
        d_lag = d_lag + offline * _uniform_us(rng, 300, 36 * 3600, n)
        r_lag = np.clip(rng.lognormal(np.log(READ_MEDIAN_S[cat]), READ_SIGMA[cat]), 1, 6 * 86400)
        r_lag = (r_lag * SECOND).astype(np.int64)
        g = np.where(forced, np.maximum(gap, 10 * SECOND), 10 * SECOND)
        answer = np.where(forced, next_in, 0)
        sent_ev = s + np.where(forced, np.maximum(np.minimum(sent_lag, g // 20), 1), sent_lag)
        deliv_ev = sent_ev + np.where(forced, np.maximum(np.minimum(d_lag, g // 5), 1), d_lag)
        before_answer = deliv_ev + ((answer - deliv_ev) * rng.uniform(0.1, 0.9, n)).astype(np.int64)
        read_ev = np.where(forced, np.clip(before_answer, deliv_ev + 1, answer - 1), deliv_ev + r_lag)
        fail_ev = np.where(fail_sent, sent_ev + _uniform_us(rng, 2, 900, n), s + _uniform_us(rng, 0.5, 60, n))
        transient = delivered & ~forced & (rng.random(n) < P_TRANSIENT_FAILURE)
        fail_ev = np.where(transient, sent_ev + (deliv_ev - sent_ev) // 2, fail_ev)
        return (np.where(fail & ~fail_sent, NEVER, sent_ev), np.where(delivered, deliv_ev, NEVER),
                np.where(read, read_ev, NEVER), np.where(fail | transient, fail_ev, NEVER), transient)

    # -- what truly happened, per day ----------------------------------------------------------------
    def _ledger_add(self, acc: dict, mo: _Month):
        outbound = mo.msg_role != IN
        has_d = (mo.ev_delivered < NEVER) | (mo.ev_read < NEVER)
        sent = outbound & ((mo.ev_sent < NEVER) | has_d)
        failed = outbound & (mo.ev_failed < NEVER) & ~has_d
        day = mo.msg_time // DAY - self.day0
        tokens = np.where(mo.msg_role == LLM, self._tokens(mo), 0)
        for name, w in (("inbound", ~outbound), ("outbound", outbound), ("sent", sent),
                        ("delivered", outbound & has_d), ("read", outbound & (mo.ev_read < NEVER)),
                        ("failed", failed), ("replied", mo.replied), ("tokens", tokens)):
            acc[name] += np.bincount(day, weights=w.astype(np.float64), minlength=self.n_days).astype(np.int64)
        acc["conversations"] += np.bincount(mo.conv_start // DAY - self.day0, minlength=self.n_days)
        acc["handoffs"] += np.bincount(mo.ho_requested // DAY - self.day0, minlength=self.n_days)

    def _ledger_table(self, acc: dict) -> pa.Table:
        days = np.flatnonzero(np.any([acc[c] != 0 for c in LEDGER_COLUMNS], axis=0))
        cols = {"tenant_id": pa.array([self.t] * days.size, pa.string()),
                "day": pa.array((days + self.day0).astype(np.int32), pa.date32())}
        cols.update({c: pa.array(acc[c][days], pa.int64()) for c in LEDGER_COLUMNS})
        return pa.table(cols)

    def _new_ledger(self) -> dict:
        return {c: np.zeros(max(self.n_days, 0), np.int64) for c in LEDGER_COLUMNS}

    # -- message details that change nothing above (own random stream) ---------------------------------
    def _tokens(self, mo: _Month) -> np.ndarray:
        """Prompt (system prompt + conversation so far) plus completion tokens of each llm message."""
        rng = self._rng(2, mo.month)
        completion = np.clip(rng.lognormal(np.log(110), 0.5, mo.msg_time.size), 8, 1500)
        return (self.system_prompt_tokens + 55 * np.minimum(mo.msg_pos, 60) + completion).astype(np.int64)

    def _message_types(self, mo: _Month) -> np.ndarray:
        rng = self._rng(8, mo.month)
        role = mo.msg_role
        mtype = np.full(role.size, "text", dtype=object)
        u = rng.random(role.size)
        inbound = role == IN
        mtype[inbound & (u < 0.12)] = "media"
        mtype[inbound & (u >= 0.12) & (u < 0.18)] = "interactive"
        mtype[mo.msg_first_reply & (u < 0.5)] = "interactive"        # quick-reply button on the template
        mtype[(role == LLM) & (u < self.mix.interactive_bot)] = "interactive"
        mtype[(role == AGENT) & (u < 0.1)] = "media"
        mtype[mo.msg_template] = "template"
        return mtype

    def _run(self):
        """Every month in order: (month result, conversation offset, message offset)."""
        conv_off = msg_off = 0
        for mi in self._months():
            mo = self._month(mi)
            if mo is None:
                continue
            yield mo, conv_off, msg_off
            conv_off += mo.conv_start.size
            msg_off += mo.msg_time.size

    # -- public API ------------------------------------------------------------------------------------
    def tables(self) -> dict[str, pa.Table]:
        """whatsapp_accounts, contacts, campaigns, conversations, handoffs."""
        if self._small is None:
            conv, ho, acc = [], [], self._new_ledger()
            ho_off = 0
            for mo, conv_off, _ in self._run():
                conv.append(self._conversation_rows(mo, conv_off))
                ho.append(self._handoff_rows(mo, conv_off, ho_off))
                ho_off += mo.ho_conv.size
                self._ledger_add(acc, mo)
            self._small = self._assemble_small(conv, ho)
            if self._ledger is None:
                self._ledger = self._ledger_table(acc)
        return dict(self._small)

    def message_chunks(self):
        """Yield (messages, message_status_events) for the conversations started in each month."""
        conv, ho, acc = [], [], self._new_ledger()
        ho_off = ev_off = 0
        for mo, conv_off, msg_off in self._run():
            if self._small is None:
                conv.append(self._conversation_rows(mo, conv_off))
                ho.append(self._handoff_rows(mo, conv_off, ho_off))
                ho_off += mo.ho_conv.size
            self._ledger_add(acc, mo)
            messages = self._message_rows(mo, conv_off, msg_off)
            events = self._status_rows(mo, msg_off, ev_off)
            ev_off += events.num_rows
            yield messages, events
        if self._small is None:
            self._small = self._assemble_small(conv, ho)
        if self._ledger is None:
            self._ledger = self._ledger_table(acc)

    def ledger_daily(self) -> pa.Table:
        """Per UTC day (of the message's sent_at, the conversation's start, the hand-off's request):
        inbound, outbound, sent, delivered, read, failed, replied, conversations, handoffs, tokens."""
        if self._ledger is None:
            acc = self._new_ledger()
            for mo, _, _ in self._run():
                self._ledger_add(acc, mo)
            self._ledger = self._ledger_table(acc)
        return self._ledger

    # -- rows ------------------------------------------------------------------------------------------
    def _table(self, name: str, cols: dict) -> pa.Table:
        """The contract's columns in its order; a column the model does not produce is null."""
        schema = self.schemas[name]
        n = len(next(iter(cols.values())))
        arrays = []
        for f in schema:
            v = cols.get(f.name)
            if v is None:
                arrays.append(pa.nulls(n, f.type))
            elif isinstance(v, (pa.Array, pa.ChunkedArray)):
                arrays.append(v if v.type == f.type else pc.cast(v, f.type))
            else:
                arrays.append(pa.array(v, f.type))
        return pa.Table.from_arrays(arrays, schema=schema)

    def _tenant(self, n: int) -> pa.Array:
        return pa.array(np.full(n, self.t, dtype=object), pa.string())

    def _lag(self, rng, t: np.ndarray, lo_s=300, hi_s=6 * 3600) -> np.ndarray:
        """_loaded_at of a row changed at t: minutes to hours later, before now."""
        return np.minimum(t + _uniform_us(rng, lo_s, hi_s, t.size), self.now_us - 1)

    def _with_earlier(self, name: str, cols: dict, early: np.ndarray, changes: dict, early_updated: np.ndarray,
                      rng) -> pa.Table:
        """The rows, and for the `early` ones also an earlier version (updated_at before the latest's),
        most loaded before it, some (P.OUT_OF_ORDER_RATE) after it."""
        latest = self._table(name, cols)
        if not early.any():
            return latest
        def pick(v):
            return v.filter(pa.array(early)) if isinstance(v, pa.Array) else np.asarray(v)[early]

        e = {k: pick(v) for k, v in {**cols, **changes}.items()}
        k = int(early.sum())
        upd = early_updated[early]
        late = rng.random(k) < P.OUT_OF_ORDER_RATE
        final_loaded = np.asarray(cols["_loaded_at"])[early]
        loaded = np.where(late, np.minimum(final_loaded + _uniform_us(rng, 3600, 9 * 3600, k), self.now_us - 1),
                          np.minimum(self._lag(rng, upd), final_loaded - SECOND))
        e["updated_at"], e["_loaded_at"] = upd, np.maximum(loaded, upd)
        return pa.concat_tables([self._table(name, e), latest])

    def _assemble_small(self, conv: list, ho: list) -> dict[str, pa.Table]:
        rng = self._rng(4)
        out = {"whatsapp_accounts": self._account_rows(rng), "contacts": self._contact_rows(rng),
               "campaigns": self._campaign_rows(rng)}
        out["conversations"] = pa.concat_tables(conv) if conv else self._table("conversations", {"id": []})
        out["handoffs"] = pa.concat_tables(ho) if ho else self._table("handoffs", {"id": []})
        return out

    def _account_rows(self, rng) -> pa.Table:
        n = self.acc_created.size
        updated = np.where(self.acc_renamed, self.acc_rename_at, self.acc_created)
        cols = dict(id=_str_ids("wa_", np.arange(1, n + 1)), tenant_id=self._tenant(n),
                    display_phone_number=_text(self.acc_phone), display_name=_text(self.acc_name),
                    outlet_id=_text(self.acc_outlet), created_at=_ts(self.acc_created), updated_at=_ts(updated),
                    _loaded_at=self._lag(rng, updated))
        old = np.array([f"{self.prof.name.replace('_', ' ').title()} WhatsApp"] * n, dtype=object)
        return self._with_earlier("whatsapp_accounts", cols, self.acc_renamed & (updated > self.acc_created),
                                  {"display_name": _text(old)}, self.acc_created, rng)

    def _contact_rows(self, rng) -> pa.Table:
        n = self.c_created.size
        cols = dict(id=_str_ids("wc_", np.arange(1, n + 1)), tenant_id=self._tenant(n), wa_id=_text(self.c_wa),
                    name=_text(self.c_name), status=_text(self.c_status), crm_account_id=_text(self.c_crm),
                    commerce_customer_id=_text(self.c_com), created_at=_ts(self.c_created),
                    updated_at=_ts(self.c_updated), _loaded_at=self._lag(rng, self.c_updated))
        early = ((self.c_status != "active") & (rng.random(n) < P.EARLIER_VERSION_RATE)
                 & (self.c_updated > self.c_created))
        return self._with_earlier("contacts", cols, early, {"status": _text(np.full(n, "active", dtype=object))},
                                  self.c_created, rng)

    def _campaign_rows(self, rng) -> pa.Table:
        rows = self.camp_rows
        n = len(rows)
        col = lambda k: np.array([r[k] if r[k] is not None else 0 for r in rows], np.int64)  # noqa: E731
        valid = lambda k: np.array([r[k] is not None for r in rows], bool)                  # noqa: E731
        created, updated = col("created_at"), col("updated_at")
        cols = dict(id=_str_ids("cmp_", np.arange(1, n + 1)), tenant_id=self._tenant(n),
                    whatsapp_account_id=_str_ids("wa_", col("account") + 1),
                    name=_text([r["name"] for r in rows]), template_name=_text([r["template_name"] for r in rows]),
                    category=_text([r["category"] for r in rows]), status=_text([r["status"] for r in rows]),
                    audience_size=pa.array(col("audience").astype(np.int32)),
                    scheduled_at=_ts(col("scheduled_at"), valid("scheduled_at")),
                    started_at=_ts(col("started_at"), valid("started_at")),
                    completed_at=_ts(col("completed_at"), valid("completed_at")),
                    created_at=_ts(created), updated_at=_ts(updated), _loaded_at=self._lag(rng, updated))
        started = col("started_at")
        status = np.array([r["status"] for r in rows], dtype=object)
        early = (status == "completed") & (rng.random(n) < P.EARLIER_VERSION_RATE)
        return self._with_earlier("campaigns", cols, early, {
            "status": _text(np.full(n, "running", dtype=object)),
            "completed_at": pa.nulls(n, pa.timestamp("us"))}, started, rng)

    def _conversation_rows(self, mo: _Month, conv_off: int) -> pa.Table:
        rng = self._rng(3, mo.month)
        n = mo.conv_start.size
        ended = mo.conv_ended < NEVER
        updated = np.where(ended, mo.conv_ended, mo.conv_last)
        cols = dict(id=_str_ids("conv_", np.arange(conv_off + 1, conv_off + n + 1)), tenant_id=self._tenant(n),
                    whatsapp_account_id=_str_ids("wa_", mo.conv_account + 1),
                    contact_id=_str_ids("wc_", mo.conv_contact + 1), status=_text(mo.conv_status),
                    started_at=_ts(mo.conv_start), ended_at=_ts(np.where(ended, mo.conv_ended, 0), ended),
                    last_message_at=_ts(mo.conv_last), updated_at=_ts(updated), _loaded_at=self._lag(rng, updated))
        early = ended & (rng.random(n) < P.EARLIER_VERSION_RATE)
        return self._with_earlier("conversations", cols, early, {
            "status": _text(np.full(n, "active", dtype=object)), "ended_at": pa.nulls(n, pa.timestamp("us")),
            "last_message_at": _ts(mo.conv_start)}, mo.conv_start, rng)

    def _handoff_rows(self, mo: _Month, conv_off: int, ho_off: int) -> pa.Table:
        rng = self._rng(5, mo.month)
        n = mo.ho_conv.size
        acc = mo.ho_accepted < NEVER
        agent = np.full(n, None, dtype=object)
        agent[acc & (mo.ho_agent >= 0)] = self.agents[mo.ho_agent[acc & (mo.ho_agent >= 0)]]
        loaded = self._lag(rng, np.where(acc, mo.ho_accepted, mo.ho_requested), 60, 3 * 3600)
        cols = dict(id=_str_ids("ho_", np.arange(ho_off + 1, ho_off + n + 1)), tenant_id=self._tenant(n),
                    conversation_id=_str_ids("conv_", conv_off + mo.ho_conv + 1),
                    trigger=_text(TRIGGERS[mo.ho_trigger]),
                    requested_at=_ts(mo.ho_requested), accepted_at=_ts(np.where(acc, mo.ho_accepted, 0), acc),
                    agent_user_id=_text(agent), _loaded_at=_ts(loaded))
        latest = self._table("handoffs", cols)
        # the row as first landed, before an agent took it (no updated_at: always loaded before the latest)
        early = acc & (rng.random(n) < P.EARLIER_VERSION_RATE)
        if not early.any():
            return latest
        e_loaded = np.minimum(np.minimum(mo.ho_requested + _uniform_us(rng, 60, 1800, n), loaded - SECOND),
                              self.now_us - 1)
        e = latest.filter(pa.array(early))
        k = e.num_rows
        e = e.set_column(e.schema.get_field_index("accepted_at"), "accepted_at", pa.nulls(k, pa.timestamp("us")))
        e = e.set_column(e.schema.get_field_index("agent_user_id"), "agent_user_id", pa.nulls(k, pa.string()))
        e_loaded = _ts(np.maximum(e_loaded[early], mo.ho_requested[early]))
        e = e.set_column(e.schema.get_field_index("_loaded_at"), "_loaded_at", e_loaded)
        return pa.concat_tables([e, latest])

    def _message_rows(self, mo: _Month, conv_off: int, msg_off: int) -> pa.Table:
        rng = self._rng(6, mo.month)
        n = mo.msg_time.size
        role = mo.msg_role
        inbound = role == IN
        mtype = self._message_types(mo)
        is_llm = role == LLM
        before, after, escalation = self.mix.llm_models
        model = np.where(mo.msg_time < self.model_switch_us, before, after).astype(object)
        model[rng.random(n) < self.mix.escalation] = escalation
        model[~is_llm] = None
        tokens = self._tokens(mo)
        agent = np.full(n, None, dtype=object)
        has_agent = (role == AGENT) & (mo.msg_agent >= 0)
        agent[has_agent] = self.agents[mo.msg_agent[has_agent]]
        campaign = mo.msg_campaign >= 0
        cols = dict(id=_str_ids("wamid.", np.arange(msg_off + 1, msg_off + n + 1)), tenant_id=self._tenant(n),
                    conversation_id=_str_ids("conv_", conv_off + mo.msg_conv + 1),
                    campaign_id=pc.if_else(pa.array(campaign), _str_ids("cmp_", np.maximum(mo.msg_campaign, 0) + 1),
                                           pa.scalar(None, pa.string())),
                    direction=_text(np.where(inbound, "inbound", "outbound").astype(object)),
                    sender_type=_text(SENDER[role]), sender_user_id=_text(agent), message_type=_text(mtype),
                    sent_at=_ts(mo.msg_time), llm_model=_text(model),
                    tokens_used=pa.array(tokens.astype(np.int32), pa.int32(), mask=~is_llm),
                    _loaded_at=_ts(np.minimum(mo.msg_time + _uniform_us(rng, 30, 90 * 60, n), self.now_us - 1)))
        return self._table("messages", cols)

    def _status_rows(self, mo: _Month, msg_off: int, ev_off: int) -> pa.Table:
        """The delivery webhooks as they land: lost, skewed, late and repeated."""
        rng = self._rng(7, mo.month)
        now = self.now_us
        sent, deliv, read, fail = mo.ev_sent.copy(), mo.ev_delivered.copy(), mo.ev_read.copy(), mo.ev_failed.copy()
        n = sent.size
        has_read = read < NEVER
        deliv[has_read & (deliv < NEVER) & (rng.random(n) < P_DELIVERED_LOST)] = NEVER
        has_d = (deliv < NEVER) | has_read
        sent[(sent < NEVER) & has_d & (rng.random(n) < P_SENT_LOST)] = NEVER
        skew = (sent < NEVER) & (deliv < NEVER) & (rng.random(n) < P_CLOCK_SKEW)
        skewed = deliv + _uniform_us(rng, 0.1, 3, n)
        skew &= skewed < now
        sent = np.where(skew, skewed, sent)
        msg = np.concatenate([np.arange(n)] * 4)
        status = np.repeat(np.arange(4), n)
        occurred = np.concatenate([sent, deliv, read, fail])
        keep = occurred < NEVER
        msg, status, occurred = msg[keep], status[keep], occurred[keep]
        k = msg.size
        # error codes: by category; unsupported type only for media and interactive messages
        cat = np.maximum(mo.msg_category[msg], 0)
        code = np.full(k, None, dtype=object)
        is_f = status == 3
        for c, codes in ERRORS.items():
            sel = np.flatnonzero(is_f & (cat == c))
            code[sel] = np.array(list(codes), dtype=object)[_pick(rng, codes, sel.size)]
        text_msg = np.flatnonzero(is_f & (code == "131051") & (self._message_types(mo)[msg] == "text"))
        code[text_msg] = "131026"
        code[is_f & mo.transient_failure[msg]] = "131000"
        # landing: minutes later, some 1 h - 7 days late, sent webhooks sometimes after the later ones
        lag = _uniform_us(rng, 20, 40 * 60, k)
        lag += (rng.random(k) < P_LATE) * _uniform_us(rng, 3600, 7 * 86400 - 2400, k)
        lag += ((status == 0) & (rng.random(k) < P_SENT_LANDS_LATE)) * _uniform_us(rng, 300, 3 * 3600, k)
        loaded = np.minimum(occurred + np.minimum(lag, MAX_LATE), now - 1)
        # repeated deliveries of the same webhook (same message, status and time; a new event id)
        copies = np.where(rng.random(k) < P_DUPLICATED, 1 + rng.poisson(0.5, k), 0)
        src = np.repeat(np.arange(k), copies)
        d_loaded = np.minimum(loaded[src] + _uniform_us(rng, 1, 12 * 3600, src.size), occurred[src] + MAX_LATE)
        d_loaded = np.minimum(d_loaded, now - 1)
        msg = np.concatenate([msg, msg[src]])
        status = np.concatenate([status, status[src]])
        occurred = np.concatenate([occurred, occurred[src]])
        code = np.concatenate([code, code[src]])
        loaded = np.concatenate([loaded, d_loaded])
        order = np.lexsort((msg, loaded))                           # as landed
        msg, status, occurred, code, loaded = msg[order], status[order], occurred[order], code[order], loaded[order]
        k = msg.size
        names = np.array(["sent", "delivered", "read", "failed"], dtype=object)
        cols = dict(id=_str_ids("wse_", np.arange(ev_off + 1, ev_off + k + 1)), tenant_id=self._tenant(k),
                    message_id=_str_ids("wamid.", msg_off + msg + 1), status=_text(names[status]),
                    error_code=_text(code), occurred_at=_ts(occurred), _loaded_at=_ts(loaded))
        return self._table("message_status_events", cols)

