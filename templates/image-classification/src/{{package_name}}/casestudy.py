"""The case study's words that come from this project's own run: the decisions it made and the
questions a reviewer asks about them, answered with the run's numbers.

`report` calls both with the latest run's metrics.json and config.yaml (as dicts) and writes
them into the README, docs/blog-post.md and docs/interview-notes.md. Edit freely: they are
sentences, not a framework.
"""

from __future__ import annotations

from typing import Any

from .tuning import OBJECTIVE


def _interval(row: dict[str, Any], metric: str = "accuracy") -> str:
    low, high = row.get("intervals", {}).get(metric, (float("nan"), float("nan")))
    return f"{row['metrics'][metric]:.4f} (95% interval {low:.4f} to {high:.4f})"


def _verdict(comparison: dict[str, Any]) -> str:
    low, high = comparison["interval"]
    if low > 0:
        return "the whole interval is above zero, a real gain on data like this"
    if high < 0:
        return "the whole interval is below zero, so the simpler model is better here"
    return "the interval includes zero, so on this test set the two cannot be told apart"


def _processes(count: int) -> str:
    return "1 process" if count == 1 else f"{count} processes"


def _compared(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    return [metrics[key] for key in ("reference",) if key in metrics] + metrics.get(
        "alternatives", []
    )


_AUGMENTATION_WHY = (
    "whole-pixel shifts copy pixels exactly, while rotation and zoom resample and blur small "
    "images that the test set shows sharp; augmentation pays over many epochs and slows a short "
    "run down. A mirrored digit is another symbol, a mirrored photo of an object the same object."
)


def _augmentation(augment: dict[str, Any]) -> str:
    """The augmentation in words: "Training images shifted by up to 15% of their side"."""
    changes = []
    if augment["translate"]:
        changes.append(f"shifted by up to {augment['translate']:.0%} of their side")
    if augment["rotation"]:
        changes.append(f"rotated by up to {augment['rotation']:g} degrees")
    if augment["scale"]:
        changes.append(f"zoomed by up to {augment['scale']:.0%}")
    if augment["hflip"]:
        changes.append("mirrored half the time")
    if not changes:
        return "No augmentation in this profile"
    return "Training images " + ", ".join(changes) + " at random"


def decisions(metrics: dict[str, Any], config: dict[str, Any]) -> list[tuple[str, str]]:
    """(decision, why and the trade-off), drawn from the run's config and results."""
    model, baseline = metrics["model"], metrics["baseline"]
    comparison = metrics["comparison"]
    data, augment = config["data"], config["data"]["augment"]
    grey = "greyscale" if data["channels"] == 1 else "colour"
    others = ", ".join(
        f"{row['name']} {row['metrics']['accuracy']:.4f}" for row in _compared(metrics)
    )
    epochs = "automatic (about 1,000 optimiser steps)" if not config["epochs"] else config["epochs"]
    items = [
        (
            f"Kept the {model['name']}",
            f"test accuracy {_interval(model)}, against {others} and "
            f"{baseline['name'].lower()} {baseline['metrics']['accuracy']:.4f}. "
            f"Against {comparison['other']}: {comparison['difference']:+.4f}, "
            f"{_verdict(comparison)}. The cost: {metrics['train_seconds']:.0f} s of training "
            "against seconds for the pixel models, and a model that is harder to inspect.",
        ),
        (
            "Compared it with models that see the same pixels without convolutions",
            "logistic regression (linear) and an MLP (non-linear, blind to where a pixel sits), "
            "fitted on the same training images: if they come close, the convolutions are not "
            "worth their cost. The price is a few seconds and a wider table on every run.",
        ),
        (
            "Accuracy as the primary metric, macro F1 beside it",
            f"the classes are about equally frequent, so accuracy is readable; macro F1 "
            f"({model['metrics']['macro_f1']:.4f}) would fall well below it if one class were "
            "sacrificed. Neither says which mistakes are costly: the confusion matrix does.",
        ),
        (
            f"Kept the epoch with the best validation accuracy ({metrics.get('best_epoch')} of "
            f"{metrics.get('epochs')})",
            f"{metrics['dataset'].get('val_size', 'some')} images held out of train/ choose the "
            "checkpoint, stop training early and score `tune`'s trials, so the test images "
            "judge the final model only once; the trade-off is fewer images to train on.",
        ),
        (_augmentation(augment), _AUGMENTATION_WHY),
        (
            f"Images read as {data['image_size']}x{data['image_size']} {grey}; AdamW at "
            f"{config['lr']} with warmup and cosine decay; epochs {epochs}",
            "the compute grows with the square of the side, so the smallest size that keeps "
            "the classes apart trains fastest; a cosine schedule needs no tuning of when to "
            "decay, only of the peak rate, which `tune` searches.",
        ),
    ]
    return items


def questions(metrics: dict[str, Any], config: dict[str, Any]) -> list[tuple[str, str]]:
    """Questions a reviewer asks about this project, answered with its actual numbers."""
    model, comparison = metrics["model"], metrics["comparison"]
    test_size = metrics["dataset"]["test_size"]
    low, high = model["intervals"]["accuracy"]
    history = metrics.get("history") or [{}]
    last = history[-1]
    first_error = metrics.get("error_analysis", {}).get("summary", "").splitlines()[:1]
    mistakes = first_error[0].lstrip("- ") if first_error else "see the error analysis"
    return [
        (
            "Why accuracy?",
            f"The {len(metrics['dataset'].get('classes', [])) or 'few'} classes are about equally "
            f"frequent and every mistake costs the same here, so the share of correct answers "
            f"says it; macro F1 ({model['metrics']['macro_f1']:.4f}) checks that no class is "
            "left behind.",
        ),
        (
            f"Why a {model['name']} and not something simpler?",
            f"It scores {_interval(model)}; {comparison['other']} scores "
            f"{_interval(metrics['reference']) if 'reference' in metrics else 'less'}. "
            f"The paired difference is {comparison['difference']:+.4f} (95% interval "
            f"{comparison['interval'][0]:+.4f} to {comparison['interval'][1]:+.4f}): "
            f"{_verdict(comparison)}.",
        ),
        (
            "Where does the interval come from?",
            f"A {metrics.get('interval_method', 'bootstrap over the test images')}: the test "
            f"images are redrawn with replacement and the model rescored each time; the middle "
            f"95% of those scores, {low:.4f} to {high:.4f}, is how much the accuracy depends on "
            f"which {test_size:,} images happened to be in the test set. It does not cover the "
            "training seed: a second seed adds its own spread.",
        ),
        (
            "How do you know it is not overfitting?",
            f"The checkpoint is the best of {metrics.get('epochs')} epochs on validation images "
            f"the model never trains on (validation accuracy {model['metrics']['val_accuracy']:.4f}"
            f"), and the test accuracy, {model['metrics']['accuracy']:.4f}, is measured once on "
            f"images nothing was chosen with. In the last epoch the training loss was "
            f"{last.get('train_loss', float('nan')):.4f} and the validation loss "
            f"{last.get('val_loss', float('nan')):.4f}: the learning curves show where they part.",
        ),
        (
            "What does it get wrong?",
            f"{mistakes} The README's error analysis lists the most confident mistakes and how "
            "many of them the pixel models get wrong too.",
        ),
        (
            "How was it tuned, and could tuning have leaked the test set?",
            f"`tune` runs an Optuna study over the learning rate, weight decay and augmentation "
            f"(tuning.py), scoring each trial on `{OBJECTIVE}`, a validation score; the test "
            "images are not read by any choice. The best trial becomes configs/tuned.yaml.",
        ),
        (
            "What would you do with more data or more time?",
            f"More test images first: the interval's width, {high - low:.4f}, shrinks with the "
            "square root of their number (four times the images, half the width). Then more "
            "training images or augmentation aimed at the confusions above, several seeds to "
            "measure the training noise, and ResNet-18 from ImageNet weights on larger photos.",
        ),
        (
            "How would it scale to a bigger dataset?",
            "The same script runs on many GPUs with torchrun (this run: "
            f"{_processes(metrics.get('processes', 1))} on {metrics['hardware']['device']}); "
            f"batch_size ({config['batch_size']}) is the total over processes, so results stay "
            "comparable. `tune` shares one study database between machines with --storage.",
        ),
    ]
