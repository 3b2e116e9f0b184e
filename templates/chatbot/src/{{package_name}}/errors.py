"""Error analysis: the test messages the router gets most wrong, and why.

Three kinds of mistakes matter to a router's users: an in-scope message given the wrong
intent, an out-of-scope message it answers anyway, and an in-scope message it declines.
The summary lists the most confident of the first two (a confident mistake is the one a
threshold cannot catch), the most frequent mix-up, and the messages TF-IDF gets right and the
router does not; the figure shows the F1 of each intent beside TF-IDF's.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from .metrics import with_threshold

SHOWN = 5  # messages listed per kind of mistake


def _cell(text: str) -> str:
    """A message as a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def distinct(rows: np.ndarray, texts: np.ndarray, count: int = SHOWN) -> list[int]:
    """The first `count` rows whose texts differ by more than case and end punctuation (the
    test set holds each phrasing a few times, with another ending or a typo)."""
    seen, kept = set(), []
    for row in rows:
        key = texts[row].lower().strip(" .!?")
        if key not in seen:
            seen.add(key)
            kept.append(int(row))
    return kept[:count]


def per_intent_f1(truth: np.ndarray, predicted: np.ndarray, labels: list[str]) -> list[float]:
    """F1 of each intent (in-scope rows, top intent)."""
    values = []
    for label in labels:
        hits = float(((truth == label) & (predicted == label)).sum())
        total = float((truth == label).sum() + (predicted == label).sum())
        values.append(2 * hits / total if total else 0.0)
    return values


def intent_figure(
    labels: list[str], model: list[float], reference: list[float], path: Path
) -> None:
    """Test F1 per intent, the router's beside TF-IDF's, worst first."""
    order = np.argsort(model)
    fig, ax = plt.subplots(figsize=(7, 1.5 + 0.3 * len(labels)))
    rows = np.arange(len(labels))
    ax.barh(rows - 0.2, np.asarray(model)[order], height=0.4, label="router")
    ax.barh(rows + 0.2, np.asarray(reference)[order], height=0.4, label="TF-IDF")
    ax.set_yticks(rows, [labels[i] for i in order])
    ax.set(xlabel="test F1 (top intent, threshold ignored)", xlim=(0, 1), title="F1 per intent")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def analyse(
    texts: list[str],
    truth: list[str],
    output: tuple[np.ndarray, np.ndarray],
    threshold: float,
    oos_label: str,
    reference_predicted: np.ndarray,
    run_dir: Path,
) -> dict[str, Any]:
    """metrics.json's `error_analysis`: a Markdown summary and the per-intent figure."""
    predicted, confidence = output
    truth_array = np.asarray(truth, dtype=object)
    texts_array = np.asarray(texts, dtype=object)
    final = with_threshold(predicted, confidence, threshold, oos_label)
    in_scope = truth_array != oos_label
    wrong = np.flatnonzero(in_scope & (predicted != truth_array))
    wrong = wrong[np.argsort(-confidence[wrong])]
    accepted = np.flatnonzero(~in_scope & (final != oos_label))
    accepted = accepted[np.argsort(-confidence[accepted])]
    declined = int((in_scope & (final == oos_label)).sum())
    lines = [
        f"Of {int(in_scope.sum())} in-scope test messages, {len(wrong)} get the wrong intent and "
        f"{declined} are declined (confidence below the threshold {threshold:.3f}); "
        f"{len(accepted)} of {int((~in_scope).sum())} out-of-scope messages are answered anyway.",
        "",
    ]
    counts: dict[str, Any] = {
        "in_scope": int(in_scope.sum()),
        "wrong_intent": len(wrong),
        "declined": declined,
        "out_of_scope": int((~in_scope).sum()),
        "out_of_scope_answered": len(accepted),
    }
    if len(wrong):
        pairs = Counter(zip(truth_array[wrong], predicted[wrong], strict=True))
        (true, taken), count = pairs.most_common(1)[0]
        counts["top_confusion"] = [true, taken, count]
        lines += [
            "Most confident wrong intents:",
            "",
            "| Message | True intent | Predicted | Confidence |",
            "| --- | --- | --- | ---: |",
            *[
                f"| {_cell(texts_array[i])} | {truth_array[i]} | {predicted[i]} | "
                f"{confidence[i]:.3f} |"
                for i in distinct(wrong, texts_array)
            ],
            "",
            f"The most frequent mix-up is `{true}` taken for `{taken}` ({count} messages): "
            "the encoder places messages by meaning, so intents that people phrase alike "
            "(or that share a filler word or a typo) sit close together, and a linear head "
            "trained on eleven phrasings each cannot draw the line everywhere.",
            "",
        ]
    if len(accepted):
        lines += [
            "Out-of-scope messages answered anyway (most confident first):",
            "",
            "| Message | Taken for | Confidence |",
            "| --- | --- | ---: |",
            *[
                f"| {_cell(texts_array[i])} | {predicted[i]} | {confidence[i]:.3f} |"
                for i in distinct(accepted, texts_array)
            ],
            "",
            "Each shares words or a shape with an intent the bot knows: the confidence is a "
            "similarity to that intent's training messages, and similar wording passes it.",
            "",
        ]
    model_right = in_scope & (predicted == truth_array)
    reference_right = in_scope & (reference_predicted == truth_array)
    only_reference = int((reference_right & ~model_right).sum())
    only_model = int((model_right & ~reference_right).sum())
    counts.update(only_reference_right=only_reference, only_model_right=only_model)
    lines.append(
        f"TF-IDF gets {only_reference} in-scope messages right that the router gets wrong, and "
        f"the router {only_model} that TF-IDF gets wrong: TF-IDF wins on reused words and "
        "typos, the router on new wordings of the same meaning."
    )
    labels = sorted(set(truth_array[in_scope]))
    intent_figure(
        labels,
        per_intent_f1(truth_array[in_scope], predicted[in_scope], labels),
        per_intent_f1(truth_array[in_scope], reference_predicted[in_scope], labels),
        run_dir / "errors_per_intent.png",
    )
    return {
        "summary": "\n".join(lines),
        "plots": {"F1 per intent": "errors_per_intent.png"},
        "counts": counts,
    }
