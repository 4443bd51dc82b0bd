"""The WhatsApp messaging simulation (orchestration/generator/messaging/), without dbt: the contract's
columns, deterministic, rates in their bands, the webhook mess present, nothing after `now`, chunks
per month, and a ledger that equals an independent pandas reading of the generated rows with the
definitions of marts.md "Messaging"."""
import hashlib
import inspect
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from orchestration import contract
from orchestration.generator.messaging import MIXES, MessagingSimulation
from orchestration.generator.profiles import tenant_profiles

SHARED_CONTRACT = Path("/work/shared/contracts/raw_sources.yml")
CONTRACT_PATH = SHARED_CONTRACT if SHARED_CONTRACT.exists() else contract.CONTRACT_PATH
SCHEMAS = contract.arrow_schemas(CONTRACT_PATH)["raw_messaging"]
NOW = datetime(2026, 11, 21)
START = datetime(2023, 11, 1)
SCALE = 0.1          # moderate: ~100 k messages per tenant
SMALL = ("whatsapp_accounts", "contacts", "campaigns", "conversations", "handoffs")
CRM_ACCOUNTS = [f"acc_{i:06d}" for i in range(1, 400)]
CRM_USERS = [f"usr_{i:06d}" for i in range(1, 40)]
STORE_CUSTOMERS = [f"cust_{i}" for i in range(1, 5000)]


def simulation(i: int, prof, scale: float = SCALE, seed: int = 42, **kw) -> MessagingSimulation:
    return MessagingSimulation(f"tn_{i + 1:03d}", prof, scale, np.random.default_rng([seed, i]), START, NOW,
                               CRM_ACCOUNTS, CRM_USERS, STORE_CUSTOMERS, contract_path=CONTRACT_PATH, **kw)


def run(sim: MessagingSimulation) -> dict[str, pa.Table]:
    out = sim.tables()
    chunks = list(sim.message_chunks())
    out["messages"] = pa.concat_tables([m for m, _ in chunks])
    out["message_status_events"] = pa.concat_tables([e for _, e in chunks])
    out["_chunks"] = chunks
    out["_ledger"] = sim.ledger_daily()
    return out


@pytest.fixture(scope="module")
def world():
    """Three tenants (support desk, shop, smaller support desk) at a moderate scale."""
    return [(sim, run(sim)) for sim in (simulation(i, prof) for i, (_, prof) in enumerate(tenant_profiles(3)))]


def frame(t: pa.Table) -> pd.DataFrame:
    return t.to_pandas(timestamp_as_object=False)


def message_flags(tables: dict) -> pd.DataFrame:
    """marts.md "Messaging" per message, read from the raw rows (duplicates and event order ignored)."""
    m = frame(tables["messages"]).drop_duplicates("id")
    ev = frame(tables["message_status_events"]).drop_duplicates("id")
    seen = ev.groupby(["message_id", "status"]).size().unstack(fill_value=0) > 0
    for s in ("sent", "delivered", "read", "failed"):
        if s not in seen:
            seen[s] = False
    m = m.join(seen, on="id")
    for s in ("sent", "delivered", "read", "failed"):
        m[s] = m[s].fillna(False).astype(bool)
    out = m["direction"] == "outbound"
    any_delivery = m["delivered"] | m["read"]
    m["is_outbound"] = out
    m["is_inbound"] = ~out
    m["is_sent"] = out & (m["sent"] | any_delivery)
    m["is_delivered"] = out & any_delivery
    m["is_read"] = out & m["read"]
    m["is_failed"] = out & m["failed"] & ~any_delivery
    # replied: an inbound message in the same conversation within 24 h after it
    left = m.loc[out, ["id", "conversation_id", "sent_at"]].sort_values("sent_at")
    right = m.loc[~out, ["conversation_id", "sent_at"]].rename(columns={"sent_at": "in_at"}).sort_values("in_at")
    nxt = pd.merge_asof(left, right, left_on="sent_at", right_on="in_at", by="conversation_id",
                        direction="forward", allow_exact_matches=False)
    replied_ids = set(nxt.loc[(nxt["in_at"] - nxt["sent_at"]) <= pd.Timedelta(hours=24), "id"])
    m["is_replied"] = m["id"].isin(replied_ids)
    m["tok"] = np.where(m["sender_type"] == "llm", m["tokens_used"].fillna(0), 0).astype(np.int64)
    m["day"] = m["sent_at"].dt.floor("D")
    return m


