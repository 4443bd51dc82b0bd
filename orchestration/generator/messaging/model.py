"""The messaging model's vocabulary: categories, roles, triggers, templates, the per-category
delivery rates as arrays, and MessagingMonth, everything one month of the model produced."""
from dataclasses import dataclass

import numpy as np

from .. import profiles

SOURCE = "raw_messaging"
CATEGORIES = ("marketing", "utility", "authentication", "session")
SESSION = 3
# delivery fate by category index (profiles.py)
P_FAIL = np.array(profiles.P_MESSAGE_FAILS)
P_UNDELIVERED = np.array(profiles.P_MESSAGE_UNDELIVERED)
P_READ = np.array(profiles.P_MESSAGE_READ)
READ_MEDIAN_S = np.array(profiles.READ_DELAY_MEDIAN_S)
READ_SIGMA = np.array(profiles.READ_DELAY_SIGMA)
ERROR_CODE_SHARE = profiles.ERROR_CODE_SHARE
SEND_HOURS = tuple(1.0 if 9 <= h <= 19 else 0.0 for h in range(24))   # when the business sends templates

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


@dataclass
class CampaignPlan:
    """One campaign as the tenant set-up planned it: what it sends, to how many, when, and how it
    ended by now. Times are microseconds since the epoch (None: did not happen); the sends
    themselves are drawn month by month from the plan."""
    category: str                    # marketing | utility | authentication
    name: str                        # display name: template label and year-month
    template_name: str
    number_index: int                # the WhatsApp number it sends from (index into the tenant's numbers)
    reply_probability: float         # P(reply | read) of its recipients
    status: str = "completed"        # draft | scheduled | running | completed | failed | cancelled
    audience_size: int = 0           # contacts it targets
    send_count: int = 0              # template messages it sends (fewer than the audience when it stopped part way)
    send_spacing_us: int = 0         # time between two sends at its throttled rate
    scheduled_at: int | None = None
    started_at: int | None = None
    completed_at: int | None = None
    created_at: int = 0
    updated_at: int = 0


@dataclass
class MessagingMonth:
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


@dataclass
class DeliveryEvents:
    """When each of a batch of outbound messages was sent, delivered, read and failed (NEVER: no
    such event), and whether its failed event came before a delivery (a retry got through)."""
    sent: np.ndarray
    delivered: np.ndarray
    read: np.ndarray
    failed: np.ndarray
    transient_failure: np.ndarray    # bool

    def times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The four event times in the order sent, delivered, read, failed."""
        return self.sent, self.delivered, self.read, self.failed
