"""What the CRM and billing simulations of one tenant share: one random stream, the clock,
the row buffers of every raw_crm and raw_billing table and the id sequences.

Both simulations draw from the same random generator in one interleaved order (a won deal
creates a billing customer, a renewal creates an opportunity), so the data depends on the
seed only through that order.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from ..profiles import LOAD_LAG_MINUTES, TenantProfile
from ..schema import TABLES

# Name pools for people, companies and e-mail addresses
FIRST_NAMES = ("ana", "ben", "carla", "dev", "emma", "felix", "gina", "hiro", "ines", "jon", "kai",
               "lena", "marco", "nora", "omar", "pia", "quinn", "rosa", "sam", "tara", "yuki", "zoe")
LAST_NAMES = ("garcia", "smith", "muller", "tanaka", "rossi", "dubois", "lopez", "kim", "brown",
              "sato", "jones", "silva", "novak", "khan")


class Rows:
    """Column buffers for one table, turned into an Arrow table at the end."""

    def __init__(self, schema: pa.Schema):
        self.schema = schema
        self.columns = {f.name: [] for f in schema}

    def add(self, **values):
        """One row; a column not given is null."""
        for name, column in self.columns.items():
            column.append(values.get(name))

    def table(self) -> pa.Table:
        return pa.table({name: pa.array(values, type=self.schema.field(name).type)
                         for name, values in self.columns.items()}, schema=self.schema)


@dataclass
class SimulationContext:
    tenant_id: str
    profile: TenantProfile
    rng: np.random.Generator
    start: datetime
    now: datetime
    size: float         # volume of CRM and billing relative to a full-size tenant at scale 1
    crm_rows: dict[str, Rows] = field(
        default_factory=lambda: {name: Rows(schema) for name, schema in TABLES["raw_crm"].items()})
    billing_rows: dict[str, Rows] = field(
        default_factory=lambda: {name: Rows(schema) for name, schema in TABLES["raw_billing"].items()})
    ids_issued: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _cumulative_weights: dict[int, tuple[list, np.ndarray]] = field(default_factory=dict)

    def new_id(self, prefix: str) -> str:
        """The next id of a sequence: acc_000001, acc_000002, ..."""
        self.ids_issued[prefix] += 1
        return f"{prefix}_{self.ids_issued[prefix]:06d}"

    def loaded_at(self, ts: datetime) -> datetime:
        """When a loader picks up a row changed at ts (a few minutes to hours later, never after now)."""
        lag = timedelta(minutes=int(self.rng.integers(*LOAD_LAG_MINUTES)))
        return min(ts + lag, self.now - timedelta(seconds=1))

    def random_time(self, lo: datetime, hi: datetime) -> datetime:
        """A uniformly drawn moment in [lo, hi), to the second."""
        span = max((hi - lo).total_seconds(), 1.0)
        return lo + timedelta(seconds=int(self.rng.random() * span))

    def pick_weighted(self, options: dict):
        """A key of options drawn with the values as weights."""
        key = id(options)
        if key not in self._cumulative_weights:
            weights = np.array(list(options.values()), dtype=float)
            self._cumulative_weights[key] = (list(options), np.cumsum(weights) / weights.sum())
        keys, cumulative = self._cumulative_weights[key]
        return keys[min(int(np.searchsorted(cumulative, self.rng.random(), side="right")), len(keys) - 1)]

    def pick_one(self, seq):
        """A uniformly drawn element of a sequence."""
        return seq[int(self.rng.integers(len(seq)))]
