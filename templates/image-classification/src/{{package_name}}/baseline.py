"""The models every run is compared with, all fitted on the same raw pixels.

- Majority class: always answers the most frequent training class (the floor).
- Logistic regression: one weight per pixel and class, a linear model.
- MLP: one hidden layer of 256 units, non-linear but blind to where pixels sit.

If the network cannot beat models that see the same pixels without convolutions,
the convolutions are not earning their keep.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from .data import Sample, load_image

MAJORITY = "Majority class"
LOGISTIC = "Logistic regression (raw pixels)"
MLP = "MLP (raw pixels)"
MAX_IMAGES = 10_000  # training images the pixel models see: keeps them to seconds


def pixels(samples: list[Sample], image_size: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Images as rows of pixel values in [0, 1], and their labels."""
    rows = [
        np.asarray(load_image(path, image_size, channels), dtype=np.float32).ravel() / 255.0
        for path, _ in samples
    ]
    return np.stack(rows), np.array([label for _, label in samples])


def models(seed: int) -> dict[str, ClassifierMixin]:
    """The compared models by name, unfitted."""
    return {
        MAJORITY: DummyClassifier(strategy="prior"),
        LOGISTIC: LogisticRegression(max_iter=1000, random_state=seed),
        MLP: MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True, random_state=seed),
    }


def fit_and_predict(
    train: list[Sample],
    evaluated: list[list[Sample]],
    image_size: int,
    channels: int,
    num_classes: int,
    seed: int,
) -> dict[str, list[np.ndarray]]:
    """Fit each model on (up to MAX_IMAGES of) `train`; return its class probabilities
    (one column per class, in the run's class order) on each list of `evaluated` samples."""
    rng = np.random.default_rng(seed)
    if len(train) > MAX_IMAGES:
        train = [train[i] for i in rng.choice(len(train), MAX_IMAGES, replace=False)]
    x_train, y_train = pixels(train, image_size, channels)
    inputs = [pixels(samples, image_size, channels)[0] for samples in evaluated]
    results = {}
    # NumPy's BLAS ignores OMP_NUM_THREADS set after import: hold it to the run's threads,
    # or it oversubscribes the CPUs (ten times slower on a busy two-core machine).
    with threadpool_limits(torch.get_num_threads()):
        for name, classifier in models(seed).items():
            classifier.fit(x_train, y_train)
            outputs = []
            for x in inputs:
                probabilities = np.zeros((len(x), num_classes))
                # A class missing from a small training sample gets probability 0.
                probabilities[:, classifier.classes_] = classifier.predict_proba(x)
                outputs.append(probabilities)
            results[name] = outputs
    return results