def independent_ledger(tables: dict) -> pd.DataFrame:
    """Per UTC day of sent_at (messages), started_at (conversations) and requested_at (hand-offs)."""
    m = message_flags(tables)
    agg = m.groupby("day").agg(inbound=("is_inbound", "sum"), outbound=("is_outbound", "sum"),
                               sent=("is_sent", "sum"), delivered=("is_delivered", "sum"), read=("is_read", "sum"),
                               failed=("is_failed", "sum"), replied=("is_replied", "sum"), tokens=("tok", "sum"))
    conv = frame(tables["conversations"]).drop_duplicates("id")
    ho = frame(tables["handoffs"]).drop_duplicates("id")
    agg = agg.join(conv.groupby(conv["started_at"].dt.floor("D")).size().rename("conversations"), how="outer")
    agg = agg.join(ho.groupby(ho["requested_at"].dt.floor("D")).size().rename("handoffs"), how="outer")
    return agg.fillna(0).astype(np.int64).sort_index()


def rates(flags: pd.DataFrame) -> dict:
    s = flags[["is_outbound", "is_sent", "is_delivered", "is_read", "is_failed", "is_replied"]].sum()
    return {"delivery": s.is_delivered / s.is_sent, "read": s.is_read / s.is_delivered,
            "reply": s.is_replied / s.is_sent, "failure": s.is_failed / s.is_outbound}


def digest(tables: dict) -> str:
    h = hashlib.sha256()
    for name in (*SMALL, "messages", "message_status_events"):
        for col in tables[name].columns:
            h.update(repr(col.to_pylist()).encode())
    h.update(repr(tables["_ledger"].to_pylist()).encode())
    return h.hexdigest()


# --- shape -----------------------------------------------------------------------------------------

def test_tables_have_exactly_the_contract_columns(world):
    for _, tables in world:
        for name, schema in SCHEMAS.items():
            assert tables[name].schema.equals(schema), name
            assert tables[name].num_rows > 0, name
        for messages, events in tables["_chunks"]:
            assert messages.schema.equals(SCHEMAS["messages"])
            assert events.schema.equals(SCHEMAS["message_status_events"])
    assert set(SCHEMAS) == {*SMALL, "messages", "message_status_events"}


def test_same_seed_same_data_other_seed_other_data():
    prof = tenant_profiles(2)[1][1]
    a, b = run(simulation(1, prof, 0.02)), run(simulation(1, prof, 0.02))
    c = run(simulation(1, prof, 0.02, seed=43))
    assert digest(a) == digest(b)
    assert digest(a) != digest(c)


def test_order_of_calls_does_not_change_the_data():
    """Small tables, chunks and ledger come from per-month random streams: any order, same rows."""
    prof = tenant_profiles(1)[0][1]
    a = run(simulation(0, prof, 0.02))
    sim = simulation(0, prof, 0.02)
    ledger_first = sim.ledger_daily()
    chunks = list(sim.message_chunks())
    small = sim.tables()
    b = {**small, "messages": pa.concat_tables([m for m, _ in chunks]),
         "message_status_events": pa.concat_tables([e for _, e in chunks]), "_ledger": ledger_first}
    assert digest(a) == digest(b)


def test_the_callers_rng_is_drawn_once():
    prof = tenant_profiles(1)[0][1]
    rng = np.random.default_rng(5)
    sim = MessagingSimulation("tn_001", prof, 0.01, rng, START, NOW, [], [], [], contract_path=CONTRACT_PATH)
    run(sim)
    ref = np.random.default_rng(5)
    ref.integers(0, 2 ** 62)
    assert rng.integers(0, 10 ** 9) == ref.integers(0, 10 ** 9)


def test_clean_rows_break_no_contract_rule(world):
    """Bad rows are mess.py's job: every rule the contract derives for these tables holds here."""
    upper = pd.Timestamp(NOW) + pd.Timedelta(days=1)
    floor = pd.Timestamp("1970-01-01")
    for _, tables in world:
        for t in (t for t in contract.load(CONTRACT_PATH) if t.source == "raw_messaging"):
            df = frame(tables[t.name])
            for check in t.checks():
                where = (t.name, check.reason, check.columns)
                if check.reason == "null_key":
                    for c in check.columns:
                        assert df[c].notna().all() and (df[c].str.strip() != "").all(), where
                elif check.reason == "conflicting_versions":
                    assert not df.duplicated([*t.key, *t.version_order]).any(), where
                elif check.reason == "unknown_enum":
                    assert df[check.columns[0]].dropna().isin(check.values).all(), where
                elif check.reason == "negative_quantity":
                    for c in check.columns:
                        assert (df[c].dropna() >= 0).all(), where
                elif check.reason == "end_before_start":
                    for start, end in check.pairs:
                        both = df[start].notna() & df[end].notna()
                        assert (df.loc[both, end] >= df.loc[both, start]).all(), where
                elif check.reason == "orphan_fk":
                    parent = frame(tables[check.parent])["id"]
                    assert df[check.columns[0]].dropna().isin(parent).all(), where
                elif check.reason == "out_of_range" and (check.event_columns or check.floor_columns):
                    for c in check.event_columns:
                        assert df[c].dropna().between(floor, upper).all(), where
                    for c in check.floor_columns:
                        assert (df[c].dropna() >= floor).all(), where
                else:
                    assert check.reason in ("out_of_range", "unknown_currency", "negative_amount"), where
        m = frame(tables["messages"])
        assert m["conversation_id"].isin(frame(tables["conversations"])["id"]).all()
        assert frame(tables["contacts"]).drop_duplicates("id")["wa_id"].is_unique


