"""Experiment tracking: every finished run folder logged to MLflow; `tracking` opens the store.

`train` calls `log_run` once, after it wrote the run folder, so tracking is a copy of what the run
folder already holds: delete this file and that call, and the project works as before. The store
is the config's `tracking_uri` (`sqlite:///mlflow.db` in the project by default; "" turns tracking
off). `PACKAGE tracking` opens it in the browser: MLflow's web UI, which only the full `mlflow`
package has (`pip install -e ".[ui]"`); the project itself logs with the lighter mlflow-skinny.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

DEFAULT_URI = "sqlite:///mlflow.db"  # the config's default `tracking_uri`: a file in the project


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"model": {"lr": 0.1}} -> {"model.lr": 0.1}: MLflow params are flat."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def slug(name: str) -> str:
    """A row name as an MLflow metric prefix: "Logistic regression" -> "logistic_regression"."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def log_run(run_dir: Path) -> str | None:
    """Log the run in `run_dir` (config, metrics, per-step history, every file); return its id.

    None when tracking is off, or when the store fails (down, misspelt): a warning says so, and
    the run folder is complete either way.
    """
    config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    if not config.get("tracking_uri"):
        return None
    import mlflow  # here, not at the top: its import takes a second that other verbs don't need

    try:
        mlflow.set_tracking_uri(config["tracking_uri"])
        mlflow.set_experiment(__package__)
        nested = mlflow.active_run() is not None  # a trial of `tune`, under the study's run
        with mlflow.start_run(run_name=run_dir.name, nested=nested) as run:
            mlflow.set_tag("run_folder", run_dir.as_posix())
            mlflow.log_params({key: str(value)[:6000] for key, value in flatten(config).items()})
            mlflow.log_metrics(scores(metrics))
            for entry in metrics.get("history", []):
                values = {name: float(v) for name, v in entry.items() if name != "step"}
                mlflow.log_metrics(values, step=int(entry["step"]))
            mlflow.log_artifacts(str(run_dir))
            return run.info.run_id
    except Exception as error:  # whatever the store raised, the finished run stays finished
        print(f"warning: not logged to MLflow: {one_line(error)}", file=sys.stderr)
        return None


def scores(metrics: dict[str, Any]) -> dict[str, float]:
    """The kept model's metrics and interval ends, and every other row's as `<row>.<metric>`."""
    model = metrics["model"]
    found = dict(model["metrics"])
    for name, (low, high) in model.get("intervals", {}).items():
        found |= {f"{name}_ci_low": low, f"{name}_ci_high": high}
    others = [metrics["baseline"], metrics.get("reference"), *metrics.get("alternatives", [])]
    for row in filter(None, others):
        found |= {f"{slug(row['name'])}.{name}": v for name, v in row["metrics"].items()}
    return {name: float(v) for name, v in found.items() if isinstance(v, int | float)}


def one_line(error: Exception) -> str:
    """An exception as one line: its first line, or its type when it has no message."""
    return next(iter(str(error).strip().splitlines()), type(error).__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{__package__} tracking", description=__doc__)
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("configs/default.yaml"),
        help="the profile whose tracking_uri to open",
    )
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    raw = yaml.safe_load(args.config.read_text(encoding="utf-8")) if args.config.is_file() else {}
    uri = (raw or {}).get("tracking_uri", DEFAULT_URI)
    if not uri:
        print(f"error: tracking is off in {args.config} (tracking_uri is empty)", file=sys.stderr)
        return 2
    if importlib.util.find_spec("flask") is None:
        print('error: the MLflow UI needs full mlflow: pip install -e ".[ui]"', file=sys.stderr)
        return 1
    print(f"MLflow UI on http://127.0.0.1:{args.port} (Ctrl+C stops it)")
    command = ["mlflow", "ui", "--backend-store-uri", uri, "--port", str(args.port)]
    try:
        return subprocess.call([sys.executable, "-m", *command, "--host", "127.0.0.1"])
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
