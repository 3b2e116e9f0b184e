"""Bench: the generated image classifier against scikit-learn on the same split, same run.

What it measures, per seed (default 0):
- the generated project's `train` with its default profile (compact CNN, MNIST-5k written by
  `prepare-data`: 3,600 training, 400 validation and 1,000 test images), pinned to one CPU
  thread: test accuracy and `train_seconds` from metrics.json (the training loop with its
  per-epoch validation), and the wall time of the whole command (imports, data, baseline, plots);
- scikit-learn's LogisticRegression (the project's baseline) and SVC (RBF kernel, defaults) on the
  raw pixels (scaled to [0, 1]) of the same 3,600 training images, scored on the same 1,000 test
  images, also on one thread: fit time and test accuracy.

`--shapes N` measures a user's colour folder instead (the goal of issue 12: a few hundred small
colour images): N images per class of six shapes (circle, square, triangle, cross, ring, star),
32x32 RGB, each in a random colour on a random two-colour gradient, at a random position, size
and rotation, with pixel noise; a fifth of each class is the test split. Colour and position say
nothing about the class, so the pixel baseline stays near chance (1/6). The project trains after
the README's own-data steps only: data.root, data.channels=3 and data.augment.hflip=true.

How to run it:

    . .venv/bin/activate                      # mlscaffold's own environment (renders the template)
    python bench/bench_image_classification.py [--seeds 0 1 2] [--venv /tmp/mlscaffold-cv-bench]
    python bench/bench_image_classification.py --shapes 100   # 600 colour images

The first run creates the bench virtual environment at --venv: torch==2.13.0 (the local CPU
build) first, then the rendered project (which brings scikit-learn); later runs reuse it. About
two minutes per seed on 2 shared CPU cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from torch_venv import bench_python

from mlscaffold.scaffold import new_project

PACKAGE = "cv_bench"

SKLEARN_RUNNER = textwrap.dedent(
    """
    import json, sys, time

    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC
    from threadpoolctl import threadpool_limits

    from cv_bench.baseline import pixels
    from cv_bench.config import load_config
    from cv_bench.data import load_splits
    from cv_bench.train import TrainConfig

    config = load_config(TrainConfig, "configs/default.yaml", sys.argv[1:])
    splits = load_splits(config.data, config.seed)  # the split the CNN trains and is tested on
    size, channels = config.data.image_size, config.data.channels
    x_train, y_train = pixels(splits.train, size, channels)
    x_test, y_test = pixels(splits.test, size, channels)
    results = {}
    models = {
        "LogisticRegression": LogisticRegression(max_iter=1000, random_state=config.seed),
        "SVC (RBF)": SVC(),
    }
    with threadpool_limits(1):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(x_train, y_train)
            seconds = time.perf_counter() - start
            results[name] = {"seconds": seconds, "accuracy": float(model.score(x_test, y_test))}
    print(json.dumps({"train_size": len(y_train), "test_size": len(y_test), **results}))
    """
)


OWN_DATA_STEPS = ["data.root=data/shapes", "data.channels=3", "data.augment.hflip=true"]

# Runs in the bench venv (numpy and Pillow come with the project): python -c ... ROOT PER_CLASS
SHAPES_WRITER = textwrap.dedent(
    """
    import math, sys
    from pathlib import Path

    import numpy as np
    from PIL import Image, ImageDraw

    SHAPES = ("circle", "square", "triangle", "cross", "ring", "star")


    def shape_image(shape: str, rng: np.random.Generator) -> Image.Image:
        # One 32x32 RGB image of `shape`: drawn at 128 px, shrunk (antialiased), then noised.
        side = 128
        low, high = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        colour = rng.integers(0, 256, 3)
        while np.abs(colour - (low + high) / 2).sum() < 150:  # the shape must stand out
            colour = rng.integers(0, 256, 3)
        angle = rng.uniform(0, 2 * math.pi)
        xx, yy = np.meshgrid(np.linspace(0, 1, side), np.linspace(0, 1, side))
        ramp = math.cos(angle) * xx + math.sin(angle) * yy
        ramp = ((ramp - ramp.min()) / (ramp.max() - ramp.min()))[..., None]
        image = Image.fromarray((low * (1 - ramp) + high * ramp).astype(np.uint8), "RGB")
        draw, fill = ImageDraw.Draw(image), tuple(int(c) for c in colour)
        r = rng.uniform(0.22, 0.42) * side
        x, y, turn = rng.uniform(r, side - r), rng.uniform(r, side - r), rng.uniform(0, 2 * math.pi)

        def polygon(corners: int, inner: float = 1.0) -> list[tuple[float, float]]:
            points = corners * (2 if inner < 1 else 1)
            radii = [r if i % 2 == 0 or inner == 1 else r * inner for i in range(points)]
            turns = [turn + 2 * math.pi * i / points for i in range(points)]
            return [(x + rr * math.cos(t), y + rr * math.sin(t)) for rr, t in zip(radii, turns)]

        if shape in ("circle", "ring"):
            width = max(4, int(r * 0.3)) if shape == "ring" else 0
            box = [x - r, y - r, x + r, y + r]
            draw.ellipse(box, fill=None if width else fill, outline=fill, width=width)
        elif shape == "cross":
            for bar in (turn, turn + math.pi / 2):
                dx, dy, w = math.cos(bar) * r, math.sin(bar) * r, 0.35 * r
                px, py = -math.sin(bar) * w, math.cos(bar) * w
                corners = [(-dx + px, -dy + py), (dx + px, dy + py), (dx - px, dy - py), (-dx - px, -dy - py)]
                draw.polygon([(x + cx, y + cy) for cx, cy in corners], fill=fill)
        else:
            outline = {"square": polygon(4), "triangle": polygon(3), "star": polygon(5, 0.45)}[shape]
            draw.polygon(outline, fill=fill)
        pixels = np.asarray(image.resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float32)
        pixels = pixels + rng.normal(0, 12, pixels.shape)
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")


    def write_shapes(root: Path, per_class: int, seed: int = 0) -> None:
        # root/{train,test}/<shape>/*.png, a fifth of each class in test/.
        rng = np.random.default_rng(seed)
        for shape in SHAPES:
            for index in range(per_class):
                folder = root / ("test" if index < round(per_class / 5) else "train") / shape
                folder.mkdir(parents=True, exist_ok=True)
                shape_image(shape, rng).save(folder / f"{index:04d}.png")


    write_shapes(Path(sys.argv[1]), int(sys.argv[2]))
    """
)


def run_seed(python: Path, project: Path, seed: int, overrides: list[str]) -> dict:
    settings = [f"seed={seed}", *overrides]
    start = time.perf_counter()
    subprocess.run(
        [python, "-m", PACKAGE, "train", "--set", "threads=1", *(f"--set={item}" for item in settings)],
        cwd=project,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    newest = max((project / "runs").glob("*/metrics.json"), key=lambda path: path.stat().st_mtime)
    metrics = json.loads(newest.read_text(encoding="utf-8"))
    out = subprocess.run(
        [python, "-c", SKLEARN_RUNNER, *settings],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {"seed": seed, "wall": wall, "metrics": metrics, "sklearn": json.loads(out)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "mlscaffold-cv-bench")
    parser.add_argument("--shapes", type=int, metavar="N", help="N colour images per shape, not MNIST-5k")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cv-bench-") as tmp:
        project = Path(tmp) / "cv-bench"
        new_project("image-classification", project, data=["project_name=cv-bench"], use_defaults=True)
        python = bench_python(args.venv, project)
        overrides, data = [], "MNIST-5k"
        if args.shapes:
            command = [python, "-c", SHAPES_WRITER, project / "data" / "shapes", str(args.shapes)]
            subprocess.run(command, check=True)
            overrides, data = OWN_DATA_STEPS, f"{6 * args.shapes} colour shapes"
        rows = [run_seed(python, project, seed, overrides) for seed in args.seeds]

    first = rows[0]["sklearn"]
    sizes = f"{first['train_size']} training images, {first['test_size']} test images"
    print(f"{data}: {sizes}; every model on one CPU thread")
    print(f"{'seed':>4}  {'model':<34} {'train s':>8} {'test accuracy':>14}")
    for row in rows:
        metrics = row["metrics"]
        results = {
            f"Compact CNN ({metrics['epochs']} epochs)": {
                "seconds": metrics["train_seconds"],
                "accuracy": metrics["model"]["metrics"]["accuracy"],
            },
            **{name: value for name, value in row["sklearn"].items() if isinstance(value, dict)},
        }
        for name, result in results.items():
            print(f"{row['seed']:>4}  {name:<34} {result['seconds']:>8.1f} {result['accuracy']:>14.4f}")
        print(f"{'':>4}  (the whole `train` command, with data, baseline and plots: {row['wall']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