# --- behaviour -------------------------------------------------------------------------------------

def test_mixes_follow_the_profile_or_the_parameter(world):
    assert [sim.mix.name for sim, _ in world] == ["support", "shop", "support"]
    prof = tenant_profiles(1)[0][1]
    assert simulation(0, prof, 0.01, mix="shop").mix is MIXES["shop"]


def test_delivery_read_and_campaign_reply_rates_are_in_their_bands(world):
    for sim, tables in world:
        flags = message_flags(tables)
        r = rates(flags)
        assert 0.90 <= r["delivery"] <= 0.98, (sim.tenant_id, r)
        assert 0.50 <= r["read"] <= 0.85, (sim.tenant_id, r)
        assert 0.0 < r["failure"] < 0.10, (sim.tenant_id, r)
        c = rates(flags[flags["campaign_id"].notna()])
        assert 0.90 <= c["delivery"] <= 0.98, (sim.tenant_id, c)
        assert 0.50 <= c["read"] <= 0.85, (sim.tenant_id, c)
        assert 0.05 <= c["reply"] <= 0.30, (sim.tenant_id, c)


def test_conversations_bot_agents_and_handoffs(world):
    for sim, tables in world:
        m = frame(tables["messages"]).sort_values(["conversation_id", "sent_at"])
        conv = frame(tables["conversations"]).sort_values("updated_at").drop_duplicates("id", keep="last")
        first = m.groupby("conversation_id").first()
        assert (first["direction"] == "inbound").mean() > 0.5, sim.tenant_id      # mostly started by the customer
        assert set(conv["status"]) == {"active", "resolved", "handed_off", "closed"}
        assert conv.loc[conv["status"] == "active", "ended_at"].isna().all()
        assert conv.loc[conv["status"] != "active", "ended_at"].notna().all()
        assert (conv["ended_at"].dropna() >= conv.loc[conv["ended_at"].notna(), "started_at"]).all()
        # the bot answers within seconds, agents within minutes
        prev = m.groupby("conversation_id")["sent_at"].shift()
        prev_dir = m.groupby("conversation_id")["direction"].shift()
        wait = (m["sent_at"] - prev).dt.total_seconds()
        bot = (m["sender_type"] == "llm") & (prev_dir == "inbound")
        assert wait[bot].median() < 10 and wait[bot].max() <= 20, sim.tenant_id
        agent = (m["sender_type"] == "agent") & (prev_dir == "inbound")
        assert 20 < wait[agent].median() < 30 * 60, sim.tenant_id
        llm = m["sender_type"] == "llm"
        assert m.loc[llm, "llm_model"].notna().all() and (m.loc[llm, "tokens_used"] > 0).all()
        assert m.loc[~llm, "llm_model"].isna().all() and m.loc[~llm, "tokens_used"].isna().all()
        assert set(m.loc[m["sender_type"] == "agent", "sender_user_id"]) <= set(CRM_USERS)
        assert m.loc[m["sender_type"] != "agent", "sender_user_id"].isna().all()
        assert (m.loc[m["message_type"] == "template", "direction"] == "outbound").all()
        assert (m.loc[m["campaign_id"].notna(), "message_type"] == "template").all()
        ho = frame(tables["handoffs"]).sort_values("_loaded_at").drop_duplicates("id", keep="last")
        assert set(ho["trigger"]) == {"keyword", "confidence", "customer_request", "manual"}
        took = ho["accepted_at"].notna()
        assert 0 < took.mean() < 1
        delay = (ho.loc[took, "accepted_at"] - ho.loc[took, "requested_at"]).dt.total_seconds()
        assert (delay > 0).all() and 60 < delay.median() < 60 * 60
        assert set(ho.loc[took, "agent_user_id"]) <= set(CRM_USERS)
        assert ho.loc[~took, "agent_user_id"].isna().all()
        assert set(ho["conversation_id"]) <= set(conv["id"])
    support, shop = world[0][1], world[1][1]
    share = lambda t: len(t["handoffs"]["id"].unique()) / len(t["conversations"]["id"].unique())  # noqa: E731
    assert share(support) > 2 * share(shop)          # the support desk hands off far more


