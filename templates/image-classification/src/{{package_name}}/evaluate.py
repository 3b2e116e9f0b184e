"""`evaluate`: score a run's best checkpoint on the test images (or the validation images)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import classification_report
from torch import nn
from torch.utils.data import DataLoader

from .config import load_config
from .data import ImageFolderDataset, load_splits
from .device import pick_device
from .distributed import autocast
from .model import load_model
from .runs import RUNS_DIR, latest_run
from .runtime import set_threads
from .stats import bootstrap_interval

EVAL_BATCH = 256


@torch.no_grad()
def predict_proba(
    model: nn.Module, loader: DataLoader, device: torch.device, amp: bool = True
) -> tuple[np.ndarray, np.ndarray, float]:
    """Class probabilities and true labels of every image in `loader`, and the mean loss."""
    model.eval()
    probabilities, labels, loss = [], [], 0.0
    for images, targets in loader:
        images = images.to(device, memory_format=torch.channels_last)
        targets = targets.to(device)
        with autocast(device, amp):
            logits = model(images)
        logits = logits.float()
        loss += F.cross_entropy(logits, targets, reduction="sum").item()
        probabilities.append(logits.softmax(dim=1).cpu())
        labels.append(targets.cpu())
    count = sum(len(batch) for batch in labels)
    return torch.cat(probabilities).numpy(), torch.cat(labels).numpy(), loss / count


def macro_f1(labels: np.ndarray, predictions: np.ndarray) -> float:
    """The mean F1 over the classes that occur in `labels` or `predictions` (as scikit-learn's
    f1_score(average="macro") computes it, fast enough to repeat 1,000 times for an interval)."""
    size = int(max(labels.max(), predictions.max())) + 1
    true = np.bincount(labels, minlength=size)
    predicted = np.bincount(predictions, minlength=size)
    hits = np.bincount(labels[labels == predictions], minlength=size)
    present = (true + predicted) > 0
    return float((2 * hits[present] / (true + predicted)[present]).mean())


def scores(labels: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """Accuracy, and macro F1 (every class counts the same, however many images it has)."""
    return {
        "accuracy": float((labels == predictions).mean()),
        "macro_f1": macro_f1(labels, predictions),
    }


def log_losses(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Each image's cross-entropy: -log of the probability given to its true class."""
    return -np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-15, None))


def scored_row(
    name: str, labels: np.ndarray, probabilities: np.ndarray, val_accuracy: float, seed: int
) -> dict[str, Any]:
    """One row of the results table: test metrics with their 95% bootstrap intervals, and the
    validation accuracy (what `tune` optimises: it never looks at the test images)."""
    predictions = probabilities.argmax(axis=1)
    losses = log_losses(labels, probabilities)
    metrics = {**scores(labels, predictions), "loss": float(losses.mean())}
    intervals = {
        "accuracy": bootstrap_interval(np.mean, labels == predictions, seed=seed),
        "macro_f1": bootstrap_interval(macro_f1, labels, predictions, seed=seed),
        "loss": bootstrap_interval(np.mean, losses, seed=seed),
    }
    return {
        "name": name,
        "metrics": {**metrics, "val_accuracy": val_accuracy},
        "intervals": {
            key: [round(low, 4), round(high, 4)] for key, (low, high) in intervals.items()
        },
    }


def paired_difference(
    labels: np.ndarray, first: np.ndarray, second: np.ndarray, seed: int
) -> tuple[float, list[float]]:
    """Accuracy of `first` minus that of `second` (class probabilities on the same images),
    and its 95% interval: the same resampled images score both, so their luck is shared."""
    hits_first = labels == first.argmax(axis=1)
    hits_second = labels == second.argmax(axis=1)
    low, high = bootstrap_interval(
        lambda a, b: a.mean() - b.mean(), hits_first, hits_second, seed=seed
    )
    return float(hits_first.mean() - hits_second.mean()), [round(low, 4), round(high, 4)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{__package__} evaluate", description=__doc__)
    parser.add_argument("--run", type=Path, help="run folder (default: the latest finished run)")
    parser.add_argument("--split", choices=["test", "val"], default="test")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, mps")
    args = parser.parse_args(argv)
    from .train import TrainConfig  # the run's data section says where its images are

    run_dir = args.run or latest_run(RUNS_DIR)
    config = load_config(TrainConfig, run_dir / "config.yaml")
    set_threads(config.threads)
    device = pick_device(args.device)
    model, checkpoint = load_model(run_dir / "best.pt")
    splits = load_splits(config.data, config.seed)
    dataset = ImageFolderDataset(
        getattr(splits, args.split),
        checkpoint["image_size"],
        checkpoint["channels"],
        checkpoint["mean"],
        checkpoint["std"],
    )
    loader = DataLoader(dataset, batch_size=EVAL_BATCH, num_workers=config.workers)
    probabilities, labels, loss = predict_proba(model.to(device), loader, device, config.amp)
    predictions = probabilities.argmax(axis=1)
    print(f"{run_dir} ({args.split}, {len(dataset)} images, best epoch {checkpoint['epoch']})")
    for name, value in {**scores(labels, predictions), "loss": loss}.items():
        print(f"{name:>10}: {value:.4f}")
    print()
    report = classification_report(
        labels,
        predictions,
        labels=list(range(len(checkpoint["classes"]))),
        target_names=checkpoint["classes"],
        digits=4,
        zero_division=0,
    )
    print(report)
    return 0
