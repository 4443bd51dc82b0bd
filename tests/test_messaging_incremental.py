"""The messaging chain is incremental (base_messaging__messages, base_messaging__message_status_events,
int_message_status, int_conversation_turns, fct_messages, messaging_engagement_daily;
messaging_snapshots, a table, reads them): an incremental run after a second load must equal a full refresh
of the same raw data, on DuckDB and Postgres, with status events landing up to 7 days late,
re-delivered, out of order and before their message, straddling the load boundary. Also: a run with
nothing newly loaded changes nothing, and the messages are the same when every status event lands
once more, in reverse order (issue "Messaging analytics", item 9)."""
import math
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import AS_OF, Warehouse, base_env, generate_args, land_raw, pg_test_db, query, relation_columns, \
    run_dbt, warehouse_cli
from orchestration.fingerprint import BUILD_STAMPS

INCREMENTAL = ["base_messaging__messages", "base_messaging__message_status_events", "int_message_status",
               "int_conversation_turns", "fct_messages", "messaging_engagement_daily", "messaging_snapshots"]
CHAIN = ["+messaging_snapshots", "int_message_status"]
# The first load holds what had landed by this moment (an evening, busy enough that status events
# land before their message on both sides), the second load the rest (every messaging table).
CUTOFF = datetime.combine(AS_OF, datetime.min.time()) - timedelta(days=3, hours=6)
# A new version of a first-load campaign lands with the second load, stamped this long after its first
# version: days before the first load's newest rows (_landed_behind)
RESTAMPED_AFTER = timedelta(minutes=1)
MESSAGING = ("messages", "message_status_events", "conversations", "campaigns", "contacts", "handoffs",
             "whatsapp_accounts")

SNAPSHOT_SQL = {
    "base_messaging__messages": "select tenant_id, id, conversation_id, direction, sent_at, _loaded_at, "
                                "quarantine_reason from staging.base_messaging__messages",
    "base_messaging__message_status_events": "select tenant_id, id, message_id, status, occurred_at, _loaded_at, "
                                             "quarantine_reason from staging.base_messaging__message_status_events",
    "int_message_status": "select * from intermediate.int_message_status",
    "int_conversation_turns": "select * from intermediate.int_conversation_turns",
    "fct_messages": "select * from marts.fct_messages",
    "messaging_engagement_daily": "select * from marts.messaging_engagement_daily",
    "messaging_snapshots": "select * from marts.messaging_snapshots",
}


def _rows(wh: Warehouse, model: str, leave_out: tuple[str, ...] = BUILD_STAMPS):
    """The model's rows, sorted, without the columns left out (by default the build stamp: two builds
    of the same data differ in when they wrote each row)."""
    names = [c for c in relation_columns(wh, model) if c not in leave_out]
    sql = SNAPSHOT_SQL[model].replace("select *", "select " + ", ".join(names))

    def key(row):
        return tuple((v is None, str(v)) for v in row)

    return sorted((tuple(r) for r in query(wh, sql)), key=key)


def _same(rows: list, other: list) -> bool:
    """Equal rows, floats within 1e-9 relative: an average of fractional seconds sums in whatever
    order the engine's threads finish, which moves its last bits."""
    def same_value(a, b):
        if isinstance(a, float) and isinstance(b, float):
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return a == b
    return len(rows) == len(other) and all(
        len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b)) for a, b in zip(rows, other))


def _append(wh: Warehouse, table: str, rows: pa.Table) -> None:
    """Rows landing in raw_messaging.<table>, as a loader would append them."""
    from orchestration.generator.load import append_rows
    duckdb_path = Path(wh.env["DBT_DUCKDB_PATH"]) if wh.target == "duckdb" else None
    append_rows(rows, "raw_messaging", table, duckdb_path, wh.env.get("PGDATABASE"))