def test_accounts_contacts_and_campaigns(world):
    for _sim, tables in world:
        acc = frame(tables["whatsapp_accounts"]).drop_duplicates("id")
        assert 1 <= len(acc) <= 3
        c = frame(tables["contacts"]).sort_values("updated_at").drop_duplicates("id", keep="last")
        assert {"active", "blocked", "opted_out"} == set(c["status"])
        assert c["crm_account_id"].dropna().isin(CRM_ACCOUNTS).all()
        assert c["commerce_customer_id"].dropna().isin(STORE_CUSTOMERS).all()
        conv = frame(tables["conversations"]).drop_duplicates("id")
        assert conv["contact_id"].isin(c["id"]).all() and conv["whatsapp_account_id"].isin(acc["id"]).all()
        camp = frame(tables["campaigns"]).sort_values("updated_at").drop_duplicates("id", keep="last")
        assert set(camp["category"]) <= {"marketing", "utility", "authentication"}
        assert {"completed", "running"} <= set(camp["status"])
        m = frame(tables["messages"])
        sends = m[m["campaign_id"].notna()].groupby("campaign_id").size()
        done = camp.set_index("id").loc[camp["status"].eq("completed").values]
        assert (sends.reindex(done.index).fillna(0) == done["audience_size"]).all()
        assert m["campaign_id"].dropna().isin(camp["id"]).all()
    support, shop = world[0][1], world[1][1]
    link = lambda t, col: frame(t["contacts"]).drop_duplicates("id")[col].notna().mean()  # noqa: E731
    assert link(support, "crm_account_id") > 0.3 and link(shop, "commerce_customer_id") > 0.3
    assert link(shop, "crm_account_id") < 0.1


def test_status_events_are_for_outbound_messages_only(world):
    codes = set()
    for _, tables in world:
        m = frame(tables["messages"])
        ev = frame(tables["message_status_events"])
        outbound = set(m.loc[m["direction"] == "outbound", "id"])
        assert set(ev["message_id"]) <= outbound
        failed = ev["status"] == "failed"
        assert ev.loc[failed, "error_code"].notna().all() and ev.loc[~failed, "error_code"].isna().all()
        codes |= set(ev["error_code"].dropna())
        sent = m.set_index("id")["sent_at"]
        assert (ev["occurred_at"].values >= sent.reindex(ev["message_id"]).values).all()
    assert {"131026", "131047", "131048", "131051", "130472"} <= codes          # WhatsApp Cloud API codes


def test_nothing_happens_after_now(world):
    now = pd.Timestamp(NOW)
    for _, tables in world:
        for name in SCHEMAS:
            df = frame(tables[name])
            for col, typ in zip(tables[name].column_names, tables[name].schema.types):
                if not pa.types.is_timestamp(typ):
                    continue
                values = df[col]
                if name == "campaigns" and col == "scheduled_at":    # a plan, not an occurrence
                    values = values[df["status"] != "scheduled"]
                assert not (values.dropna() > now).any(), (name, col)
            assert df["_loaded_at"].notna().all() and df["tenant_id"].notna().all()
            if "updated_at" in df:
                assert df["updated_at"].notna().all() and (df["_loaded_at"] >= df["updated_at"]).all(), name
        camp = frame(tables["campaigns"])
        assert (camp.loc[camp["status"] == "scheduled", "scheduled_at"] > now).all()


def test_webhook_mess_is_there(world):
    for _sim, tables in world:
        ev = frame(tables["message_status_events"])
        lag = ev["_loaded_at"] - ev["occurred_at"]
        assert (lag >= pd.Timedelta(0)).all() and (lag <= pd.Timedelta(days=7)).all()
        assert (lag > pd.Timedelta(days=1)).sum() > 10                       # late
        assert ev["id"].is_unique
        dup = ev.groupby(["message_id", "status"]).size()
        assert (dup > 1).sum() > 10                                          # the same webhook again, new id
        first = ev.groupby(["message_id", "status"])[["occurred_at", "_loaded_at"]].min().unstack()
        occ, load = first["occurred_at"], first["_loaded_at"]
        assert (occ["delivered"] < occ["sent"]).sum() > 10                   # delivered stamped before sent
        assert (load["delivered"] < load["sent"]).sum() > 10                 # and landing before it
        assert (occ["read"].notna() & occ["delivered"].isna()).sum() > 10   # read, no delivered ever
        assert (occ["failed"].notna() & occ["delivered"].notna()).sum() > 0  # failed, then delivered


