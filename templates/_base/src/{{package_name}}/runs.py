"""Run folders: one per training run, holding its config, metrics, model and plots."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

from .runtime import available_cpus

RUNS_DIR = Path("runs")


def new_run_dir(root: Path = RUNS_DIR, name: str | None = None) -> Path:
    """Create `root/<timestamp>` (or `root/name`) and return it."""
    stamp = name or time.strftime("%Y%m%d-%H%M%S")
    run_dir = root / stamp
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = root / f"{stamp}-{suffix}"
    run_dir.mkdir(parents=True)
    return run_dir


def latest_run(root: Path = RUNS_DIR) -> Path:
    """The most recent run folder that finished (has a metrics.json)."""
    finished = sorted(
        (path.parent for path in root.glob("*/metrics.json")), key=lambda p: p.stat().st_mtime
    )
    if not finished:
        raise FileNotFoundError(f"no finished run under {root}/: train a model first")
    return finished[-1]


def hardware(device: str = "cpu", threads: int | None = None) -> dict[str, Any]:
    """What the run ran on, for the model card."""
    return {
        "device": device,
        "cpu": platform.processor() or platform.machine(),
        "cpu_threads": threads or available_cpus(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def write_metrics(run_dir: Path, metrics: dict[str, Any]) -> Path:
    path = run_dir / "metrics.json"
    path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return path


def read_metrics(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
