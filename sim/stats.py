"""Confidence intervals across replications (Student t), without SciPy.

Replications are independent (each draws from its own streams), so their means are i.i.d. and
the 95% interval of the grand mean is t(0.975, n-1) * s / sqrt(n).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
          9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131,
          16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074,
          23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045,
          30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t975(dof: int) -> float:
    """Two-sided 95% Student t quantile; between table entries the next smaller dof is used
    (a slightly wider, conservative interval)."""
    if dof <= 0:
        return math.nan
    best = 12.706
    for key in sorted(_T_975):
        if key <= dof:
            best = _T_975[key]
    return best if dof <= 120 else 1.960


def mean_ci95(values: Sequence[float]) -> tuple[float | None, float | None]:
    """(mean, half-width of its 95% CI); half-width None for fewer than two values."""
    data = [float(v) for v in values if v is not None]
    if not data:
        return None, None
    mean = sum(data) / len(data)
    if len(data) < 2:
        return mean, None
    var = sum((v - mean) ** 2 for v in data) / (len(data) - 1)
    return mean, t975(len(data) - 1) * math.sqrt(var / len(data))
