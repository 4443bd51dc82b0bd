"""The raw_messaging rows of the model: the contract's columns in its order, earlier versions of
changed rows, and the delivery webhooks as they land (lost, skewed, late, repeated). Each table draws
from its own stream, so what is written never changes what was simulated."""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import profiles
from .columns import MAX_LATE, NEVER, SECOND, pick_keys, str_ids, text_column, ts_column, uniform_us
from .model import AGENT, ERROR_CODE_SHARE, IN, LLM, SENDER, TRIGGERS, MessagingMonth


class RawRows:
    """Part of MessagingSimulation: the rows of every raw_messaging table from the simulated months."""

    # -- message details, from their own streams: they change nothing a month simulated ---------------
    def _tokens(self, mo: MessagingMonth) -> np.ndarray:
        """Prompt (system prompt + conversation so far) plus completion tokens of each llm message."""
        rng = self._rng(2, mo.month)
        completion = profiles.COMPLETION_TOKENS.draw(rng, mo.msg_time.size)
        history = profiles.PROMPT_TOKENS_PER_EARLIER_MESSAGE * np.minimum(mo.msg_pos, profiles.PROMPT_MAX_EARLIER_MESSAGES)
        return (self.system_prompt_tokens + history + completion).astype(np.int64)

    def _message_types(self, mo: MessagingMonth) -> np.ndarray:
        rng = self._rng(8, mo.month)
        role = mo.msg_role
        mtype = np.full(role.size, "text", dtype=object)
        type_draw = rng.random(role.size)
        inbound = role == IN
        media_below = profiles.P_INBOUND_MEDIA
        interactive_below = media_below + profiles.P_INBOUND_INTERACTIVE
        mtype[inbound & (type_draw < media_below)] = "media"
        mtype[inbound & (type_draw >= media_below) & (type_draw < interactive_below)] = "interactive"
        mtype[mo.msg_first_reply & (type_draw < profiles.P_TEMPLATE_REPLY_BY_BUTTON)] = "interactive"
        mtype[(role == LLM) & (type_draw < self.mix.interactive_bot)] = "interactive"
        mtype[(role == AGENT) & (type_draw < profiles.P_AGENT_MEDIA)] = "media"
        mtype[mo.msg_template] = "template"
        return mtype

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
        return pa.array(np.full(n, self.tenant_id, dtype=object), pa.string())

    def _lag(self, rng, t: np.ndarray, lag_s: tuple = profiles.ROW_LOAD_LAG_S) -> np.ndarray:
        """_loaded_at of a row changed at t: minutes to hours later, before now."""
        return np.minimum(t + uniform_us(rng, *lag_s, t.size), self.now_us - 1)

    def _with_earlier(self, name: str, cols: dict, early: np.ndarray, changes: dict, early_updated: np.ndarray,
                      rng) -> pa.Table:
        """The rows, and for the `early` ones also an earlier version (updated_at before the latest's),
        most loaded before it, some (profiles.OUT_OF_ORDER_RATE) after it."""
        latest = self._table(name, cols)
        if not early.any():
            return latest
        def pick(v):
            return v.filter(pa.array(early)) if isinstance(v, pa.Array) else np.asarray(v)[early]

        e = {k: pick(v) for k, v in {**cols, **changes}.items()}
        k = int(early.sum())
        upd = early_updated[early]
        late = rng.random(k) < profiles.OUT_OF_ORDER_RATE
        final_loaded = np.asarray(cols["_loaded_at"])[early]
        loaded = np.where(late, np.minimum(final_loaded + uniform_us(rng, *profiles.OUT_OF_ORDER_LOAD_LAG_S, k), self.now_us - 1),
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
        cols = dict(id=str_ids("wa_", np.arange(1, n + 1)), tenant_id=self._tenant(n),
                    display_phone_number=text_column(self.acc_phone), display_name=text_column(self.acc_name),
                    outlet_id=text_column(self.acc_outlet), created_at=ts_column(self.acc_created), updated_at=ts_column(updated),
                    _loaded_at=self._lag(rng, updated))
        old = np.array([f"{self.profile.name.replace('_', ' ').title()} WhatsApp"] * n, dtype=object)
        return self._with_earlier("whatsapp_accounts", cols, self.acc_renamed & (updated > self.acc_created),
                                  {"display_name": text_column(old)}, self.acc_created, rng)

    def _contact_rows(self, rng) -> pa.Table:
        n = self.c_created.size
        cols = dict(id=str_ids("wc_", np.arange(1, n + 1)), tenant_id=self._tenant(n), wa_id=text_column(self.c_wa),
                    name=text_column(self.c_name), status=text_column(self.c_status), crm_account_id=text_column(self.c_crm),
                    commerce_customer_id=text_column(self.c_com), created_at=ts_column(self.c_created),
                    updated_at=ts_column(self.c_updated), _loaded_at=self._lag(rng, self.c_updated))
        early = ((self.c_status != "active") & (rng.random(n) < profiles.EARLIER_VERSION_RATE)
                 & (self.c_updated > self.c_created))
        return self._with_earlier("contacts", cols, early, {"status": text_column(np.full(n, "active", dtype=object))},
                                  self.c_created, rng)

    def _campaign_rows(self, rng) -> pa.Table:
        plans = self.campaign_plans
        n = len(plans)

        def times(name: str) -> tuple[np.ndarray, np.ndarray]:
            """A time field of every plan as microseconds (0 where None) and whether it is set."""
            values = [getattr(plan, name) for plan in plans]
            return (np.array([0 if v is None else v for v in values], np.int64),
                    np.array([v is not None for v in values], bool))

        created, _ = times("created_at")
        updated, _ = times("updated_at")
        started, has_started = times("started_at")
        scheduled, has_scheduled = times("scheduled_at")
        completed, has_completed = times("completed_at")
        status = np.array([plan.status for plan in plans], dtype=object)
        cols = dict(id=str_ids("cmp_", np.arange(1, n + 1)), tenant_id=self._tenant(n),
                    whatsapp_account_id=str_ids("wa_", np.array([plan.number_index for plan in plans], np.int64) + 1),
                    name=text_column([plan.name for plan in plans]),
                    template_name=text_column([plan.template_name for plan in plans]),
                    category=text_column([plan.category for plan in plans]), status=text_column(status),
                    audience_size=pa.array(np.array([plan.audience_size for plan in plans], np.int64).astype(np.int32)),
                    scheduled_at=ts_column(scheduled, has_scheduled), started_at=ts_column(started, has_started),
                    completed_at=ts_column(completed, has_completed),
                    created_at=ts_column(created), updated_at=ts_column(updated), _loaded_at=self._lag(rng, updated))
        early = (status == "completed") & (rng.random(n) < profiles.EARLIER_VERSION_RATE)
        return self._with_earlier("campaigns", cols, early, {
            "status": text_column(np.full(n, "running", dtype=object)),
            "completed_at": pa.nulls(n, pa.timestamp("us"))}, started, rng)

    def _conversation_rows(self, mo: MessagingMonth, conv_off: int) -> pa.Table:
        rng = self._rng(3, mo.month)
        n = mo.conv_start.size
        ended = mo.conv_ended < NEVER
        updated = np.where(ended, mo.conv_ended, mo.conv_last)
        cols = dict(id=str_ids("conv_", np.arange(conv_off + 1, conv_off + n + 1)), tenant_id=self._tenant(n),
                    whatsapp_account_id=str_ids("wa_", mo.conv_account + 1),
                    contact_id=str_ids("wc_", mo.conv_contact + 1), status=text_column(mo.conv_status),
                    started_at=ts_column(mo.conv_start), ended_at=ts_column(np.where(ended, mo.conv_ended, 0), ended),
                    last_message_at=ts_column(mo.conv_last), updated_at=ts_column(updated), _loaded_at=self._lag(rng, updated))
        early = ended & (rng.random(n) < profiles.EARLIER_VERSION_RATE)
        return self._with_earlier("conversations", cols, early, {
            "status": text_column(np.full(n, "active", dtype=object)), "ended_at": pa.nulls(n, pa.timestamp("us")),
            "last_message_at": ts_column(mo.conv_start)}, mo.conv_start, rng)

    def _handoff_rows(self, mo: MessagingMonth, conv_off: int, ho_off: int) -> pa.Table:
        rng = self._rng(5, mo.month)
        n = mo.ho_conv.size
        acc = mo.ho_accepted < NEVER
        agent = np.full(n, None, dtype=object)
        agent[acc & (mo.ho_agent >= 0)] = self.agents[mo.ho_agent[acc & (mo.ho_agent >= 0)]]
        loaded = self._lag(rng, np.where(acc, mo.ho_accepted, mo.ho_requested), profiles.HANDOFF_LOAD_LAG_S)
        cols = dict(id=str_ids("ho_", np.arange(ho_off + 1, ho_off + n + 1)), tenant_id=self._tenant(n),
                    conversation_id=str_ids("conv_", conv_off + mo.ho_conv + 1),
                    trigger=text_column(TRIGGERS[mo.ho_trigger]),
                    requested_at=ts_column(mo.ho_requested), accepted_at=ts_column(np.where(acc, mo.ho_accepted, 0), acc),
                    agent_user_id=text_column(agent), _loaded_at=ts_column(loaded))
        latest = self._table("handoffs", cols)
        # the row as first landed, before an agent took it (no updated_at: always loaded before the latest)
        early = acc & (rng.random(n) < profiles.EARLIER_VERSION_RATE)
        if not early.any():
            return latest
        e_loaded = np.minimum(np.minimum(mo.ho_requested + uniform_us(rng, *profiles.EARLY_HANDOFF_LOAD_LAG_S, n),
                                         loaded - SECOND), self.now_us - 1)
        e = latest.filter(pa.array(early))
        k = e.num_rows
        e = e.set_column(e.schema.get_field_index("accepted_at"), "accepted_at", pa.nulls(k, pa.timestamp("us")))
        e = e.set_column(e.schema.get_field_index("agent_user_id"), "agent_user_id", pa.nulls(k, pa.string()))
        e_loaded = ts_column(np.maximum(e_loaded[early], mo.ho_requested[early]))
        e = e.set_column(e.schema.get_field_index("_loaded_at"), "_loaded_at", e_loaded)
        return pa.concat_tables([e, latest])

    def _message_rows(self, mo: MessagingMonth, conv_off: int, msg_off: int) -> pa.Table:
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
        cols = dict(id=str_ids("wamid.", np.arange(msg_off + 1, msg_off + n + 1)), tenant_id=self._tenant(n),
                    conversation_id=str_ids("conv_", conv_off + mo.msg_conv + 1),
                    campaign_id=pc.if_else(pa.array(campaign), str_ids("cmp_", np.maximum(mo.msg_campaign, 0) + 1),
                                           pa.scalar(None, pa.string())),
                    direction=text_column(np.where(inbound, "inbound", "outbound").astype(object)),
                    sender_type=text_column(SENDER[role]), sender_user_id=text_column(agent), message_type=text_column(mtype),
                    sent_at=ts_column(mo.msg_time), llm_model=text_column(model),
                    tokens_used=pa.array(tokens.astype(np.int32), pa.int32(), mask=~is_llm),
                    _loaded_at=ts_column(np.minimum(mo.msg_time + uniform_us(rng, *profiles.MESSAGE_LOAD_LAG_S, n),
                                                    self.now_us - 1)))
        return self._table("messages", cols)

    def _status_rows(self, mo: MessagingMonth, msg_off: int, ev_off: int) -> pa.Table:
        """The delivery webhooks as they land: lost, skewed, late and repeated."""
        rng = self._rng(7, mo.month)
        now = self.now_us
        sent, deliv, read, fail = mo.ev_sent.copy(), mo.ev_delivered.copy(), mo.ev_read.copy(), mo.ev_failed.copy()
        n = sent.size
        has_read = read < NEVER
        deliv[has_read & (deliv < NEVER) & (rng.random(n) < profiles.P_DELIVERED_LOST)] = NEVER
        has_d = (deliv < NEVER) | has_read
        sent[(sent < NEVER) & has_d & (rng.random(n) < profiles.P_SENT_LOST)] = NEVER
        skew = (sent < NEVER) & (deliv < NEVER) & (rng.random(n) < profiles.P_CLOCK_SKEW)
        skewed = deliv + uniform_us(rng, *profiles.CLOCK_SKEW_S, n)
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
        for c, codes in ERROR_CODE_SHARE.items():
            sel = np.flatnonzero(is_f & (cat == c))
            code[sel] = np.array(list(codes), dtype=object)[pick_keys(rng, codes, sel.size)]
        text_msg = np.flatnonzero(is_f & (code == "131051") & (self._message_types(mo)[msg] == "text"))
        code[text_msg] = "131026"
        code[is_f & mo.transient_failure[msg]] = "131000"
        # landing: minutes later, some 1 h - 7 days late, sent webhooks sometimes after the later ones
        lag = uniform_us(rng, *profiles.WEBHOOK_LOAD_LAG_S, k)
        lag += (rng.random(k) < profiles.P_LATE) * uniform_us(rng, *profiles.LATE_WEBHOOK_EXTRA_S, k)
        lag += ((status == 0) & (rng.random(k) < profiles.P_SENT_LANDS_LATE)) * uniform_us(
            rng, *profiles.LATE_SENT_WEBHOOK_EXTRA_S, k)
        loaded = np.minimum(occurred + np.minimum(lag, MAX_LATE), now - 1)
        # repeated deliveries of the same webhook (same message, status and time; a new event id)
        copies = np.where(rng.random(k) < profiles.P_DUPLICATED, 1 + rng.poisson(profiles.DUPLICATE_EXTRA_COPIES, k), 0)
        src = np.repeat(np.arange(k), copies)
        d_loaded = np.minimum(loaded[src] + uniform_us(rng, *profiles.DUPLICATE_LOAD_LAG_S, src.size), occurred[src] + MAX_LATE)
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
        cols = dict(id=str_ids("wse_", np.arange(ev_off + 1, ev_off + k + 1)), tenant_id=self._tenant(k),
                    message_id=str_ids("wamid.", msg_off + msg + 1), status=text_column(names[status]),
                    error_code=text_column(code), occurred_at=ts_column(occurred), _loaded_at=ts_column(loaded))
        return self._table("message_status_events", cols)
