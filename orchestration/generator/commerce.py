"""Online-store simulation for one tenant, vectorised with NumPy.

Customers arrive with growth and seasonality and buy again with decaying
probability; orders carry items (some products are bought together), refunds
and cancellations; web sessions fall off through the funnel and the purchasing
ones end in the order. The clickstream is produced in chunks.
"""
import math
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profiles
from .portable import power
from .schema import TABLES
from .timeutil import DAY, HOUR, US, to_us

SEASON = np.array(profiles.STORE_SEASONALITY)  # Jan..Dec
CHANNELS = np.array(list(profiles.ACQUISITION_CHANNEL_SHARE), dtype=object)
CHANNEL_SHARE = list(profiles.ACQUISITION_CHANNEL_SHARE.values())
SPEND_CHANNELS = ("paid_search", "paid_social", "referral", "event")
UTM = np.array(list(profiles.UTM_SOURCE_SHARE), dtype=object)
UTM_SHARE = list(profiles.UTM_SOURCE_SHARE.values())
ORDER_CHANNELS = np.array(list(profiles.ORDER_CHANNEL_SHARE), dtype=object)
DEVICES = np.array(list(profiles.DEVICE_SHARE), dtype=object)
FIRST = np.array(["ana", "ben", "carla", "dev", "emma", "felix", "gina", "hiro", "ines", "jon",
                  "kai", "lena", "marco", "nora", "omar", "pia", "rosa", "sam", "tara", "yuki"], dtype=object)
LAST = np.array(["garcia", "smith", "muller", "tanaka", "rossi", "dubois", "lopez", "kim", "brown",
                 "sato", "jones", "silva"], dtype=object)


def ids(prefix: str, count_or_numbers: np.ndarray | int, start: int = 1) -> pa.Array:
    """prefix + number: of count numbers from start, or of the numbers given."""
    nums = (np.arange(start, start + count_or_numbers) if isinstance(count_or_numbers, (int, np.integer))
            else count_or_numbers)
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(nums), pa.string()), "")


def ts(us: np.ndarray) -> pa.Array:
    return pa.array(us.astype(np.int64), pa.timestamp("us"))


def money(amounts: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.round(amounts, 2)), pa.decimal128(18, 2))


def _seasonal_times(rng, n, start_us, now_us, growth=profiles.HISTORY_GROWTH_EXPONENT):
    """n timestamps in [start, now) with rising density and year-end peaks (thinning)."""
    times = np.empty(0, dtype=np.int64)
    while times.size < n:
        n_candidates = int((n - times.size) * 1.6) + 16
        candidates = start_us + (power(rng.random(n_candidates), growth) * (now_us - start_us)).astype(np.int64)
        month = candidates.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64) % 12
        in_season = rng.random(n_candidates) < SEASON[month] / SEASON.max()
        times = np.concatenate([times, candidates[in_season]])
    return np.sort(times[:n])


