"""One month of the messaging model: who starts which conversation when, the turns of customer, bot
and agent, hand-offs, how conversations end, and the delivery events of every outbound message.
Each month draws from its own stream, so any month can be simulated alone."""
import numpy as np

from .. import profiles
from ..portable import log, power
from ..timeutil import HOUR
from .columns import NEVER, SECOND, lognormal_us, month_start_us, pick_keys, uniform_us
from .model import (AGENT, DeliveryEvents, CAMPAIGN, CONFIDENCE, CUSTOMER, IN, LLM, MANUAL, OUTREACH, P_FAIL, P_READ,
                    P_UNDELIVERED, READ_MEDIAN_S, READ_SIGMA, SEND_HOURS, SESSION, SYS, MessagingMonth)


class MonthSimulation:
    """Part of MessagingSimulation: _simulate_month and the draws it needs (contacts, numbers, agents, delivery)."""

    def _simulate_month(self, mi: int) -> MessagingMonth | None:
        rng = self._rng(1, mi)
        mix, now = self.mix, self.now_us
        lo, hi = max(self.launch_us, month_start_us(mi)), min(now, month_start_us(mi + 1))
        if hi <= lo:
            return None
        # 1. who starts what, when
        expected = self._expected_customer_conversations(lo, hi) * rng.lognormal(0, profiles.MONTH_VOLUME_SIGMA)
        t_cust = self._times(rng, lo, hi, rng.poisson(expected), mix.customer_hours)
        t_outr = self._times(rng, lo, hi, rng.poisson(expected * mix.outreach_per_conversation), SEND_HOURS)
        contact_cust = self._pick_contacts(rng, t_cust, recent=True)
        contact_outr = self._pick_contacts(rng, t_outr, recent=False)
        keep_c, keep_o = contact_cust >= 0, contact_outr >= 0
        t_cust, contact_cust = t_cust[keep_c], contact_cust[keep_c]
        t_outr, contact_outr = t_outr[keep_o], contact_outr[keep_o]
        c_t, c_contact, c_camp = [], [], []
        for ci in np.flatnonzero((self.campaign_started >= lo) & (self.campaign_started < hi)):
            plan = self.campaign_plans[ci]
            eligible = self._eligible(plan.started_at)
            audience = rng.choice(eligible, min(plan.audience_size, eligible.size), replace=False)[:plan.send_count]
            k = audience.size
            sends = plan.started_at + np.arange(k) * plan.send_spacing_us + rng.integers(0, plan.send_spacing_us, k)
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
        account[has_camp] = np.array([self.campaign_plans[c].number_index for c in campaign[has_camp]],
                                     np.int64)
        # 2. template openings: delivery, read, and the customer's answer
        opened = kind != CUSTOMER
        opening_idx = np.flatnonzero(opened)
        # 1 (utility) pads the lookup so a tenant with no campaign yet (a tiny scale) still indexes it
        camp_cat = np.append(self.campaign_category, 1)
        opening_category = np.where(has_camp[opening_idx], camp_cat[campaign[opening_idx]], 1)
        opening_events = self._delivery(rng, start[opening_idx], opening_category,
                                        np.full(opening_idx.size, NEVER, np.int64))
        camp_reply = np.array([plan.reply_probability for plan in self.campaign_plans] + [0.0])
        p_reply = np.where(has_camp[opening_idx], camp_reply[campaign[opening_idx]], profiles.P_OUTREACH_REPLY)
        answered = (opening_events.read < NEVER) & (rng.random(opening_idx.size) < p_reply)
        reply_at = (np.where(opening_events.read < NEVER, opening_events.read, 0)
                    + lognormal_us(rng, profiles.TEMPLATE_REPLY_DELAY_S, opening_idx.size))
        answered &= reply_at < start[opening_idx] + 24 * HOUR - SECOND
        opening_agent = np.where((kind[opening_idx] == OUTREACH) & (rng.random(opening_idx.size) < mix.outreach_by_agent),
                           self._pick_agents(rng, opening_idx.size), -1)
        # 3. customer turns: every customer-started conversation and every answered opening
        turn_start = np.full(n, NEVER, np.int64)
        turn_start[~opened] = start[~opened]
        turn_start[opening_idx[answered]] = reply_at[answered]
        talk = np.flatnonzero(turn_start < NEVER)
        n_talks = talk.size
        n_turns = np.minimum(rng.geometric(np.where(opened[talk], profiles.TURNS_P_AFTER_TEMPLATE, mix.turns_p)),
                             profiles.MAX_TURNS)
        has_handoff = rng.random(n_talks) < mix.handoff_rate * np.where(opened[talk], profiles.HANDOFF_FACTOR_AFTER_TEMPLATE, 1.0)
        trigger = pick_keys(rng, mix.handoff_triggers, n_talks)
        handoff_turn = (rng.random(n_talks) * np.minimum(n_turns, 3)).astype(np.int64)
        accepted = has_handoff & ((trigger == MANUAL) | (rng.random(n_talks) < mix.handoff_accepted))
        after = rng.geometric(profiles.TURNS_P_AFTER_HANDOFF, n_talks) - 1
        n_turns = np.where(has_handoff, handoff_turn + 1 + np.where(accepted, after, 0), n_turns)
        off_hours = ~self._local_office_hours(turn_start[talk])
        acc_delay = (lognormal_us(rng, profiles.HANDOFF_ACCEPT_DELAY_S, n_talks)
                     * np.where(off_hours, profiles.OFF_HOURS_ACCEPT_DELAY_FACTOR, 1))
        man_off = uniform_us(rng, *profiles.MANUAL_TAKEOVER_DELAY_S, n_talks)
        agent = np.where(has_handoff, self._pick_agents(rng, n_talks), -1)
        # turn table
        turn_talk = np.repeat(np.arange(n_talks), n_turns)
        turn_no = np.arange(turn_talk.size) - np.repeat(np.cumsum(n_turns) - n_turns, n_turns)
        n_turns_all = turn_talk.size
        before_h = ~has_handoff[turn_talk] | (turn_no < handoff_turn[turn_talk])
        at_h = has_handoff[turn_talk] & (turn_no == handoff_turn[turn_talk])
        after_h = has_handoff[turn_talk] & (turn_no > handoff_turn[turn_talk])
        n_in = 1 + rng.poisson(mix.extra_inbound, n_turns_all)
        n_bot = np.where(before_h | (at_h & (trigger[turn_talk] == CONFIDENCE)), 1 + rng.poisson(mix.extra_bot, n_turns_all), 0)
        n_sys = (at_h & (trigger[turn_talk] != MANUAL)).astype(np.int64)
        n_agent = np.where(after_h | (at_h & accepted[turn_talk]), 1 + rng.poisson(mix.extra_agent, n_turns_all), 0)
        per_turn = n_in + n_bot + n_sys + n_agent
        # message slots
        slot_turn = np.repeat(np.arange(n_turns_all), per_turn)
        slot_pos = np.arange(slot_turn.size) - np.repeat(np.cumsum(per_turn) - per_turn, per_turn)
        bot_from, system_from, agent_from = n_in[slot_turn], (n_in + n_bot)[slot_turn], (n_in + n_bot + n_sys)[slot_turn]
        role = np.where(slot_pos < bot_from, IN,
                        np.where(slot_pos < system_from, LLM, np.where(slot_pos < agent_from, SYS, AGENT)))
        n_slots = slot_turn.size
        slot_talk = turn_talk[slot_turn]                                                  # local talk index of each slot
        delay = np.where(rng.random(n_slots) < profiles.P_NEXT_TURN_WITHIN_HOUR,
                         lognormal_us(rng, profiles.NEXT_TURN_WITHIN_HOUR_DELAY_S, n_slots),
                         np.where(rng.random(n_slots) < profiles.P_NEXT_TURN_SAME_DAY,
                                  uniform_us(rng, *profiles.NEXT_TURN_SAME_DAY_DELAY_S, n_slots),
                                  uniform_us(rng, *profiles.NEXT_TURN_NEXT_DAY_DELAY_S, n_slots)))
        gap = np.where(slot_pos == 0, np.where(turn_no[slot_turn] == 0, 0, delay), 0)
        gap = np.where((role == IN) & (slot_pos > 0), uniform_us(rng, *profiles.INBOUND_MESSAGE_GAP_S, n_slots), gap)
        gap = np.where((role == LLM) & (slot_pos == bot_from), lognormal_us(rng, profiles.BOT_ANSWER_DELAY_S, n_slots), gap)
        gap = np.where((role == LLM) & (slot_pos > bot_from), uniform_us(rng, *profiles.BOT_MESSAGE_GAP_S, n_slots), gap)
        gap = np.where(role == SYS, uniform_us(rng, *profiles.SYSTEM_MESSAGE_GAP_S, n_slots), gap)
        respond = uniform_us(rng, *profiles.AGENT_FIRST_RESPONSE_S, n_slots)
        first_agent = (role == AGENT) & (slot_pos == agent_from)
        handoff_gap = np.where(trigger[slot_talk] == MANUAL, man_off[slot_talk] + acc_delay[slot_talk] + respond,
                               acc_delay[slot_talk] - SECOND + respond)
        agent_gap = (lognormal_us(rng, profiles.AGENT_ANSWER_DELAY_S, n_slots)
                     * np.where(off_hours[slot_talk], profiles.OFF_HOURS_AGENT_DELAY_FACTOR, 1))
        gap = np.where(first_agent, np.where(at_h[slot_turn], handoff_gap, agent_gap), gap)
        gap = np.where((role == AGENT) & (slot_pos > agent_from), uniform_us(rng, *profiles.AGENT_MESSAGE_GAP_S, n_slots), gap)
        gap = gap + rng.integers(1, 1000, n_slots) * (slot_pos > 0)             # strictly increasing times
        gap[(slot_pos == 0) & (turn_no[slot_turn] == 0)] = 0
        count = np.bincount(slot_talk, minlength=n_talks)
        first = np.cumsum(count) - count
        cumulative_gap = np.cumsum(gap)
        t_slot = turn_start[talk][slot_talk] + cumulative_gap - np.repeat(cumulative_gap[first] - gap[first], count)
        # hand-off times
        sys_slot = np.full(n_talks, -1)
        sys_slot[slot_talk[role == SYS]] = np.flatnonzero(role == SYS)
        agent_first = np.full(n_talks, -1)
        first_agent_slots = np.flatnonzero(first_agent & at_h[slot_turn])
        agent_first[slot_talk[first_agent_slots]] = first_agent_slots
        manual_prev = np.full(n_talks, -1)
        manual_prev[slot_talk[first_agent_slots]] = first_agent_slots - 1
        requested = np.where(trigger == MANUAL, t_slot[np.maximum(manual_prev, 0)] + man_off,
                             t_slot[np.maximum(sys_slot, 0)] - SECOND)
        requested = np.where(has_handoff, requested, NEVER)
        accepted_at = np.where(accepted, requested + acc_delay, NEVER)
        # 4. how each conversation ends (from the whole story; later than now = still active)
        last = start.copy()
        talk_last = np.full(n_talks, 0, np.int64)
        talk_last[count > 0] = t_slot[first[count > 0] + count[count > 0] - 1]
        last[talk] = np.maximum(last[talk], talk_last)
        ended = last + 24 * HOUR + uniform_us(rng, *profiles.TIMED_OUT_CLOSE_AFTER_S, n)      # time-out
        status = np.full(n, "closed", dtype=object)
        bot_res = rng.random(n_talks) < mix.bot_resolves
        agent_res = rng.random(n_talks) < mix.agent_resolves
        t_end = np.where(~has_handoff, np.where(bot_res, talk_last + uniform_us(rng, *profiles.BOT_RESOLVES_AFTER_S, n_talks),
                                          talk_last + 24 * HOUR),
                         np.where(~accepted, requested + uniform_us(rng, *profiles.UNACCEPTED_HANDOFF_TICKET_AFTER_S, n_talks),
                                  np.where(agent_res, talk_last + uniform_us(rng, *profiles.AGENT_RESOLVES_AFTER_S, n_talks),
                                           talk_last + uniform_us(rng, *profiles.AGENT_TICKET_AFTER_S, n_talks))))
        s_end = np.where(~has_handoff, np.where(bot_res, "resolved", "closed"),
                         np.where(~accepted | ~agent_res, "handed_off", "resolved")).astype(object)
        ended[talk], status[talk] = t_end, s_end
        active = ended >= now
        status[active] = "active"
        ended[active] = NEVER
        # 5. the messages that happened by now, sorted by conversation and time
        keep = t_slot < now
        s_conv = talk[slot_talk][keep]
        s_role = role[keep]
        s_time = t_slot[keep]
        s_agent = np.where(role == AGENT, agent[slot_talk], -1)[keep]
        s_first_reply = (opened[talk][slot_talk] & (turn_no[slot_turn] == 0) & (slot_pos == 0))[keep]
        msg_conv = np.concatenate([opening_idx, s_conv])
        msg_time = np.concatenate([start[opening_idx], s_time])
        msg_role = np.concatenate([np.where(opening_agent >= 0, AGENT, SYS), s_role])
        msg_campaign = np.concatenate([campaign[opening_idx], np.full(s_conv.size, -1)])
        msg_agent = np.concatenate([opening_agent, s_agent])
        msg_template = np.concatenate([np.ones(opening_idx.size, bool), np.zeros(s_conv.size, bool)])
        msg_first_reply = np.concatenate([np.zeros(opening_idx.size, bool), s_first_reply])
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
        o_order = np.argsort(order)[:opening_idx.size]                     # where each opening went after sorting
        category[o_order] = opening_category
        ev[:, o_order] = opening_events.times()
        transient[o_order] = opening_events.transient_failure
        sess = np.flatnonzero(outbound & ~msg_template)
        session_events = self._delivery(rng, msg_time[sess], np.full(sess.size, SESSION), next_in[sess])
        ev[:, sess] = session_events.times()
        transient[sess] = session_events.transient_failure
        ev[ev >= now] = NEVER
        transient &= ev[3] < NEVER
        # hand-offs that happened by now
        handoffs_by_now = np.flatnonzero(has_handoff & (requested < now))
        ho_acc = np.where(accepted_at[handoffs_by_now] < now, accepted_at[handoffs_by_now], NEVER)
        return MessagingMonth(
            month=mi, conv_start=start, conv_account=account, conv_contact=contact, conv_status=status,
            conv_ended=ended, conv_last=conv_last,
            ho_conv=talk[handoffs_by_now], ho_trigger=trigger[handoffs_by_now],
            ho_requested=requested[handoffs_by_now], ho_accepted=ho_acc,
            ho_agent=np.where(ho_acc < NEVER, agent[handoffs_by_now], -1),
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
            position_draw = rng.random(todo.size)
            bias = np.where(recent & (rng.random(todo.size) < profiles.P_FAVOUR_RECENT_CONTACT),
                            profiles.RECENT_CONTACT_BIAS, 1.0)
            idx = k[todo] - 1 - np.floor(k[todo] * power(position_draw, bias)).astype(np.int64)
            idx = np.clip(idx, 0, k[todo] - 1)
            ok = self.c_change[idx] > t[todo]
            out[todo[ok]] = idx[ok]
            todo = todo[~ok]
        return out

    def _pick_accounts(self, rng, t: np.ndarray) -> np.ndarray:
        w = (self.acc_created[None, :] <= t[:, None]) * self.acc_weight[None, :]
        w[:, 0] = np.where(w.sum(axis=1) == 0, 1.0, w[:, 0])
        cum = np.cumsum(w, axis=1)
        draw = rng.random(t.size) * cum[:, -1]
        return (cum <= draw[:, None]).sum(axis=1).astype(np.int64)

    def _pick_agents(self, rng, n) -> np.ndarray:
        if self.agents.size == 0:
            return np.full(n, -1, np.int64)
        return rng.choice(self.agents.size, n, p=self.agent_p).astype(np.int64)

    def _delivery(self, rng, s: np.ndarray, cat: np.ndarray, next_in: np.ndarray) -> DeliveryEvents:
        """Times of the sent, delivered, read and failed events of outbound messages sent at s (NEVER:
        no such event), and whether a failed event came before a delivery. A message the customer
        answered (next inbound within 24 h) was mostly delivered and read before the answer."""
        n = s.size
        gap = next_in - s
        forced = (gap <= 24 * HOUR) & (rng.random(n) < profiles.P_READ_BEFORE_REPLY)
        fate_draw = rng.random(n)
        p_fail = P_FAIL[cat] * self.fail_factor
        fail = (fate_draw < p_fail) & ~forced
        undelivered = ~fail & (fate_draw < p_fail + P_UNDELIVERED[cat]) & ~forced
        delivered = ~fail & ~undelivered
        read = delivered & ((rng.random(n) < P_READ[cat]) | forced)
        fail_sent = fail & (rng.random(n) < profiles.P_FAIL_AFTER_SENT)
        sent_lag = lognormal_us(rng, profiles.SENT_DELAY_S, n)
        d_lag = lognormal_us(rng, profiles.DELIVERED_DELAY_S, n)
        offline = rng.random(n) < profiles.P_RECIPIENT_OFFLINE
        d_lag = d_lag + offline * uniform_us(rng, *profiles.RECIPIENT_OFFLINE_DELAY_S, n)
        r_lag = np.clip(rng.lognormal(log(READ_MEDIAN_S[cat]), READ_SIGMA[cat]), *profiles.READ_DELAY_RANGE_S)
        r_lag = (r_lag * SECOND).astype(np.int64)
        g = np.where(forced, np.maximum(gap, 10 * SECOND), 10 * SECOND)
        answer = np.where(forced, next_in, 0)
        sent_ev = s + np.where(forced, np.maximum(np.minimum(sent_lag, g // 20), 1), sent_lag)
        deliv_ev = sent_ev + np.where(forced, np.maximum(np.minimum(d_lag, g // 5), 1), d_lag)
        before_answer = deliv_ev + ((answer - deliv_ev) * rng.uniform(*profiles.READ_BEFORE_ANSWER_SHARE, n)).astype(np.int64)
        read_ev = np.where(forced, np.clip(before_answer, deliv_ev + 1, answer - 1), deliv_ev + r_lag)
        fail_ev = np.where(fail_sent, sent_ev + uniform_us(rng, *profiles.FAILED_AFTER_SENT_S, n),
                           s + uniform_us(rng, *profiles.FAILED_WITHOUT_SENT_S, n))
        transient = delivered & ~forced & (rng.random(n) < profiles.P_TRANSIENT_FAILURE)
        fail_ev = np.where(transient, sent_ev + (deliv_ev - sent_ev) // 2, fail_ev)
        return DeliveryEvents(sent=np.where(fail & ~fail_sent, NEVER, sent_ev),
                              delivered=np.where(delivered, deliv_ev, NEVER),
                              read=np.where(read, read_ev, NEVER),
                              failed=np.where(fail | transient, fail_ev, NEVER),
                              transient_failure=transient)
