"""Bench: the generated image classifier against scikit-learn on the same split, same run.

What it measures, per seed (default 0):
- the generated project's `train` with its default profile (compact CNN, MNIST-5k written by
  `prepare-data`: 3,600 training, 400 validation and 1,000 test images), pinned to one CPU
  thread: test accuracy and `train_seconds` from metrics.json (the training loop with its
  per-epoch validation), and the wall time of the whole command (imports, data, baseline, plots);
- scikit-learn's LogisticRegression (the project's baseline) and SVC (RBF kernel, defaults) on the
  raw pixels (scaled to [0, 1]) of the same 3,600 training images, scored on the same 1,000 test
  images, also on one thread: fit time and test accuracy.

How to run it:

    . .venv/bin/activate                      # mlscaffold's own environment (renders the template)
    python bench/bench_image_classification.py [--seeds 0 1 2] [--venv /tmp/mlscaffold-cv-bench]

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

    config = load_config(TrainConfig, "configs/default.yaml", [f"seed={sys.argv[1]}"])
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


def run_seed(python: Path, project: Path, seed: int) -> dict:
    start = time.perf_counter()
    subprocess.run(
        [python, "-m", PACKAGE, "train", "--set", "threads=1", "--set", f"seed={seed}"],
        cwd=project,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    newest = max((project / "runs").glob("*/metrics.json"), key=lambda path: path.stat().st_mtime)
    metrics = json.loads(newest.read_text(encoding="utf-8"))
    out = subprocess.run(
        [python, "-c", SKLEARN_RUNNER, str(seed)],
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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cv-bench-") as tmp:
        project = Path(tmp) / "cv-bench"
        new_project("image-classification", project, data=["project_name=cv-bench"], use_defaults=True)
        python = bench_python(args.venv, project)
        rows = [run_seed(python, project, seed) for seed in args.seeds]

    first = rows[0]["sklearn"]
    sizes = f"{first['train_size']} training images, {first['test_size']} test images"
    print(f"MNIST-5k: {sizes}; every model on one CPU thread")
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
