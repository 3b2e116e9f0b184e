"""The baseline every run is compared with: logistic regression on raw pixels.

If a network cannot beat a linear model that sees the same pixels, the convolutions
are not earning their keep.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from .data import Sample, load_image
from .evaluate import scores

NAME = "Logistic regression (raw pixels)"
MAX_IMAGES = 10_000  # keeps the baseline to seconds on large folders


def pixels(samples: list[Sample], image_size: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Images as rows of pixel values in [0, 1], and their labels."""
    rows = [
        np.asarray(load_image(path, image_size, channels), dtype=np.float32).ravel() / 255.0
        for path, _ in samples
    ]
    return np.stack(rows), np.array([label for _, label in samples])


def logistic_regression(
    train: list[Sample], test: list[Sample], image_size: int, channels: int, seed: int
) -> dict[str, float]:
    """Fit on (up to MAX_IMAGES of) the training images, score on the test images."""
    rng = np.random.default_rng(seed)
    if len(train) > MAX_IMAGES:
        train = [train[i] for i in rng.choice(len(train), MAX_IMAGES, replace=False)]
    x_train, y_train = pixels(train, image_size, channels)
    x_test, y_test = pixels(test, image_size, channels)
    # NumPy's BLAS ignores OMP_NUM_THREADS set after import: hold it to the run's threads,
    # or it oversubscribes the CPUs (ten times slower on a busy two-core machine).
    with threadpool_limits(torch.get_num_threads()):
        classifier = LogisticRegression(max_iter=1000, random_state=seed).fit(x_train, y_train)
    return scores(y_test, classifier.predict(x_test))
