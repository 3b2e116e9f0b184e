"""Scores, and the confidence threshold that tells in-scope messages from out-of-scope ones.

The classifier only knows its intents, so it always has a top intent; its softmax
confidence is what says "none of these". The threshold is chosen on validation data, never
on the test set: with out-of-scope validation rows, the one that maximises accuracy when
"out of scope" counts as one more class (the CLINC150 benchmark's measure); without any, the
one that still accepts `coverage` of the in-scope validation messages.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score


def top_intents(probabilities: np.ndarray, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The most likely intent of each row and its probability."""
    best = probabilities.argmax(axis=1)
    return np.asarray(labels, dtype=object)[best], probabilities.max(axis=1)


def with_threshold(
    predicted: np.ndarray, confidence: np.ndarray, threshold: float, oos_label: str
) -> np.ndarray:
    """Predictions where every one below the threshold becomes `oos_label`."""
    return np.where(confidence >= threshold, predicted, oos_label)


def choose_threshold(
    probabilities: np.ndarray,
    labels: list[str],
    truth: list[str],
    oos_label: str,
    coverage: float = 0.95,
) -> float:
    """The validation-set threshold (see the module docstring for the rule)."""
    predicted, confidence = top_intents(probabilities, labels)
    truth_array = np.asarray(truth, dtype=object)
    in_scope = truth_array != oos_label
    if in_scope.all():
        return float(np.quantile(confidence, 1.0 - coverage))
    candidates = np.concatenate([[0.0], np.unique(confidence)])
    accuracy = [
        (with_threshold(predicted, confidence, t, oos_label) == truth_array).mean()
        for t in candidates
    ]
    return float(candidates[int(np.argmax(accuracy))])


def scores(
    probabilities: np.ndarray,
    labels: list[str],
    truth: list[str],
    threshold: float,
    oos_label: str,
) -> dict[str, float]:
    """Intent accuracy and macro-F1 on in-scope rows; out-of-scope measures when there are any.

    - accuracy, macro_f1: the top intent of each in-scope message, threshold ignored, so
      they measure the classifier alone.
    - in_scope_accuracy: in-scope messages both accepted by the threshold and classified right.
    - oos_recall: out-of-scope messages that the threshold turns away.
    - overall_accuracy: accuracy with "out of scope" as one more class.
    """
    predicted, confidence = top_intents(probabilities, labels)
    truth_array = np.asarray(truth, dtype=object)
    in_scope = truth_array != oos_label
    final = with_threshold(predicted, confidence, threshold, oos_label)
    result = {
        "macro_f1": float(
            f1_score(truth_array[in_scope], predicted[in_scope], average="macro", zero_division=0)
        ),
        "accuracy": float(accuracy_score(truth_array[in_scope], predicted[in_scope])),
        "in_scope_accuracy": float((final[in_scope] == truth_array[in_scope]).mean()),
    }
    if not in_scope.all():
        result["oos_recall"] = float((final[~in_scope] == oos_label).mean())
        result["overall_accuracy"] = float((final == truth_array).mean())
    return result
