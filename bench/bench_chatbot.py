"""Bench: the generated chatbot's intent classifier against its TF-IDF baseline, same runs.

What it measures, per seed (default 0), with the generated project's default profile
(configs/default.yaml: the shipped chatterbot-corpus utterances, all-MiniLM-L6-v2 embeddings
and a linear head; 1,212 training, 275 validation and 372 test utterances, 15 of them out of
scope):
- `train` twice on a fresh project: cold (embeds every utterance) and warm (embeddings read
  from data/cache/, as every later run does). The split, seed and scores are the same;
- from each run's metrics.json: test accuracy and macro-F1 (in-scope intents, the top intent),
  out-of-scope recall and overall accuracy (with the threshold chosen on validation data), for
  the model and for TF-IDF + logistic regression trained on the same split; the model's
  training time (embedding + head) and the baseline's fit time, and the wall time of the whole
  `train` command (imports, encoder load, baseline, plots).

How to run it:

    . .venv/bin/activate                      # mlscaffold's own environment (renders the template)
    python bench/bench_chatbot.py [--seeds 0 1 2] [--threads 1] [--venv /tmp/mlscaffold-chatbot-bench]

The first run creates the bench virtual environment at --venv: torch==2.13.0 (the local CPU
build) first, then the rendered project (sentence-transformers, the bundled encoder,
scikit-learn); later runs reuse it. Offline: HF_HUB_OFFLINE=1 is set for every command.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from torch_venv import bench_python

from mlscaffold.scaffold import new_project

PACKAGE = "chatbot_bench"
METRICS = ("accuracy", "macro_f1", "oos_recall", "overall_accuracy")


def train(python: Path, project: Path, seed: int, threads: int | None) -> dict:
    """One default-profile `train`; its metrics.json plus the command's wall time."""
    command = [str(python), "-m", PACKAGE, "train", "--set", f"seed={seed}"]
    if threads is not None:
        command += ["--set", f"threads={threads}"]
    start = time.perf_counter()
    subprocess.run(
        command,
        cwd=project,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    wall = time.perf_counter() - start
    newest = max((project / "runs").glob("*/metrics.json"), key=lambda path: path.stat().st_mtime)
    return {"wall": wall, **json.loads(newest.read_text(encoding="utf-8"))}


def show(seed: int, label: str, run: dict) -> None:
    model, baseline = run["model"]["metrics"], run["baseline"]["metrics"]
    timings = run["timings"]
    for name, scores, seconds, detail in (
        (
            run["model"]["name"],
            model,
            run["train_seconds"],
            f"embed {timings['embed_seconds']:.1f} + head {timings['head_seconds']:.1f}",
        ),
        (run["baseline"]["name"], baseline, timings["baseline_seconds"], "fit"),
    ):
        values = " ".join(f"{scores.get(metric, float('nan')):>{len(metric)}.4f}" for metric in METRICS)
        print(f"{seed:>4}  {label:<5} {name:<36} {values} {seconds:>8.1f}  ({detail})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, help="CPU threads for train (default: the config's, 0 = all)")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "mlscaffold-chatbot-bench")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="chatbot-bench-") as tmp:
        project = Path(tmp) / "chatbot-bench"
        new_project("chatbot", project, data=["project_name=chatbot-bench"], use_defaults=True)
        python = bench_python(args.venv, project)
        for seed in args.seeds:
            shutil.rmtree(project / "data" / "cache", ignore_errors=True)
            cold = train(python, project, seed, args.threads)
            warm = train(python, project, seed, args.threads)
            rows.append((seed, cold, warm))

    first = rows[0][1]
    dataset, hardware = first["dataset"], first["hardware"]
    print(
        f"{dataset['name']}: {dataset['train_size']} training, {dataset['val_size']} validation, "
        f"{dataset['test_size']} test utterances ({dataset['test_out_of_scope']} out of scope); "
        f"{hardware['device']}, {hardware['cpu_threads']} CPU threads ({hardware['cpu']})"
    )
    header = " ".join(f"{metric:>8}" for metric in METRICS)
    print(f"{'seed':>4}  {'run':<5} {'model':<36} {header} {'train s':>8}")
    for seed, cold, warm in rows:
        show(seed, "cold", cold)
        show(seed, "warm", warm)
        print(
            f"{'':>4}  (the whole `train` command: {cold['wall']:.1f} s cold, "
            f"{warm['wall']:.1f} s warm; same scores: {cold['model'] == warm['model']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
