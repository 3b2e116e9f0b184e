"""The run's pictures: learning curve, confusion matrix and the confidence threshold.

Figures are only saved, never shown, so this works on servers without a display.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import confusion_matrix


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
    """Row-normalised confusion matrix of the test set, out-of-scope as the last class."""
    matrix = confusion_matrix(truth, predicted, labels=labels).astype(float)
    matrix /= np.maximum(matrix.sum(axis=1, keepdims=True), 1.0)
    size = max(5.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set(xlabel="predicted", ylabel="true", title="Test confusion matrix (share of each row)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def confidence(
    in_scope: np.ndarray, out_of_scope: np.ndarray, threshold: float, path: Path
) -> None:
    """Top-intent confidence of in-scope and out-of-scope test messages, and the threshold."""
    fig, ax = plt.subplots(figsize=(6, 4))
    bins = np.linspace(0.0, 1.0, 26)
    ax.hist(in_scope, bins=bins, alpha=0.6, density=True, label="in scope")
    if len(out_of_scope):
        ax.hist(out_of_scope, bins=bins, alpha=0.6, density=True, label="out of scope")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.2f}")
    ax.set(xlabel="top-intent probability", ylabel="density", title="Confidence on the test set")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