@pytest.fixture(scope="module")
def raw_split(tmp_path_factory):
    """Generated raw Parquet, every messaging table split at CUTOFF by _loaded_at."""
    tmp = tmp_path_factory.mktemp("messaging_raw")
    warehouse_cli(base_env(tmp), *generate_args("parquet", scale=0.02, out=tmp / "raw"))
    second = {}
    for table in MESSAGING:
        path = tmp / "raw" / "raw_messaging" / f"{table}.parquet"
        rows = pq.read_table(path)
        first = pc.less_equal(rows["_loaded_at"], CUTOFF)
        second[table] = rows.filter(pc.invert(first))
        pq.write_table(rows.filter(first), path)
    second["message_status_events"] = pa.concat_tables([second["message_status_events"],
                                                        _read_weeks_later(tmp / "raw")])
    for table, changed in _landed_behind(tmp / "raw", second).items():
        second[table] = pa.concat_tables([second[table], changed])
    return tmp / "raw", second


def _landed_behind(raw_dir: Path, second: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """New versions of rows of the first load, stamped RESTAMPED_AFTER their first version: days
    before the first load's newest rows. They land with the second load, as a table loaded on its own
    lands after the build that read newer rows of the others, so no watermark of that build finds
    them:
    - a marketing campaign re-categorised utility (its sends' category and costs change);
    - a conversation whose contact is now another contact of its tenant (the merge of a duplicate):
      its messages move to that contact, and so do the engagement scores of the days from them on,
      while the messages keep their older load stamps.
    Both were sent over 10 days before the boundary: no status event of the second load (at most 7
    days late) touches their messages, so only the new versions can."""
    def restamped(table: str, pick, changes) -> pa.Table:
        """The newest version of a row picked among those whose every version landed over 10 days
        before the boundary, changed, as a version updated and loaded RESTAMPED_AFTER it."""
        path = raw_dir / "raw_messaging" / f"{table}.parquet"
        latest = {}
        for r in pq.read_table(path).to_pylist():
            key = (r["tenant_id"], r["id"])
            order = (r["updated_at"] or datetime.min, r["_loaded_at"])
            if key not in latest or order > (latest[key]["updated_at"] or datetime.min, latest[key]["_loaded_at"]):
                latest[key] = r
        later = set(zip(second[table]["tenant_id"].to_pylist(), second[table]["id"].to_pylist(), strict=True))
        row = max((r for k, r in latest.items() if k not in later and pick(r) and r["updated_at"] is not None
                   and r["_loaded_at"] < CUTOFF - timedelta(days=10)), key=lambda r: (r["_loaded_at"], r["id"]))
        return pa.Table.from_pylist([{**row, **changes(row), "updated_at": row["updated_at"] + RESTAMPED_AFTER,
                                      "_loaded_at": row["_loaded_at"] + RESTAMPED_AFTER}],
                                    schema=pq.read_schema(path))

    messages = pq.read_table(raw_dir / "raw_messaging" / "messages.parquet").to_pylist()
    # written in 62-85 days before the boundary: before every message the second load's other rows
    # touch (the read receipts of sends up to 60 days old), so only this change recomputes those days
    answered = {(m["tenant_id"], m["conversation_id"]) for m in messages
                if m["direction"] == "inbound" and m["sent_at"] is not None
                and timedelta(days=62) < CUTOFF - m["sent_at"] < timedelta(days=85)}
    contacts = {}
    for c in pq.read_table(raw_dir / "raw_messaging" / "conversations.parquet").to_pylist():
        if c["contact_id"] is not None:
            contacts.setdefault(c["tenant_id"], set()).add(c["contact_id"])
    return {
        "campaigns": restamped("campaigns", lambda c: c["category"] == "marketing",
                               lambda c: {"category": "utility"}),
        "conversations": restamped(
            "conversations", lambda c: (c["tenant_id"], c["id"]) in answered and c["contact_id"] is not None,
            lambda c: {"contact_id": min(contacts[c["tenant_id"]] - {c["contact_id"]})}),
    }


def _read_weeks_later(raw_dir: Path) -> pa.Table:
    """Read receipts of the first load's oldest delivered, unread outbound messages, happening now,
    weeks after their send: a customer opens an old chat when they like, so no lookback from the
    receipt finds the message's earlier events."""
    events = pq.read_table(raw_dir / "raw_messaging" / "message_status_events.parquet")
    delivered = events.filter(pc.equal(events["status"], "delivered"))
    read = {(t, m) for t, m, s in zip(events["tenant_id"].to_pylist(), events["message_id"].to_pylist(),
                                      events["status"].to_pylist(), strict=True) if s == "read"}
    picked = [i for i, (t, m, o) in enumerate(zip(delivered["tenant_id"].to_pylist(),
                                                  delivered["message_id"].to_pylist(),
                                                  delivered["occurred_at"].to_pylist(), strict=True))
              if (t, m) not in read and o is not None and timedelta(days=20) < CUTOFF - o < timedelta(days=60)][:5]
    receipts = delivered.take(picked)
    n = receipts.num_rows
    return receipts.set_column(receipts.schema.get_field_index("id"), "id",
                               pa.array([f"read_weeks_later_{i}" for i in range(n)], receipts.schema.field("id").type)) \
        .set_column(receipts.schema.get_field_index("status"), "status",
                    pa.array(["read"] * n, receipts.schema.field("status").type)) \
        .set_column(receipts.schema.get_field_index("occurred_at"), "occurred_at",
                    pa.array([CUTOFF + timedelta(hours=1)] * n, receipts.schema.field("occurred_at").type)) \
        .set_column(receipts.schema.get_field_index("_loaded_at"), "_loaded_at",
                    pa.array([CUTOFF + timedelta(hours=2)] * n, receipts.schema.field("_loaded_at").type))


def test_the_second_load_holds_late_redelivered_and_out_of_order_status_events(raw_split):
    """Guards the test below: the boundary must be crossed by what makes incrementality hard."""
    raw_dir, second = raw_split
    events = second["message_status_events"]
    assert events.num_rows > 100 and second["messages"].num_rows > 100
    first = pq.read_table(raw_dir / "raw_messaging" / "message_status_events.parquet")
    first_msgs = pq.read_table(raw_dir / "raw_messaging" / "messages.parquet")
    sent_at = dict(zip(zip(first_msgs["tenant_id"].to_pylist(), first_msgs["id"].to_pylist(), strict=True),
                       first_msgs["sent_at"].to_pylist(), strict=True))
    late = [(t, m, o) for t, m, o in zip(events["tenant_id"].to_pylist(), events["message_id"].to_pylist(),
                                         events["occurred_at"].to_pylist(), strict=True)
            if (t, m) in sent_at and o is not None and o.year > 2000 and o < CUTOFF - timedelta(days=1)]
    assert late, "no status event of the second load happened a day or more before the first load"
    assert max(CUTOFF - sent_at[(t, m)] for t, m, _ in late) > timedelta(days=3), (
        "no late status event is about a message sent days before the boundary (the lookback is not needed)")
    first_keys = set(zip(first["tenant_id"].to_pylist(), first["id"].to_pylist(), strict=True))
    redelivered = [k for k in zip(events["tenant_id"].to_pylist(), events["id"].to_pylist(), strict=True)
                   if k[1] is not None and k in first_keys]
    assert redelivered, "no status event of the first load is delivered again in the second"
    # read weeks after its send: the message's sent and delivered events lie far before the receipt
    weeks_later = [i for i in events["id"].to_pylist() if str(i).startswith("read_weeks_later_")]
    assert len(weeks_later) == 5, "no read receipt of a message sent weeks before the boundary"
    # out of order: a message's events split across the loads, an earlier-happening one landing second
    first_latest = {}
    for t, m, o in zip(first["tenant_id"].to_pylist(), first["message_id"].to_pylist(),
                       first["occurred_at"].to_pylist(), strict=True):
        if o is not None:
            first_latest[(t, m)] = max(o, first_latest.get((t, m), o))
    out_of_order = [1 for t, m, o in zip(events["tenant_id"].to_pylist(), events["message_id"].to_pylist(),
                                         events["occurred_at"].to_pylist(), strict=True)
                    if o is not None and (t, m) in first_latest and o < first_latest[(t, m)]]
    assert out_of_order, "no status event of the second load happened before one of its message landed first"
    # landed before its message: quarantined as orphan_fk in the first load, clean in the second
    second_msgs = set(zip(second["messages"]["tenant_id"].to_pylist(), second["messages"]["id"].to_pylist(),
                          strict=True))
    assert any(k in second_msgs for k in zip(first["tenant_id"].to_pylist(), first["message_id"].to_pylist(),
                                             strict=True)), "no status event of the first load precedes its message"
    # a campaign and a conversation changed since the first load, stamped days before its newest rows,
    # with messages held by then (the conversation's with an inbound one: its contact has a score)
    newest_first = max(max(pq.read_table(raw_dir / "raw_messaging" / f"{t}.parquet")["_loaded_at"].to_pylist())
                       for t in ("messages", "message_status_events"))
    for table, key, directions in (("campaigns", "campaign_id", {"outbound"}),
                                   ("conversations", "conversation_id", {"inbound", "outbound"})):
        behind = second[table].filter(pc.less(second[table]["_loaded_at"], pa.scalar(CUTOFF)))
        assert behind.num_rows == 1 and newest_first - behind["_loaded_at"][0].as_py() > timedelta(days=1)
        held = {d for t, k, d in zip(first_msgs["tenant_id"].to_pylist(), first_msgs[key].to_pylist(),
                                     first_msgs["direction"].to_pylist(), strict=True)
                if (t, k) == (behind["tenant_id"][0].as_py(), behind["id"][0].as_py())}
        assert directions <= held, f"the changed {table} row has no {directions} message in the first load"
    moved = second["conversations"].filter(pc.less(second["conversations"]["_loaded_at"], pa.scalar(CUTOFF)))
    first_convs = pq.read_table(raw_dir / "raw_messaging" / "conversations.parquet")
    was = first_convs.filter(pc.equal(first_convs["id"], moved["id"][0]))["contact_id"].to_pylist()
    assert moved["contact_id"][0].as_py() not in was
    # an inbound message of the second load answers an outbound one of the first (is_replied changes)
    inbound = second["messages"].filter(pc.equal(second["messages"]["direction"], "inbound"))
    first_convs = set(zip(first_msgs["tenant_id"].to_pylist(), first_msgs["conversation_id"].to_pylist(),
                          strict=True))
    assert any(k in first_convs for k in zip(inbound["tenant_id"].to_pylist(),
                                             inbound["conversation_id"].to_pylist(), strict=True))


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built(request, raw_split, tmp_path_factory):
    """One warehouse per engine: the chain built on the first load, then run incrementally on the
    second, then after a full refresh; the rows of each stage."""
    target = request.param
    raw_dir, second = raw_split
    tmp = tmp_path_factory.mktemp(f"messaging_{target}")
    shutil.copytree(raw_dir, tmp / "raw")
    env = land_raw(target, tmp / "raw", tmp, pg_test_db("warehouse_test_messaging_incremental"))
    wh = Warehouse(target, env, tmp / "target", None)
    run_dbt(env, target, wh.target_path, "seed")    # util_days, read by the snapshots, spans every source
    run_dbt(env, target, wh.target_path, "run", "--select", *CHAIN)
    stages = {"first": {m: _rows(wh, m) for m in INCREMENTAL}}
    # build stamps kept: a run with nothing newly loaded must not even rewrite a row
    stages["first_stamped"] = {m: _rows(wh, m, leave_out=()) for m in INCREMENTAL}

    run_dbt(env, target, wh.target_path, "run", "--select", *CHAIN)     # nothing newly loaded
    stages["unchanged_stamped"] = {m: _rows(wh, m, leave_out=()) for m in INCREMENTAL}

    for table, rows in second.items():
        _append(wh, table, rows)
    run_dbt(env, target, wh.target_path, "run", "--select", *CHAIN)
    model_path = Path("warehouse", "models", "marts", "messaging", "fct_messages.sql")
    stages["compiled"] = (wh.target_path / "compiled" / model_path).read_text()
    stages["ran"] = (wh.target_path / "run" / model_path).read_text()
    engagement_path = Path("warehouse", "models", "marts", "messaging", "messaging_engagement_daily.sql")
    stages["engagement_compiled"] = (wh.target_path / "compiled" / engagement_path).read_text()
    stages["engagement_ran"] = (wh.target_path / "run" / engagement_path).read_text()
    turns_path = Path("warehouse", "models", "intermediate", "messaging", "int_conversation_turns.sql")
    stages["turns_compiled"] = (wh.target_path / "compiled" / turns_path).read_text()
    stages["turns_ran"] = (wh.target_path / "run" / turns_path).read_text()
    stages["incremental"] = {m: _rows(wh, m) for m in INCREMENTAL}

    run_dbt(env, target, wh.target_path, "run", "--full-refresh", "--select", *CHAIN)
    stages["full"] = {m: _rows(wh, m) for m in INCREMENTAL}
    return wh, stages


def _first_difference(rows: list, other: list) -> str:
    for a, b in zip(rows, other):
        if not _same([a], [b]):
            return f"first differing rows:\n{a}\n{b}"
    return f"{len(rows)} rows vs {len(other)}"


def test_a_run_with_nothing_newly_loaded_changes_nothing(built):
    _, stages = built
    for model in INCREMENTAL:
        unchanged, first = stages["unchanged_stamped"][model], stages["first_stamped"][model]
        assert _same(unchanged, first), f"{model} changed: " + _first_difference(unchanged, first)


def test_incremental_run_equals_full_refresh(built):
    wh, stages = built
    assert "sent_at_floor" in stages["compiled"], "fct_messages did not take its incremental branch"
    assert "as starts" in stages["engagement_compiled"], "the engagement did not take its incremental branch"
    assert "delete from" in stages["engagement_ran"] or "merge into" in stages["engagement_ran"], (
        "messaging_engagement_daily was rebuilt, not merged")
    assert "delete from" in stages["ran"] or "merge into" in stages["ran"], "fct_messages was rebuilt, not merged"
    assert "changed_conversations" in stages["turns_compiled"], "the turns did not take their incremental branch"
    assert "delete from" in stages["turns_ran"] or "insert_overwrite" in stages["turns_ran"], (
        "int_conversation_turns was rebuilt, not replaced by day")
    for model in INCREMENTAL:
        assert _same(stages["incremental"][model], stages["full"][model]), (
            f"{model}: incremental run differs from a full refresh; "
            + _first_difference(stages["incremental"][model], stages["full"][model]))
    assert stages["incremental"] != stages["first"], "the second load changed nothing"
    staged = query(wh, "select count(*) from staging.stg_messaging__message_status_events")[0][0]
    assert staged == query(wh, "select count(*) from staging.base_messaging__message_status_events "
                               "where quarantine_reason is null")[0][0]


def test_status_events_landing_again_in_reverse_order_change_no_message(built):
    """Every status event lands a second time (same ids and content, a later _loaded_at), in the
    reverse of the order they first landed: a re-delivery changes nothing but when rows landed."""
    wh, _ = built
    schema = pq.read_schema(wh.target_path.parent / "raw" / "raw_messaging" / "message_status_events.parquet")
    landed = [dict(zip(schema.names, r, strict=True))
              for r in query(wh, f"select {', '.join(schema.names)} from raw_messaging.message_status_events "
                                 "order by _loaded_at, id")]
    relanded = datetime.combine(AS_OF, datetime.min.time()) + timedelta(hours=1)   # after every load
    for i, row in enumerate(reversed(landed)):          # the last to land lands first again
        row["_loaded_at"] = relanded + timedelta(microseconds=i)
    _append(wh, "message_status_events", pa.Table.from_pylist(landed[::-1], schema=schema))

    before = {m: _rows(wh, m, ("_loaded_at", *BUILD_STAMPS)) for m in ("int_message_status", "fct_messages")}
    run_dbt(wh.env, wh.target, wh.target_path, "run", "--select", *CHAIN)
    for model, rows_before in before.items():
        assert _rows(wh, model, ("_loaded_at", *BUILD_STAMPS)) == rows_before, f"{model} changed"
    assert query(wh, "select max(_loaded_at) from intermediate.int_message_status")[0][0] >= relanded, (
        "the re-landed events were not read")
