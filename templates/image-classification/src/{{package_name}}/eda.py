"""A first look at the images: how many per class and split, what they look like.

`train` writes these figures into every run folder (the README's Data section shows them)
and notebooks/eda.ipynb calls the same functions, so the notebook and the README agree.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global state, no display needed
from PIL import Image

from .data import Sample, Splits, load_image

SIZES_SAMPLE = 200  # files opened to report the original sizes and colour modes


def class_counts(splits: Splits) -> dict[str, list[int]]:
    """Split -> images per class, in class order."""
    counts = {}
    for split in ("train", "val", "test"):
        counter = Counter(label for _, label in getattr(splits, split))
        counts[split] = [counter.get(label, 0) for label in range(len(splits.classes))]
    return counts


def original_sizes(samples: list[Sample]) -> Counter[str]:
    """'WIDTHxHEIGHT MODE' -> count, over a seeded sample of the files as they are on disk."""
    picked = random.Random(0).sample(samples, min(SIZES_SAMPLE, len(samples)))
    sizes: Counter[str] = Counter()
    for path, _ in picked:
        with Image.open(path) as image:
            sizes[f"{image.width}x{image.height} {image.mode}"] += 1
    return sizes


def summary(splits: Splits, image_size: int, channels: int) -> str:
    """A few Markdown bullets: sizes of the splits, class balance, what the files are."""
    counts = class_counts(splits)
    train = counts["train"]
    smallest, largest = min(train), max(train)
    balance = (
        "balanced, so accuracy is a fair summary"
        if smallest >= 0.8 * largest
        else f"imbalanced (the smallest class has {smallest / max(1, largest):.0%} of the largest "
        "one's images): read macro F1 beside accuracy"
    )
    sizes = original_sizes(splits.train)
    common = ", ".join(f"{size} ({count})" for size, count in sizes.most_common(3))
    colour = "greyscale" if channels == 1 else "colour (RGB)"
    return "\n".join(
        [
            f"- {len(splits.train):,} training, {len(splits.val):,} validation and "
            f"{len(splits.test):,} test images in {len(splits.classes)} classes.",
            f"- Training images per class: {smallest:,} to {largest:,}: {balance}.",
            f"- On disk (a sample of {sum(sizes.values())} files): {common}; the model reads "
            f"every image as {image_size}x{image_size} {colour}.",
        ]
    )


def class_counts_figure(splits: Splits) -> Figure:
    """Images per class in each split, side by side."""
    counts = class_counts(splits)
    positions = np.arange(len(splits.classes))
    fig = Figure(figsize=(max(6.0, 0.5 * len(splits.classes) + 2), 3.5))
    axis = fig.subplots()
    for offset, (split, values) in zip((-0.27, 0, 0.27), counts.items(), strict=True):
        axis.bar(positions + offset, values, width=0.27, label=split)
    axis.set_xticks(positions, splits.classes, rotation=45 if len(splits.classes) > 10 else 0)
    axis.set(xlabel="class", ylabel="images", title="Images per class and split")
    axis.set_ylim(top=1.3 * max(max(values) for values in counts.values()))  # room for the key
    axis.legend(ncols=3, loc="upper center")
    axis.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def examples_figure(splits: Splits, image_size: int, channels: int, per_class: int = 8) -> Figure:
    """A row of training images per class (at most 10 classes), as the model sees them: one
    mosaic, drawn in a single call (80 little plots would take seconds)."""
    classes = splits.classes[:10]
    by_class: dict[int, list[Sample]] = {label: [] for label in range(len(classes))}
    for sample in splits.train:
        if sample[1] in by_class and len(by_class[sample[1]]) < per_class:
            by_class[sample[1]].append(sample)
    gap = max(1, image_size // 14)
    cell = image_size + gap
    mosaic = np.full((len(classes) * cell, per_class * cell, channels), 255, dtype=np.uint8)
    for label, samples in by_class.items():
        for column, (path, _) in enumerate(samples):
            image = np.asarray(load_image(path, image_size, channels)).reshape(
                image_size, image_size, channels
            )
            top, left = label * cell, column * cell
            mosaic[top : top + image_size, left : left + image_size] = image
    fig = Figure(figsize=(per_class * 0.9 + 1, len(classes) * 0.9 + 0.6))
    axis = fig.subplots()
    axis.imshow(mosaic.squeeze(-1) if channels == 1 else mosaic, cmap="gray", vmin=0, vmax=255)
    axis.set_yticks([label * cell + image_size / 2 for label in range(len(classes))], classes)
    axis.set_xticks([])
    axis.set_title("Training images per class")
    fig.tight_layout()
    return fig


def mean_images_figure(splits: Splits, image_size: int, channels: int, limit: int = 200) -> Figure:
    """The average training image of each class (up to `limit` images each): the shape a
    model that only weighs pixels, like logistic regression, can learn."""
    classes = splits.classes[:10]
    fig = Figure(figsize=(1.3 * len(classes), 1.6))
    axes = fig.subplots(1, len(classes), squeeze=False)[0]
    for label, axis in enumerate(axes):
        paths = [path for path, y in splits.train if y == label][:limit]
        stack = [np.asarray(load_image(path, image_size, channels), float) for path in paths]
        axis.imshow(np.mean(stack, axis=0).astype(np.uint8), cmap="gray" if channels == 1 else None)
        axis.set_title(classes[label], fontsize=9)
        axis.axis("off")
    fig.suptitle("Mean training image per class")
    fig.tight_layout()
    return fig


def describe(splits: Splits, image_size: int, channels: int, folder: Path) -> dict[str, Any]:
    """metrics.json's `eda`: the summary, and the figures saved into the run folder."""
    figures = {
        "Images per class": ("eda_class_counts.png", class_counts_figure(splits)),
        "Training images": ("eda_examples.png", examples_figure(splits, image_size, channels)),
    }
    for name, fig in figures.values():
        fig.savefig(folder / name, dpi=100)
    return {
        "summary": summary(splits, image_size, channels),
        "plots": {title: name for title, (name, _) in figures.items()},
    }
