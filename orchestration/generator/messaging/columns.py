"""Time units and Arrow column builders shared by the messaging simulation (microsecond integers)."""
from datetime import datetime

import numpy as np
import pyarrow as pa

from ..profiles import ClippedLognormal
from ..timeutil import DAY, US, to_us

SECOND = US
MINUTE = 60 * US
NEVER = np.iinfo(np.int64).max     # "did not happen (by now)" in a time array
MAX_LATE = 7 * DAY                 # webhooks land at most this long after they occurred


def month_start_us(mi: int) -> int:
    return to_us(datetime(mi // 12, mi % 12 + 1, 1))


def us_month(us: int) -> int:
    return int(np.datetime64(int(us), "us").astype("datetime64[M]").astype(np.int64)) + 1970 * 12


_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)


def str_ids(prefix: str, nums: np.ndarray) -> pa.Array:
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


def ts_column(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    us = np.asarray(us, np.int64)
    return pa.array(us, pa.timestamp("us"), mask=None if valid is None else ~np.asarray(valid, bool))


def text_column(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=object), pa.string())


def pick_keys(rng, options: dict, n: int) -> np.ndarray:
    keys = np.arange(len(options))
    p = np.array(list(options.values()), float)
    return rng.choice(keys, n, p=p / p.sum())


def lognormal_us(rng, delay_s: ClippedLognormal, n) -> np.ndarray:
    """n delays in microseconds drawn from a shape in seconds."""
    return (delay_s.draw(rng, n) * SECOND).astype(np.int64)


def uniform_us(rng, lo_s, hi_s, n) -> np.ndarray:
    return (rng.uniform(lo_s, hi_s, n) * SECOND).astype(np.int64)
