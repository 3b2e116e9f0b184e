"""Image folders as a torch Dataset: `root/<split>/<class>/<image>`, read with Pillow.

The layout is the one Kaggle downloads and phone photos sorted into folders already
have, so pointing `data.root` at your own images is the only change needed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
STATS_SAMPLE = 2000  # images used to measure the normalisation mean and std
MIN_VAL_IMAGES = 100  # small folders hold out more than val_fraction (up to a fifth) to reach this

Sample = tuple[Path, int]


@dataclass
class AugmentConfig:
    """Random changes to training images, so the model learns the class, not the pixels."""

    rotation: float = 0.0  # degrees, either way (resamples: blurs small images)
    translate: float = 0.15  # fraction of the image side, either way, in whole pixels
    scale: float = 0.0  # zoom in or out by up to this fraction (resamples: blurs small images)
    hflip: bool = False  # mirror half the images: right for photos, wrong for digits


@dataclass
class DataConfig:
    root: str = "data/mnist-5k"  # holds train/ and test/ (and optionally val/) class folders
    source: str = "mnist-5k"  # what prepare-data writes when root is missing (see prepare_data)
    image_size: int = 28  # every image is resized to image_size x image_size
    channels: int = 1  # 1 = grayscale, 3 = RGB
    val_fraction: float = 0.1  # of train/, held out for validation when there is no val/ folder
    test_fraction: float = 0.2  # share of a source that prepare-data writes to test/
    max_images: int = 0  # per split (seeded sample); 0 = all, a few hundred = a quick smoke run
    augment: AugmentConfig = field(default_factory=AugmentConfig)


@dataclass(frozen=True)
class Splits:
    train: list[Sample]
    val: list[Sample]
    test: list[Sample]
    classes: list[str]


def scan(folder: Path, classes: list[str] | None = None) -> tuple[list[Sample], list[str]]:
    """Every image under `folder/<class>/`, labelled by the index of its class folder."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} not found: expected {folder}/<class>/<image> folders")
    if classes is None:
        classes = sorted(entry.name for entry in folder.iterdir() if entry.is_dir())
    samples = [
        (path, label)
        for label, name in enumerate(classes)
        for path in sorted((folder / name).glob("*"))
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not samples:
        raise FileNotFoundError(f"no images under {folder}/<class>/")
    return samples, classes


def hold_out(
    samples: list[Sample], fraction: float, seed: int
) -> tuple[list[Sample], list[Sample]]:
    """Split off `fraction` of each class (seeded), so both parts keep the class balance."""
    rng = random.Random(seed)
    kept, held = [], []
    for label in sorted({label for _, label in samples}):
        group = [sample for sample in samples if sample[1] == label]
        rng.shuffle(group)
        count = round(len(group) * fraction)
        held += group[:count]
        kept += group[count:]
    return kept, held


def load_splits(config: DataConfig, seed: int) -> Splits:
    """Train, validation and test samples; validation comes from train/ when there is no val/.

    Validation picks the best checkpoint and stops training early, so it must not be tiny:
    10 % of 300 images is 30, where one image moves the score by 3 points. Small folders
    hold out up to a fifth of train/ to reach MIN_VAL_IMAGES.
    """
    root = Path(config.root)
    train, classes = scan(root / "train")
    if (root / "val").is_dir():
        val, _ = scan(root / "val", classes)
    else:
        fraction = max(config.val_fraction, min(0.2, MIN_VAL_IMAGES / len(train)))
        train, val = hold_out(train, fraction, seed)
    test, _ = scan(root / "test", classes)
    if config.max_images:
        rng = random.Random(seed)
        train, val, test = (
            rng.sample(split, config.max_images) if len(split) > config.max_images else split
            for split in (train, val, test)
        )
    return Splits(train=train, val=val, test=test, classes=classes)


def load_image(path: Path | BinaryIO, image_size: int, channels: int) -> Image.Image:
    """Decode an image file (a path, or an uploaded file's bytes) as `fit_image` shapes it."""
    with Image.open(path) as image:
        return fit_image(image, image_size, channels)


def fit_image(image: Image.Image, image_size: int, channels: int) -> Image.Image:
    """Convert to grayscale or RGB, and resize to a square of `image_size` pixels."""
    image = image.convert("L" if channels == 1 else "RGB")
    if image.size != (image_size, image_size):
        image = image.resize((image_size, image_size), Image.Resampling.BILINEAR)
    return image


def border_colour(image: Image.Image) -> int | tuple[int, ...]:
    """The mean colour of the outermost pixels, to fill the corners a rotation or shift uncovers.

    Black would do for MNIST, but on a photo or a coloured background it draws sharp edges
    that exist in no real image, and a convolution learns to look for them.
    """
    array = np.asarray(image)
    border = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
    mean = border.mean(axis=0).round().astype(int)
    return int(mean) if mean.ndim == 0 else tuple(mean.tolist())


def random_affine(image: Image.Image, config: AugmentConfig) -> Image.Image:
    """Rotate, zoom and shift around the centre (and maybe mirror), drawing from torch's RNG.

    Shifts are whole pixels: those copy pixels exactly, while a fractional shift, a rotation
    or a zoom resamples, and blurs, a small image. Test images are never blurred, so a model
    trained on blurred ones is tested on a different kind of image: on 600 colour shapes of
    32 pixels that cost 4 points of test accuracy (mean of three seeds). torch's RNG is
    seeded by the run's seed, and per worker by the DataLoader, so the augmentations repeat
    exactly for the same seed and number of workers.
    """
    angle, zoom, shift_x, shift_y, flip = (2 * torch.rand(5) - 1).tolist()
    theta = math.radians(angle * config.rotation)
    scale = 1 + zoom * config.scale
    width, height = image.size
    tx, ty = round(shift_x * config.translate * width), round(shift_y * config.translate * height)
    cx, cy = width / 2, height / 2
    # Pillow wants the inverse map: output pixel -> input pixel.
    a, b = math.cos(theta) / scale, math.sin(theta) / scale
    d, e = -math.sin(theta) / scale, math.cos(theta) / scale
    c = cx - a * (cx + tx) - b * (cy + ty)
    f = cy - d * (cx + tx) - e * (cy + ty)
    image = image.transform(
        image.size,
        Image.Transform.AFFINE,
        (a, b, c, d, e, f),
        Image.Resampling.BILINEAR,
        fillcolor=border_colour(image),
    )
    if config.hflip and flip > 0:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return image


def to_tensor(image: Image.Image, mean: list[float], std: list[float]) -> torch.Tensor:
    """A (channels, height, width) float tensor, normalised per channel."""
    array = np.asarray(image, dtype=np.float32) / 255.0
    if array.ndim == 2:
        array = array[:, :, None]
    array = (array - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return torch.from_numpy(array.transpose(2, 0, 1).copy())


def channel_stats(
    samples: list[Sample], image_size: int, channels: int
) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of (up to STATS_SAMPLE) training images, for normalisation."""
    if len(samples) > STATS_SAMPLE:
        samples = random.Random(0).sample(samples, STATS_SAMPLE)
    images = [np.asarray(load_image(path, image_size, channels)) for path, _ in samples]
    pixels = np.stack(images).reshape(len(images), -1, channels) / 255.0
    mean, std = pixels.mean(axis=(0, 1)), pixels.std(axis=(0, 1)) + 1e-6
    return [round(float(m), 6) for m in mean], [round(float(s), 6) for s in std]


class ImageFolderDataset(Dataset):
    """(image tensor, label) pairs; images are decoded on access, so any folder size fits."""

    def __init__(
        self,
        samples: list[Sample],
        image_size: int,
        channels: int,
        mean: list[float],
        std: list[float],
        augment: AugmentConfig | None = None,
    ) -> None:
        self.samples = samples
        self.image_size, self.channels = image_size, channels
        self.mean, self.std = mean, std
        self.augment = augment

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        image = load_image(path, self.image_size, self.channels)
        if self.augment is not None:
            image = random_affine(image, self.augment)
        return to_tensor(image, self.mean, self.std), label