class CommerceSimulation:
    def __init__(self, tenant_id, prof: profiles.TenantProfile, scale, rng, start: datetime, now: datetime,
                 billing_emails: list[str]):
        self.tenant_id, self.prof, self.rng = tenant_id, prof, rng
        self.start_us, self.now_us = to_us(start), to_us(now)
        self.size = prof.weight * prof.commerce * scale
        self.billing_emails = billing_emails
        self.currency = prof.store_currency
        self.fx = profiles.PRICE_FX[self.currency]

    def _tenant_col(self, n):
        return pa.array(np.full(n, self.tenant_id, dtype=object), pa.string())

    def _loaded(self, t_us):
        lag = self.rng.integers(*profiles.STORE_LOAD_LAG_S, t_us.size) * US
        return np.minimum(t_us + lag, self.now_us - US)

    def run(self) -> dict:
        if self.size <= 0:
            return {}
        out = {}
        out[("raw_commerce", "products")] = self._products()
        out[("raw_commerce", "customers")] = self._customers()
        out.update(self._orders())
        out[("raw_commerce", "marketing_spend")] = self._spend()
        return out

    def _products(self):
        rng = self.rng
        n_products = max(profiles.MIN_PRODUCTS, round(profiles.PRODUCTS_AT_SIZE_1 * self.size ** profiles.PRODUCT_COUNT_EXPONENT))
        self.n_products = n_products
        categories = np.array(self.prof.product_categories, dtype=object)
        self.product_category = rng.integers(0, categories.size, n_products)
        price_usd = rng.lognormal(math.log(profiles.PRODUCT_PRICE_USD_MEDIAN), profiles.PRODUCT_PRICE_SIGMA, n_products)
        self.product_price = np.round(price_usd * self.fx, 0 if self.fx > 50 else 2)
        self.product_cost = np.round(self.product_price * rng.uniform(*profiles.PRODUCT_COST_SHARE, n_products), 2)
        self.popularity = 1.0 / power(np.arange(1, n_products + 1), profiles.PRODUCT_POPULARITY_EXPONENT)
        self.popularity /= self.popularity.sum()
        created = (np.full(n_products, self.start_us - profiles.CATALOGUE_OPENS_DAYS_BEFORE_HISTORY * DAY)
                   + rng.integers(*profiles.PRODUCT_LISTED_AFTER_OPENING_DAYS, n_products) * DAY)
        updated = created + ((rng.random(n_products) < profiles.P_PRODUCT_UPDATED)
                             * rng.integers(*profiles.PRODUCT_UPDATED_AFTER_DAYS, n_products) * DAY)
        updated = np.minimum(updated, self.now_us - DAY)
        return pa.table({
            "id": ids("prd_", n_products), "tenant_id": self._tenant_col(n_products),
            "title": pa.array([f"{category.replace('_', ' ').title()} item {i + 1}"
                               for i, category in enumerate(categories[self.product_category])]),
            "category": pa.array(categories[self.product_category], pa.string()),
            "vendor": pa.array(rng.choice(np.array(["acme", "globex", "initech", "umbrella"], dtype=object), n_products),
                               pa.string()),
            "price": money(self.product_price), "cost": money(self.product_cost),
            "created_at": ts(created), "updated_at": ts(updated), "_loaded_at": ts(self._loaded(updated)),
        }, schema=TABLES["raw_commerce"]["products"])

    def _customers(self):
        rng = self.rng
        n_customers = max(profiles.MIN_SHOPPERS, round(profiles.SHOPPERS_PER_SIZE * self.size))
        self.n_customers = n_customers
        created = _seasonal_times(rng, n_customers, self.start_us, self.now_us - DAY)
        self.customer_created = created
        first_names = rng.choice(FIRST, n_customers)
        last_names = rng.choice(LAST, n_customers)
        emails = pc.binary_join_element_wise(
            pc.binary_join_element_wise(pa.array(first_names, pa.string()), pa.array(last_names, pa.string()), "."),
            ids("", n_customers), "@shopper.example")
        emails = emails.to_numpy(zero_copy_only=False).astype(object)
        # a few shoppers are also billing customers of the tenant (same person, same email)
        n_billing_shoppers = min(len(self.billing_emails), int(n_customers * profiles.P_SHOPPER_IS_BILLING_CUSTOMER))
        if n_billing_shoppers:
            billing_pos = rng.choice(n_customers, n_billing_shoppers, replace=False)
            emails[billing_pos] = rng.choice(np.array(self.billing_emails, dtype=object), n_billing_shoppers, replace=False)
        # and a few shoppers registered twice with one email
        reused_pos = rng.choice(n_customers, max(1, int(n_customers * profiles.P_SHOPPER_REGISTERED_TWICE)), replace=False)
        emails[reused_pos] = emails[rng.choice(n_customers, reused_pos.size)]
        self.acquisition_channel = rng.choice(CHANNELS, n_customers, p=CHANNEL_SHARE)
        countries = np.array(list(self.prof.countries), dtype=object)
        country_share = np.array(list(self.prof.countries.values()))
        updated = np.minimum(created + (rng.random(n_customers) < profiles.P_SHOPPER_UPDATED)
                             * rng.integers(*profiles.SHOPPER_UPDATED_AFTER_DAYS, n_customers) * DAY, self.now_us - US)
        return pa.table({
            "id": ids("cust_", n_customers), "tenant_id": self._tenant_col(n_customers),
            "email": pa.array(emails, pa.string()),
            "first_name": pa.array([first_name.title() for first_name in first_names], pa.string()),
            "last_name": pa.array([last_name.title() for last_name in last_names], pa.string()),
            "country_code": pa.array(rng.choice(countries, n_customers, p=country_share / country_share.sum()), pa.string()),
            "accepts_marketing": pa.array(rng.random(n_customers) < profiles.P_ACCEPTS_MARKETING),
            "acquisition_channel": pa.array(self.acquisition_channel, pa.string()),
            "created_at": ts(created), "updated_at": ts(updated), "_loaded_at": ts(self._loaded(updated)),
        }, schema=TABLES["raw_commerce"]["customers"])

    def _orders(self):
        rng, now = self.rng, self.now_us
        n_customers = self.n_customers
        # orders per customer: 1 + geometric repeats (many buy once); loyal customers buy again more
        orders_per_customer = (1 + rng.geometric(profiles.P_REPEAT_STOPS, n_customers) - 1
                               + (rng.random(n_customers) < profiles.P_LOYAL_SHOPPER)
                               * rng.geometric(profiles.P_LOYAL_REPEAT_STOPS, n_customers))
        # one row per planned order, customer by customer; first_order_pos: where each customer's rows start
        customer = np.repeat(np.arange(n_customers), orders_per_customer)
        first_order_pos = np.cumsum(orders_per_customer) - orders_per_customer
        order_seq = np.arange(customer.size) - np.repeat(first_order_pos, orders_per_customer)  # 0 = first order
        # each repeat waits longer than the one before (the exponent's cap only guards the power)
        gap = (rng.exponential(profiles.REPEAT_ORDER_GAP_DAYS_MEAN, customer.size)
               * np.minimum(power(profiles.REPEAT_GAP_GROWTH, np.minimum(order_seq, 30)), profiles.REPEAT_GAP_MAX_FACTOR) * DAY)
        gap[order_seq == 0] = rng.exponential(profiles.FIRST_ORDER_AFTER_SIGNUP_DAYS_MEAN, (order_seq == 0).sum()) * DAY
        gap_sum = np.cumsum(gap)
        # the running sum of gaps restarts at each customer: subtract what came before their first order
        gap_sum_before_customer = (np.repeat(gap_sum[first_order_pos], orders_per_customer)
                                   - np.repeat(gap[first_order_pos], orders_per_customer))
        since_created = np.minimum(gap_sum - gap_sum_before_customer, 10 * 365 * DAY)  # later orders fall after now and drop
        placed = self.customer_created[customer] + since_created.astype(np.int64)
        placed_month = placed.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64) % 12
        keep = (placed < now - HOUR) & ((order_seq == 0) | (rng.random(customer.size) < SEASON[placed_month] / SEASON.max()))
        customer, placed = customer[keep], placed[keep]
        # guest checkouts
        n_guest_orders = int(customer.size * profiles.GUEST_ORDERS_PER_CUSTOMER_ORDER)
        guest_placed = _seasonal_times(rng, n_guest_orders, self.start_us, now - HOUR)
        customer = np.concatenate([customer, np.full(n_guest_orders, -1)])
        placed = np.concatenate([placed, guest_placed])
        by_time = np.argsort(placed, kind="stable")
        customer, placed = customer[by_time], placed[by_time]
        n_orders = placed.size
        channel = rng.choice(ORDER_CHANNELS, n_orders, p=list(profiles.ORDER_CHANNEL_SHARE.values()))
        # items
        n_items = np.minimum(1 + rng.poisson(profiles.EXTRA_ITEMS_PER_ORDER, n_orders), profiles.MAX_ITEMS_PER_ORDER)
        item_order = np.repeat(np.arange(n_orders), n_items)
        item_pos = np.arange(item_order.size) - np.repeat(np.cumsum(n_items) - n_items, n_items)
        product = rng.choice(self.n_products, item_order.size, p=self.popularity)
        first_product = np.repeat(product[np.cumsum(n_items) - n_items], n_items)
        is_complement = (item_pos == 1) & (rng.random(item_order.size) < profiles.P_COMPLEMENT_SECOND_ITEM)
        product = np.where(is_complement, first_product ^ 1, product)  # complements bought together
        product = np.minimum(product, self.n_products - 1)
        quantity = 1 + rng.poisson(profiles.EXTRA_UNITS_PER_ITEM, item_order.size)
        unit_price = self.product_price[product]
        item_discount = np.where(rng.random(item_order.size) < profiles.P_ITEM_DISCOUNT,
                                 np.round(unit_price * quantity * profiles.ITEM_DISCOUNT_SHARE, 2), 0.0)
        line_amount = unit_price * quantity - item_discount
        subtotal = np.round(np.bincount(item_order, line_amount, minlength=n_orders), 2)
        order_discount = np.where(rng.random(n_orders) < profiles.P_ORDER_DISCOUNT,
                                  np.round(subtotal * profiles.ORDER_DISCOUNT_SHARE, 2), 0.0)
        shipping = np.where(subtotal - order_discount >= profiles.FREE_SHIPPING_FROM_USD * self.fx, 0.0,
                            round(profiles.SHIPPING_USD * self.fx, 2))
        tax = np.round((subtotal - order_discount) * profiles.STORE_SALES_TAX_RATE, 2)
        total = np.round(subtotal - order_discount + shipping + tax, 2)
        # status
        age = now - placed
        outcome_draw = rng.random(n_orders)
        cancelled_below = profiles.P_ORDER_CANCELLED
        refunded_below = cancelled_below + profiles.P_ORDER_REFUNDED
        partially_refunded_below = refunded_below + profiles.P_ORDER_PARTIALLY_REFUNDED
        # payment is captured within hours: a 2-day pending window emptied the latest days of revenue
        status = np.where(age < profiles.ORDER_PENDING_HOURS * HOUR, "pending",
                          np.where(age < profiles.ORDER_FULFILLED_AT_AGE_DAYS * DAY, "paid", "fulfilled")).astype(object)
        status[(outcome_draw < cancelled_below)] = "cancelled"
        refundable = age > profiles.ORDER_REFUNDABLE_AT_AGE_DAYS * DAY
        refunded = (outcome_draw >= cancelled_below) & (outcome_draw < refunded_below) & refundable
        partially_refunded = (outcome_draw >= refunded_below) & (outcome_draw < partially_refunded_below) & refundable
        status[refunded] = "refunded"
        status[partially_refunded] = "partially_refunded"
        cancelled_at = np.where(status == "cancelled",
                                placed + rng.integers(*profiles.ORDER_CANCELLED_AFTER_HOURS, n_orders) * HOUR, 0)
        fulfilled_at = np.where(np.isin(status, ["fulfilled", "refunded", "partially_refunded"]),
                                placed + rng.integers(*profiles.ORDER_FULFILLED_AFTER_DAYS, n_orders) * DAY, 0)
        refund_order = np.flatnonzero(refunded | partially_refunded)
        merchandise = subtotal - order_discount
        partial_share = rng.uniform(*profiles.PARTIAL_REFUND_SHARE, refund_order.size)
        refund_amount = np.where(refunded[refund_order], merchandise[refund_order],
                                 np.round(merchandise[refund_order] * partial_share, 2))
        refunded_at = placed[refund_order] + rng.integers(*profiles.REFUND_AFTER_DAYS, refund_order.size) * DAY
        updated = np.maximum.reduce([placed, cancelled_at, fulfilled_at])
        updated[refund_order] = np.maximum(updated[refund_order], refunded_at)
        order_ids = ids("ord_", n_orders)
        customer_ids = pc.if_else(pa.array(customer < 0), pa.scalar(None, pa.string()),
                                  ids("cust_", np.maximum(customer, 0) + 1))
        def null_ts(times_us):  # 0 means "not set"
            return pc.if_else(pa.array(times_us > 0), ts(times_us), pa.scalar(None, pa.timestamp("us")))

        orders = pa.table({
            "id": order_ids, "tenant_id": self._tenant_col(n_orders), "customer_id": customer_ids,
            "order_number": pa.array(np.arange(1001, 1001 + n_orders, dtype=np.int64)),
            "status": pa.array(status, pa.string()),
            "currency": pa.array(np.full(n_orders, self.currency, dtype=object), pa.string()),
            "subtotal": money(subtotal), "discount_total": money(order_discount), "shipping_total": money(shipping),
            "tax_total": money(tax), "total": money(total), "channel": pa.array(channel, pa.string()),
            "placed_at": ts(placed), "cancelled_at": null_ts(cancelled_at), "fulfilled_at": null_ts(fulfilled_at),
            "updated_at": ts(updated), "_loaded_at": ts(self._loaded(updated)),
        }, schema=TABLES["raw_commerce"]["orders"])
        # earlier versions: fulfilled orders were first loaded as paid
        early_mask = (status == "fulfilled") & (rng.random(n_orders) < profiles.EARLIER_VERSION_RATE)
        if early_mask.any():
            earlier = orders.filter(pa.array(early_mask))
            earlier_placed = placed[early_mask]
            paid = pa.array(np.full(earlier.num_rows, "paid", dtype=object), pa.string())
            for name, values in (("status", paid), ("fulfilled_at", pa.nulls(earlier.num_rows, pa.timestamp("us"))),
                                 ("updated_at", ts(earlier_placed)), ("_loaded_at", ts(self._loaded(earlier_placed)))):
                earlier = earlier.set_column(earlier.schema.get_field_index(name), name, values)
            orders = pa.concat_tables([earlier, orders])
        items = pa.table({
            "id": ids("oi_", item_order.size), "tenant_id": self._tenant_col(item_order.size),
            "order_id": order_ids.take(pa.array(item_order)), "product_id": ids("prd_", product + 1),
            "quantity": pa.array(quantity.astype(np.int32)), "unit_price": money(unit_price), "discount": money(item_discount),
            "_loaded_at": ts(self._loaded(placed[item_order])),
        }, schema=TABLES["raw_commerce"]["order_items"])
        refunds = pa.table({
            "id": ids("re_", refund_order.size), "tenant_id": self._tenant_col(refund_order.size),
            "order_id": order_ids.take(pa.array(refund_order)), "amount": money(refund_amount),
            "reason": pa.array(rng.choice(np.array(["damaged", "wrong_item", "not_as_described", "changed_mind"],
                                                   dtype=object), refund_order.size), pa.string()),
            "created_at": ts(refunded_at), "_loaded_at": ts(self._loaded(refunded_at)),
        }, schema=TABLES["raw_commerce"]["refunds"])
        # keep what the clickstream needs
        is_web = np.isin(channel, ["web", "mobile"])
        self.web_orders = dict(idx=np.flatnonzero(is_web), placed=placed[is_web], customer=customer[is_web],
                               mobile=channel[is_web] == "mobile",
                               first_product=product[np.cumsum(n_items) - n_items][is_web])
        self.order_ids = order_ids
        self.all_placed = placed
        return {("raw_commerce", "orders"): orders, ("raw_commerce", "order_items"): items,
                ("raw_commerce", "refunds"): refunds}

    def web_event_chunks(self, chunk_sessions: int = 200_000):
        """Yield Arrow tables of web events, a chunk of sessions at a time."""
        if self.size <= 0:
            return
        rng, now = self.rng, self.now_us
        web_orders = self.web_orders
        n_buy = web_orders["placed"].size
        n_browse = n_buy * (profiles.WEB_SESSIONS_PER_PURCHASE - 1)
        # browsing sessions follow the order-time distribution (growth, seasonality)
        browse_anchor = self.all_placed[rng.integers(0, self.all_placed.size, n_browse)] if self.all_placed.size else \
            np.empty(0, np.int64)
        # jitter that would cross either end of the history is mirrored back inside it: clipping piled
        # those sessions onto the first and last hour (a 5x session spike on the latest day)
        jitter = rng.integers(-profiles.BROWSE_JITTER_DAYS * DAY, profiles.BROWSE_JITTER_DAYS * DAY, n_browse)
        browse_start = browse_anchor + jitter
        browse_start = np.where(browse_start >= now - HOUR, browse_anchor - np.abs(jitter), browse_start)
        browse_start = np.clip(np.where(browse_start < self.start_us, browse_anchor + np.abs(jitter), browse_start),
                               self.start_us, now - HOUR)
        n_sessions_total = n_buy + n_browse
        session_order = rng.permutation(n_sessions_total)
        next_event = 1
        for chunk_start in range(0, n_sessions_total, chunk_sessions):
            sessions = np.sort(session_order[chunk_start:chunk_start + chunk_sessions])
            is_buy = sessions < n_buy
            buy_idx = sessions[is_buy]
            browse_idx = sessions[~is_buy] - n_buy
            n_sessions = sessions.size
            n_product_views = np.where(is_buy, 1 + rng.poisson(profiles.EXTRA_PRODUCT_VIEWS_BUYING, n_sessions), 0)
            browses_products = rng.random(n_sessions) < profiles.P_BROWSER_VIEWS_PRODUCTS
            n_product_views = np.where(~is_buy & browses_products,
                                       1 + rng.poisson(profiles.EXTRA_PRODUCT_VIEWS_BROWSING, n_sessions), n_product_views)
            adds_to_cart = is_buy | (browses_products & (rng.random(n_sessions) < profiles.P_BROWSER_ADDS_TO_CART))
            starts_checkout = is_buy | (adds_to_cart & (rng.random(n_sessions) < profiles.P_CART_STARTS_CHECKOUT))
            has_purchase = is_buy.copy()
            n_events = 1 + n_product_views + adds_to_cart + starts_checkout + has_purchase
            start = np.empty(n_sessions, np.int64)
            start[is_buy] = web_orders["placed"][buy_idx] - (n_events[is_buy] - 1) * profiles.WEB_EVENT_SPACING_S * US
            start[~is_buy] = browse_start[browse_idx]
            customer = np.full(n_sessions, -1)
            customer[is_buy] = web_orders["customer"][buy_idx]
            known = ~is_buy & (rng.random(n_sessions) < profiles.P_BROWSER_LOGGED_IN)
            customer[known] = rng.integers(0, self.n_customers, known.sum())
            device = rng.choice(DEVICES, n_sessions, p=list(profiles.DEVICE_SHARE.values()))
            device[is_buy] = np.where(web_orders["mobile"][buy_idx], "mobile", device[is_buy])
            utm = rng.choice(UTM, n_sessions, p=UTM_SHARE)
            product = rng.choice(self.n_products, n_sessions, p=self.popularity)
            product[is_buy] = web_orders["first_product"][buy_idx]
            session_number = sessions + 1
            # expand to events: position 0 page view, then product views, cart, checkout, purchase
            event_session = np.repeat(np.arange(n_sessions), n_events)
            event_pos = np.arange(event_session.size) - np.repeat(np.cumsum(n_events) - n_events, n_events)
            cart_pos = 1 + n_product_views[event_session]
            checkout_pos = cart_pos + adds_to_cart[event_session]
            purchase_pos = checkout_pos + starts_checkout[event_session]
            event_type = np.where(event_pos == 0, "page_view", np.where(
                event_pos < cart_pos, "product_view", np.where(
                    event_pos < checkout_pos, "add_to_cart", np.where(
                        event_pos < purchase_pos, "checkout_started", "purchase")))).astype(object)
            occurred = (start[event_session] + event_pos * profiles.WEB_EVENT_SPACING_S * US
                        + np.where(event_pos > 0, rng.integers(*profiles.WEB_EVENT_JITTER_S, event_session.size) * US, 0))
            late = rng.random(event_session.size) < profiles.P_WEB_EVENT_LATE
            loaded = (occurred + rng.integers(*profiles.WEB_EVENT_LOAD_LAG_S, event_session.size) * US
                      + late * rng.integers(*profiles.LATE_WEB_EVENT_EXTRA_US, event_session.size))
            keep = loaded < now
            n_rows = event_session.size
            has_prod = (event_type == "product_view") | (event_type == "add_to_cart")
            is_purchase = event_type == "purchase"
            order_idx = np.zeros(n_rows, np.int64)
            if is_buy.any():
                buy_order = np.zeros(n_sessions, np.int64)
                buy_order[is_buy] = web_orders["idx"][buy_idx]
                order_idx = buy_order[event_session]
            event_customer = customer[event_session]
            events = pa.table({
                "event_id": ids("evt_", np.arange(next_event, next_event + n_rows)),
                "tenant_id": self._tenant_col(n_rows),
                "session_id": ids("ses_", session_number[event_session]),
                "anonymous_id": ids("anon_", (session_number[event_session] * 7919) % (n_sessions_total // 2 + 1) + 1),
                "customer_id": pc.if_else(pa.array(event_customer < 0), pa.scalar(None, pa.string()),
                                          ids("cust_", np.maximum(event_customer, 0) + 1)),
                "event_type": pa.array(event_type, pa.string()),
                "product_id": pc.if_else(pa.array(has_prod), ids("prd_", product[event_session] + 1),
                                         pa.scalar(None, pa.string())),
                "order_id": pc.if_else(pa.array(is_purchase), self.order_ids.take(pa.array(order_idx)),
                                       pa.scalar(None, pa.string())),
                "utm_source": pa.array(utm[event_session], pa.string()),
                "device": pa.array(device[event_session], pa.string()),
                "occurred_at": ts(occurred), "_loaded_at": ts(loaded),
            }, schema=TABLES["raw_commerce"]["web_events"])
            next_event += n_rows
            yield events.filter(pa.array(keep))

    def _spend(self):
        rng = self.rng
        days = np.arange(self.start_us // DAY, self.now_us // DAY)
        n_days = days.size
        tables = []
        for channel in SPEND_CHANNELS:
            if channel == "event" and self.prof.b2b < profiles.SPEND_EVENT_CHANNEL_MIN_B2B:
                continue
            base = (profiles.DAILY_SPEND_USD_PER_CHANNEL * self.size ** profiles.SPEND_SIZE_EXPONENT
                    * profiles.SPEND_CHANNEL_FACTOR[channel] * self.fx)
            trend = 1 + profiles.SPEND_GROWTH_OVER_HISTORY * (days - days[0]) / max(n_days, 1)
            weekday = np.where(((days + 3) % 7) >= 5, profiles.WEEKEND_SPEND_FACTOR, 1.0)
            month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
            spend = np.round(base * trend * weekday * SEASON[month] * rng.lognormal(0, profiles.DAILY_SPEND_SIGMA, n_days), 2)
            tables.append(pa.table({
                "tenant_id": self._tenant_col(n_days), "spend_date": pa.array(days.astype(np.int32), pa.date32()),
                "channel": pa.array(np.full(n_days, channel, dtype=object), pa.string()), "spend": money(spend),
                "currency": pa.array(np.full(n_days, self.currency, dtype=object), pa.string()),
                "_loaded_at": ts(np.minimum((days + 1) * DAY + profiles.SPEND_LOADED_HOURS_AFTER_DAY * HOUR, self.now_us - US)),
            }, schema=TABLES["raw_commerce"]["marketing_spend"]))
        return pa.concat_tables(tables)
