"""Floating-point functions that give the same bits on every x86-64 CPU.

NumPy evaluates pow, exp and log over arrays with SIMD code picked for the CPU at run time: on a
CPU with AVX-512 the last bits differ from those on one without, and a generated timestamp is
such a number cut to the microsecond, so the same seed made other rows on another machine. These
call the C library's scalar functions (Python's math module) for each element, as NumPy itself
does on CPUs without AVX-512; the cost is about 0.1 microsecond per element.
"""
import math

import numpy as np


def power(base, exponent) -> np.ndarray:
    """base ** exponent, element by element (either may be an array; they broadcast)."""
    b, e = np.broadcast_arrays(np.asarray(base, dtype=np.float64), np.asarray(exponent, dtype=np.float64))
    out = map(math.pow, b.ravel().tolist(), e.ravel().tolist())
    return np.fromiter(out, np.float64, count=b.size).reshape(b.shape)


def log(x) -> np.ndarray:
    """The natural logarithm, element by element."""
    a = np.asarray(x, dtype=np.float64)
    return np.fromiter(map(math.log, a.ravel().tolist()), np.float64, count=a.size).reshape(a.shape)
