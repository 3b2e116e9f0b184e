"""The run's pictures: learning curves, a confusion matrix, and the images it got wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global state, no display needed
from sklearn.metrics import ConfusionMatrixDisplay

from .data import Sample, load_image


def learning_curves(history: list[dict[str, Any]], path: Path) -> None:
    """Loss (train and validation) and validation accuracy per epoch."""
    epochs = [row["epoch"] for row in history]
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    left.plot(epochs, [row["train_loss"] for row in history], marker="o", label="train")
    left.plot(epochs, [row["val_loss"] for row in history], marker="o", label="validation")
    left.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    left.legend()
    right.plot(epochs, [row["val_accuracy"] for row in history], marker="o", color="tab:green")
    right.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy")
    for axis in (left, right):
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def confusion_matrix(
    labels: np.ndarray, predictions: np.ndarray, classes: list[str], path: Path
) -> None:
    """Rows are true classes, columns predicted ones: off-diagonal cells are the confusions."""
    size = max(5.0, 0.5 * len(classes) + 2)
    fig = Figure(figsize=(size, size))
    axis = fig.subplots()
    ConfusionMatrixDisplay.from_predictions(
        labels,
        predictions,
        labels=list(range(len(classes))),
        display_labels=classes,
        ax=axis,
        colorbar=False,
        cmap="Blues",
        xticks_rotation=45 if len(classes) > 10 or max(map(len, classes)) > 3 else "horizontal",
    )
    axis.set_title("Confusion matrix (test images)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def misclassified(
    samples: list[Sample],
    probabilities: np.ndarray,
    classes: list[str],
    image_size: int,
    channels: int,
    path: Path,
    limit: int = 16,
) -> None:
    """A grid of the most confidently wrong test images, titled true -> predicted (p)."""
    labels = np.array([label for _, label in samples])
    predictions = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predictions != labels)
    wrong = wrong[np.argsort(-probabilities[wrong, predictions[wrong]])][:limit]
    columns = 4
    rows = max(1, int(np.ceil(len(wrong) / columns)))
    fig = Figure(figsize=(2 * columns, 2.2 * rows + 0.4))
    axes = fig.subplots(rows, columns, squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, index in zip(axes.flat, wrong, strict=False):
        image = load_image(samples[index][0], image_size, channels)
        axis.imshow(image, cmap="gray" if channels == 1 else None)
        true, predicted = classes[labels[index]], classes[predictions[index]]
        confidence = probabilities[index, predictions[index]]
        axis.set_title(f"{true} -> {predicted} ({confidence:.2f})", fontsize=9)
    if not len(wrong):
        axes[0, 0].text(0, 0.5, "no misclassified test images", fontsize=12)
    fig.suptitle("Most confident mistakes: true -> predicted (probability)")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.5 / (2.2 * rows + 0.4))
    fig.savefig(path, dpi=100)
