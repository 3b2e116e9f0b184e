"""`predict`: classify image files (or every image in a folder) with a run's best model.

Prints one line per image: its path, the predicted class and the probability the
model gives it (`--top-k 3` shows the runners-up too).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch import nn

from .data import IMAGE_SUFFIXES, load_image, to_tensor
from .model import load_model
from .runs import RUNS_DIR, latest_run


def image_paths(inputs: list[Path]) -> list[Path]:
    """The given files, and every image inside the given folders (recursively, sorted)."""
    paths: list[Path] = []
    for item in inputs:
        if item.is_dir():
            paths += sorted(p for p in item.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        elif item.is_file():
            paths.append(item)
        else:
            raise SystemExit(f"{item}: no such file or folder")
    return paths


@torch.no_grad()
def top_classes(
    model: nn.Module, checkpoint: dict[str, Any], image: Image.Image, top_k: int = 1
) -> list[tuple[str, float]]:
    """The `top_k` most likely classes of one image (shaped by `fit_image`), most likely first."""
    classes = checkpoint["classes"]
    batch = to_tensor(image, checkpoint["mean"], checkpoint["std"]).unsqueeze(0)
    probabilities = model(batch).softmax(dim=1)[0]
    values, indices = probabilities.topk(min(top_k, len(classes)))
    ranked = zip(indices.tolist(), values.tolist(), strict=True)
    return [(classes[index], value) for index, value in ranked]


def predict(
    paths: list[Path], run_dir: Path, top_k: int = 1
) -> list[tuple[Path, list[tuple[str, float]]]]:
    """For each image, its `top_k` most likely classes with their probabilities."""
    model, checkpoint = load_model(run_dir / "best.pt")
    size, channels = checkpoint["image_size"], checkpoint["channels"]
    return [
        (path, top_classes(model, checkpoint, load_image(path, size, channels), top_k))
        for path in paths
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{__package__} predict", description=__doc__)
    parser.add_argument("inputs", type=Path, nargs="+", help="image files or folders of images")
    parser.add_argument("--run", type=Path, help="run folder (default: the latest finished run)")
    parser.add_argument("--top-k", type=int, default=1, help="how many classes to show per image")
    args = parser.parse_args(argv)
    run_dir = args.run or latest_run(RUNS_DIR)
    for path, ranked in predict(image_paths(args.inputs), run_dir, args.top_k):
        shown = "  ".join(f"{name} {probability:.3f}" for name, probability in ranked)
        print(f"{path}\t{shown}")
    return 0