def test_ledger_equals_an_independent_reading_of_the_rows(world):
    for sim, tables in world:
        led = frame(tables["_ledger"])
        assert set(led["tenant_id"]) == {sim.tenant_id}
        led = led.assign(day=pd.to_datetime(led["day"])).set_index("day").drop(columns="tenant_id")
        mine = independent_ledger(tables)
        cols = ["inbound", "outbound", "sent", "delivered", "read", "failed", "replied", "conversations",
                "handoffs", "tokens"]
        assert list(led.columns) == cols
        both = led.add_suffix("_ledger").join(mine, how="outer").fillna(0)
        for c in cols:
            diff = both[f"{c}_ledger"] != both[c]
            assert not diff.any(), (sim.tenant_id, c, both.loc[diff, [f"{c}_ledger", c]].head())


def test_links_to_the_ids_of_the_other_simulations():
    """Wired as core.py would: CRM accounts and users from the B2B simulation, store customers from
    the commerce one, the same rng continuing."""
    from orchestration.generator.b2b import B2BSimulation
    from orchestration.generator.commerce import CommerceSimulation
    tid, prof = tenant_profiles(1)[0]
    rng = np.random.default_rng([7, 0])
    b2b = B2BSimulation(tid, prof, 0.02, rng, START, NOW)
    b2b.run()
    crm = b2b.tables()
    com = CommerceSimulation(tid, prof, 0.02, rng, START, NOW, [c.email for c in b2b.customers])
    store = com.run()
    accounts = sorted(set(crm[("raw_crm", "accounts")]["id"].to_pylist()))
    users = crm[("raw_crm", "users")]["id"].to_pylist()
    customers = store[("raw_commerce", "customers")]["id"].to_pylist()
    sim = MessagingSimulation(tid, prof, 0.02, rng, START, NOW, accounts, users, customers,
                              contract_path=CONTRACT_PATH)
    tables = run(sim)
    contacts = frame(tables["contacts"])
    assert contacts["crm_account_id"].notna().any() and contacts["crm_account_id"].dropna().isin(accounts).all()
    assert contacts["commerce_customer_id"].dropna().isin(customers).all()
    agents = frame(tables["messages"]).query("sender_type == 'agent'")["sender_user_id"]
    assert agents.notna().all() and agents.isin(users).all()
    assert frame(tables["handoffs"])["agent_user_id"].dropna().isin(users).all()


# --- size, speed, memory ---------------------------------------------------------------------------

def test_message_chunks_are_a_generator_of_months(world):
    for sim, tables in world:
        assert inspect.isgeneratorfunction(MessagingSimulation.message_chunks)
        chunks = tables["_chunks"]
        months = pd.period_range(pd.Timestamp(sim.launch_us, unit="us"), NOW - timedelta(microseconds=1), freq="M")
        assert len(chunks) == len(months)
        total = sum(m.num_rows for m, _ in chunks)
        for (messages, _events), month in zip(chunks, months):
            assert messages.num_rows < total / 8
            if messages.num_rows:
                sent = frame(messages)["sent_at"]
                assert sent.min().to_period("M") == month
                assert sent.max() < (month + 1).start_time + pd.Timedelta(days=4)


def test_memory_is_bounded_by_a_month():
    """Arrow memory while the chunks stream by stays near one month's rows, not the whole history."""
    sim = simulation(0, tenant_profiles(1)[0][1], 0.1)
    sim.tables()
    base = pa.total_allocated_bytes()
    peak = total = 0
    for messages, events in sim.message_chunks():
        total += messages.nbytes + events.nbytes
        peak = max(peak, pa.total_allocated_bytes() - base)
        del messages, events
    assert peak < total / 5, (peak, total)


def test_scale_005_is_small():
    # speed is measured by benchmarks, never asserted here (a shared machine is noisy)
    for i, (_, prof) in enumerate(tenant_profiles(3)):
        sim = simulation(i, prof, 0.05)
        sim.tables()
        n = sum(m.num_rows for m, _ in sim.message_chunks())
        sim.ledger_daily()
        assert 5_000 < n < 75_000
