"""Error analysis: which test images the model gets wrong, and whether any model would.

The summary lands in metrics.json (`error_analysis`) and the README's Error analysis section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import plots
from .data import Sample

SHOWN = 5  # most confident mistakes listed by name


def confused_pairs(
    labels: np.ndarray, predictions: np.ndarray, limit: int = 3
) -> list[tuple[int, int, int]]:
    """The most frequent (true, predicted, count) mistakes, most frequent first."""
    pairs: dict[tuple[int, int], int] = {}
    wrong = labels != predictions
    for true, predicted in zip(labels[wrong], predictions[wrong], strict=True):
        pairs[int(true), int(predicted)] = pairs.get((int(true), int(predicted)), 0) + 1
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return [(true, predicted, count) for (true, predicted), count in ranked[:limit]]


def analyse(
    samples: list[Sample],
    probabilities: np.ndarray,
    classes: list[str],
    others: dict[str, np.ndarray],
    image_size: int,
    channels: int,
    folder: Path,
) -> dict[str, Any]:
    """The Markdown summary of the model's mistakes on the test images, and their grid.

    `others`: the compared models' class probabilities on the same images (name -> array),
    to tell the images every model misreads from the network's own mistakes.
    """
    labels = np.array([label for _, label in samples])
    predictions = probabilities.argmax(axis=1)
    wrong = predictions != labels
    plots.misclassified(
        samples, probabilities, classes, image_size, channels, folder / "misclassified.png"
    )
    result = {"plots": {"Most confident mistakes": "misclassified.png"}}
    if not wrong.any():
        result["summary"] = f"The model reads all {len(labels):,} test images correctly."
        return result
    per_class = [
        (float((predictions[labels == label] == label).mean()), classes[label])
        for label in np.unique(labels)
    ]
    (worst, worst_class), (best, best_class) = min(per_class), max(per_class)
    pairs = ", ".join(
        f"{classes[true]} read as {classes[predicted]} ({count})"
        for true, predicted, count in confused_pairs(labels, predictions)
    )
    lines = [
        f"- {wrong.sum():,} of {len(labels):,} test images are misclassified "
        f"({wrong.mean():.1%}). Most frequent confusions: {pairs}.",
        f"- Hardest class: {worst_class} (accuracy {worst:.3f}); easiest: {best_class} "
        f"({best:.3f}).",
    ]
    if others:
        everyone = wrong.copy()
        for other in others.values():
            everyone &= other.argmax(axis=1) != labels
        names = " and ".join(others)
        lines.append(
            f"- {everyone.sum():,} of the {wrong.sum():,} mistakes are also wrong for {names}: "
            "images that defeat every model are usually ambiguous or badly drawn, or mislabelled; "
            "the rest are the network's own, worth a look for a pattern (thin strokes, "
            "off-centre, unusual style) that more data or augmentation would cover."
        )
    confident = np.flatnonzero(wrong)
    confident = confident[np.argsort(-probabilities[confident, predictions[confident]])][:SHOWN]
    lines.append("- Most confident mistakes (in the grid below, true -> predicted):")
    lines += [
        f"  - `{Path(samples[index][0]).as_posix()}`: {classes[labels[index]]} read as "
        f"{classes[predictions[index]]} with probability {probabilities[index].max():.2f}"
        for index in confident
    ]
    result["summary"] = "\n".join(lines)
    return result
