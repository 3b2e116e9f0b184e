"""95% intervals: how far a score could move on another test set of the same size.

A test set is a sample. Resampling its examples with replacement (the bootstrap) and scoring each
resample shows how much the score depends on which examples happened to be drawn. For RL, where
each training seed is one sample of the whole experiment, the interval is over seeds instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

# Student's t at 0.975 for 1 to 10 degrees of freedom; beyond that, the normal's 1.96 is close.
T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]


def bootstrap_interval(
    statistic: Callable[..., float],
    *arrays: Sequence | np.ndarray,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """The percentile interval of `statistic(*arrays)` over resampled examples.

    Every array is resampled with the same indices, so pairs stay pairs: pass the labels and two
    models' predictions to get an interval for the difference between the models.
    """
    columns = [np.asarray(array) for array in arrays]
    size = len(columns[0])
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(resamples):
        picked = rng.integers(0, size, size)
        try:
            scores.append(statistic(*(column[picked] for column in columns)))
        except ValueError:  # undefined on this resample, e.g. ROC-AUC when one class is missing
            continue
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(scores, [tail, 100 - tail])
    return float(low), float(high)


def seed_interval(values: Sequence[float]) -> tuple[float, float]:
    """The 95% Student-t interval of the mean of per-seed results (at least 2 seeds)."""
    scores = np.asarray(values, dtype=float)
    if len(scores) < 2:
        raise ValueError("an interval over seeds needs at least 2 seeds")
    t = T_975[len(scores) - 2] if len(scores) - 1 <= len(T_975) else 1.96
    half = t * scores.std(ddof=1) / np.sqrt(len(scores))
    return float(scores.mean() - half), float(scores.mean() + half)
