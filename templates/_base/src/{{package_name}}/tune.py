"""`tune`: search the hyper-parameters that tuning.py names with Optuna; save the best as a profile.

Each trial is an ordinary `train` run of the base profile with the trial's choices set, in its own
folder under runs/tune/STUDY/, logged to MLflow under the study's run. Trials are scored on
tuning.OBJECTIVE, a validation score: the test set stays out of every choice. The best trial's
config becomes configs/tuned.yaml (`PACKAGE train --config configs/tuned.yaml`).

The study lives in a database (sqlite in the project by default), so `tune` resumes it, and
several machines can run it together when `--storage` names a server they all reach:

    PACKAGE tune --trials 0 --storage postgresql://HOST/DB     # once: create the study
    PACKAGE tune --trials 20 --storage postgresql://HOST/DB    # then on every machine
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import sys
from collections.abc import Iterator
from pathlib import Path

import optuna
import yaml

from . import train, tuning
from .config import set_key
from .runs import RUNS_DIR, latest_run, read_metrics
from .tracking import DEFAULT_URI, one_line

TUNED = Path("configs") / "tuned.yaml"


class TrialFailed(RuntimeError):
    """A trial's `train` exited with an error (it printed why)."""


def objective(trial: optuna.Trial, base: dict, folder: Path) -> float:
    """Train the base profile with this trial's choices; return its validation score."""
    raw = copy.deepcopy(base)
    for key, value in tuning.suggest(trial).items():
        set_key(raw, key, value)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    if train.main(["--config", str(config), "--runs-dir", str(folder)]) != 0:
        raise TrialFailed(f"trial {trial.number}: train failed on {config}")
    run_dir = latest_run(folder)
    # Kept in the study, so the best config can be written on any machine that shares it.
    trial.set_user_attr("config", (run_dir / "config.yaml").read_text(encoding="utf-8"))
    return read_metrics(run_dir)["model"]["metrics"][tuning.OBJECTIVE]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{__package__} tune",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--trials", type=int, default=20, help="trials to run here (default 20)")
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("configs/default.yaml"),
        help="the profile each trial starts from",
    )
    parser.add_argument(
        "--storage",
        default="sqlite:///optuna.db",
        help="the study's database: any SQLAlchemy URL (default sqlite:///optuna.db)",
    )
    parser.add_argument("--study", default=__package__, help="study name (default: the package)")
    args = parser.parse_args(argv)
    if args.trials < 0:
        parser.error("--trials must be 0 or more")
    if not args.config.is_file():
        print(f"error: no config file {args.config}: pass --config PATH", file=sys.stderr)
        return 2
    base = yaml.safe_load(args.config.read_text(encoding="utf-8")) or {}
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # train prints each trial's progress
    try:
        study = optuna.create_study(
            study_name=args.study,
            storage=args.storage,
            direction=tuning.DIRECTION,
            load_if_exists=True,  # resume, or join the machines already running it
        )
    except Exception as error:  # a bad URL, or a database that cannot be reached
        print(f"error: cannot open the study in {args.storage}: {error}", file=sys.stderr)
        return 2
    folder = RUNS_DIR / "tune" / args.study
    uri = base.get("tracking_uri", DEFAULT_URI)
    try:
        with parent_run(uri, args.study):
            study.optimize(
                lambda trial: objective(trial, base, folder / f"trial-{trial.number}"),
                n_trials=args.trials,
            )
    except TrialFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
        print(f"study {args.study!r} in {args.storage}: no finished trial yet")
        return 0
    best = study.best_trial
    print(f"best of {len(done)} trials: #{best.number}, {tuning.OBJECTIVE} {best.value:.4f}")
    for key, value in best.params.items():
        print(f"  {key} = {value}")
    TUNED.parent.mkdir(exist_ok=True)
    header = (
        f"# Written by `tune`: trial {best.number} of study {args.study!r} ({args.storage}),\n"
        f"# {tuning.OBJECTIVE} {best.value:.4f}. `tune` rewrites this file; copy it to keep it.\n"
    )
    TUNED.write_text(header + best.user_attrs["config"], encoding="utf-8")
    print(f"{TUNED} written: {__package__} train --config {TUNED}")
    return 0


@contextlib.contextmanager
def parent_run(uri: str, study: str) -> Iterator[None]:
    """An MLflow run for the study, under which every trial's run is nested ("" = no tracking;
    a store that fails only loses the nesting: each trial's log_run warns on its own)."""
    if not uri:
        yield
        return
    import mlflow

    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(__package__)
        run = mlflow.start_run(run_name=f"tune {study}")
    except Exception as error:  # whatever the store raised: tune on without it
        print(f"warning: no MLflow run for the study: {one_line(error)}", file=sys.stderr)
        yield
        return
    with run:
        yield


if __name__ == "__main__":
    sys.exit(main())
