"""The run's pictures: learning curve, confusions and the confidence threshold.

Figures are only saved, never shown, so this works on servers without a display.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import confusion_matrix

MATRIX_MAX_CLASSES = 20  # beyond this, the confusion figure shows the most confused pairs
TOP_PAIRS = 25


def learning_curve(history: list[dict[str, float]], path: Path) -> None:
    """Training and validation loss per epoch, and validation accuracy."""
    epochs = [row["epoch"] for row in history]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    loss_ax.plot(epochs, [row["train_loss"] for row in history], label="training")
    loss_ax.plot(epochs, [row["val_loss"] for row in history], label="validation")
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    loss_ax.legend()
    acc_ax.plot(epochs, [row["val_accuracy"] for row in history], color="tab:green")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy (in scope)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def confusion(truth: list[str], predicted: list[str], labels: list[str], path: Path) -> None:
    """The test set's errors: the whole matrix for a few intents, the worst pairs for many.

    A matrix stays readable up to about 20 classes; with 150 it would be a poster of empty
    cells. Beyond `MATRIX_MAX_CLASSES`, the figure lists the `TOP_PAIRS` most frequent
    (true, predicted) mistakes instead, out-of-scope included, which is what one fixes first.
    """
    matrix = confusion_matrix(truth, predicted, labels=labels).astype(float)
    if len(labels) <= MATRIX_MAX_CLASSES:
        shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1.0)
        size = max(5.0, 0.45 * len(labels) + 2)
        fig, ax = plt.subplots(figsize=(size, size))
        ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(len(labels)), labels, rotation=90)
        ax.set_yticks(range(len(labels)), labels)
        ax.set(xlabel="predicted", ylabel="true", title="Test confusion matrix (share of each row)")
    else:
        np.fill_diagonal(matrix, 0.0)
        worst = np.argsort(-matrix, axis=None)[:TOP_PAIRS]
        pairs = [np.unravel_index(i, matrix.shape) for i in worst if matrix.flat[i] > 0]
        counts = [int(matrix[t, p]) for t, p in pairs][::-1]
        names = [f"{labels[t]} -> {labels[p]}" for t, p in pairs][::-1]
        fig, ax = plt.subplots(figsize=(8, 1.5 + 0.3 * max(len(pairs), 1)))
        ax.barh(range(len(counts)), counts, color="tab:red")
        ax.set_yticks(range(len(names)), names)
        ax.set(
            xlabel="test messages",
            title=f"Most frequent confusions of {len(labels)} classes (true -> predicted)",
        )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def confidence(
    in_scope: np.ndarray, out_of_scope: np.ndarray, threshold: float, path: Path
) -> None:
    """Confidence of in-scope and out-of-scope test messages, and the threshold."""
    fig, ax = plt.subplots(figsize=(6, 4))
    # Cosine similarities may, rarely, be below 0: the bins start at the lowest one.
    lowest = min(0.0, *(float(np.min(side, initial=0.0)) for side in (in_scope, out_of_scope)))
    bins = np.linspace(lowest, 1.0, 26)
    ax.hist(in_scope, bins=bins, alpha=0.6, density=True, label="in scope")
    if len(out_of_scope):
        ax.hist(out_of_scope, bins=bins, alpha=0.6, density=True, label="out of scope")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.2f}")
    ax.set(
        xlabel="similarity to the predicted intent's centroid",
        ylabel="density",
        title="Confidence on the test set",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
