"""Scores, and the confidence threshold that tells in-scope messages from out-of-scope ones.

The classifier only knows its intents, so it always has a top intent; its confidence (for the
model, the similarity to the intent's centroid, see model.py; for TF-IDF and the baseline,
their top probability) is what says "none of these". The threshold is chosen on validation
data, never on the test set. With out-of-scope validation rows, it is the one that maximises
the mean of in-scope accuracy and out-of-scope recall, the two numbers intent-detection papers
(CLINC150) report. Plain accuracy with "out of scope" as one more class would let the larger
side decide: CLINC150's validation set holds 30 in-scope messages for every out-of-scope one,
so that rule accepts nearly everything and catches few out-of-scope messages. Without any
out-of-scope rows, the threshold is the one that still accepts `coverage` of the in-scope
messages.
"""

from __future__ import annotations

import numpy as np

from .stats import bootstrap_interval


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
    predicted: np.ndarray,
    confidence: np.ndarray,
    truth: list[str],
    oos_label: str,
    coverage: float = 0.95,
) -> float:
    """The validation-set threshold (see the module docstring for the rule)."""
    truth_array = np.asarray(truth, dtype=object)
    in_scope = truth_array != oos_label
    if in_scope.all():
        return float(np.quantile(confidence, 1.0 - coverage))
    # Every distinct confidence is a candidate; sorted arrays count what each one accepts.
    candidates = np.concatenate([[0.0], np.unique(confidence)])
    right = np.sort(confidence[in_scope & (predicted == truth_array)])
    outside = np.sort(confidence[~in_scope])
    in_scope_accuracy = (len(right) - np.searchsorted(right, candidates)) / in_scope.sum()
    oos_recall = np.searchsorted(outside, candidates) / len(outside)
    return float(candidates[int(np.argmax(in_scope_accuracy + oos_recall))])


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """The mean F1 over every label in `truth` or `predicted` (scikit-learn's macro average).

    Written with NumPy because the bootstrap calls it thousands of times per run.
    """
    labels, codes = np.unique(np.concatenate([truth, predicted]), return_inverse=True)
    true_codes, predicted_codes = codes[: len(truth)], codes[len(truth) :]
    hits = np.bincount(true_codes[true_codes == predicted_codes], minlength=len(labels))
    counts = np.bincount(true_codes, minlength=len(labels))
    counts += np.bincount(predicted_codes, minlength=len(labels))
    return float(np.mean(2 * hits / np.maximum(counts, 1))) if len(labels) else 0.0


def scores(
    predicted: np.ndarray,
    confidence: np.ndarray,
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
    truth_array = np.asarray(truth)
    in_scope = truth_array != oos_label
    final = with_threshold(predicted, confidence, threshold, oos_label)
    result = {
        "macro_f1": macro_f1(truth_array[in_scope], predicted[in_scope]),
        "accuracy": float((predicted[in_scope] == truth_array[in_scope]).mean()),
        "in_scope_accuracy": float((final[in_scope] == truth_array[in_scope]).mean()),
    }
    if not in_scope.all():
        result["oos_recall"] = float((final[~in_scope] == oos_label).mean())
        result["overall_accuracy"] = float((final == truth_array).mean())
    return result


def encode(values: list[str] | np.ndarray, codes: dict[str, int]) -> np.ndarray:
    """Labels as integers: the bootstrap's thousands of rescorings run faster on them."""
    return np.array([codes[value] for value in values], dtype=np.int64)


def intervals(
    predicted: np.ndarray,
    confidence: np.ndarray,
    truth: list[str],
    threshold: float,
    oos_label: str,
) -> dict[str, list[float]]:
    """A 95 % interval for every score: the test rows are resampled with replacement 1,000
    times, each resample scored, and the middle 95 % of those scores kept."""
    codes = {label: i for i, label in enumerate(sorted({*truth, *predicted, oos_label}))}
    y, p, c = encode(truth, codes), encode(predicted, codes), np.asarray(confidence)
    oos = codes[oos_label]
    # Every score's bootstrap draws the same resamples (same seed): each is scored once.
    scored: dict[bytes, dict[str, float]] = {}
    result = {}
    for name in scores(p, c, y, threshold, oos):  # type: ignore[arg-type]

        def score(y: np.ndarray, p: np.ndarray, c: np.ndarray, name: str = name) -> float:
            key = y.tobytes() + p.tobytes() + c.tobytes()
            if key not in scored:
                scored[key] = scores(p, c, y, threshold, oos)  # type: ignore[arg-type]
            return scored[key][name]

        result[name] = [round(end, 4) for end in bootstrap_interval(score, y, p, c)]
    return result


def difference_interval(
    truth: list[str], predicted: np.ndarray, other: np.ndarray, oos_label: str
) -> list[float]:
    """95 % paired-bootstrap interval of macro_f1(predicted) - macro_f1(other): both scored on
    the same resampled test rows, so what the two models share cancels out."""
    codes = {label: i for i, label in enumerate(sorted({*truth, *predicted, *other, oos_label}))}
    y, a, b = encode(truth, codes), encode(predicted, codes), encode(other, codes)
    keep = y != codes[oos_label]

    def gap(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return macro_f1(y, a) - macro_f1(y, b)

    return [round(end, 4) for end in bootstrap_interval(gap, y[keep], a[keep], b[keep])]
