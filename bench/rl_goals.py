"""Bench: does the generated project reach each classic-control environment's threshold?

Issue 12's goal: with default settings, every classic-control discrete environment
(CartPole-v1, Acrobot-v1, MountainCar-v0) reaches its reward threshold (gymnasium's
`reward_threshold`: 475, -100, -110) within the default budget on 3 of 3 seeds.

For each algorithm and environment it renders the project with `-d env_id=...`, and for each
seed runs the project's own `train` with its default profile (the only change: `--set seed=S`),
then reads metrics.json: the steps at which the periodic evaluation (20 episodes) first reached
the target, and the best checkpoint's mean return over the 100 test episodes. A seed counts as
reaching the goal when the test return is at or above the threshold.

    . .venv/bin/activate    # mlscaffold's own environment (renders the template)
    python bench/rl_goals.py [--algorithms ppo dqn] [--envs CartPole-v1 ...] [--seeds 0 1 2]
                             [--venv /tmp/mlscaffold-rl-goals]

Seeds run one after another with one torch thread (the default profile's `threads: 1`). The
first run creates the virtual environment at --venv (torch==2.13.0, the CPU build, first). On
one free core: CartPole seconds, Acrobot and MountainCar minutes per seed (up to 1e6 steps).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from mlscaffold.scaffold import new_project

TORCH = "torch==2.13.0"
DISCRETE = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0, "MountainCar-v0": -110.0}
CONTINUOUS = {"Pendulum-v1": -200.0, "MountainCarContinuous-v0": 90.0}


def sh(args: list[str | Path], cwd: Path | None = None) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def python_with(venv_dir: Path, projects: list[Path]) -> Path:
    """The bench venv: torch first (CPU build), then every rendered project (distinct packages)."""
    python = venv_dir / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        sh([*pip, TORCH])
    for project in projects:
        sh([*pip, "-e", project])
    return python


def package_name(algorithm: str, env_id: str) -> str:
    return f"goal_{algorithm}_{env_id.lower().replace('-', '_')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--algorithms", nargs="+", default=["ppo"], choices=["ppo", "dqn"])
    parser.add_argument("--envs", nargs="+", default=list(DISCRETE))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "mlscaffold-rl-goals")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-rl-goals-"))
    cases = [(a, e) for a in args.algorithms for e in args.envs if a == "ppo" or e in DISCRETE]
    projects = {}
    for algorithm, env_id in cases:
        name = package_name(algorithm, env_id).replace("_", "-")
        project = work / name
        answers = [f"project_name={name}", f"algorithm={algorithm}", f"env_id={env_id}"]
        new_project("reinforcement-learning", project, data=answers, use_defaults=True, git=False)
        projects[algorithm, env_id] = project
    python = python_with(args.venv, list(projects.values()))

    rows = []
    for (algorithm, env_id), project in projects.items():
        threshold = {**DISCRETE, **CONTINUOUS}[env_id]
        for seed in args.seeds:
            runs = project / "runs" / f"seed{seed}"
            package = package_name(algorithm, env_id)
            sh([python, "-m", package, "train", "--set", f"seed={seed}", "--runs-dir", runs], cwd=project)
            metrics = json.loads(next(runs.glob("*/metrics.json")).read_text())
            model = metrics["model"]["metrics"]
            row = {
                "algorithm": algorithm,
                "env_id": env_id,
                "seed": seed,
                "threshold": threshold,
                "env_steps": model["env_steps"],
                "steps_to_target": model["steps_to_target"],
                "test_return": model["mean_return"],
                "test_std": model["std_return"],
                "random": metrics["baseline"]["metrics"]["mean_return"],
                "seconds": metrics["train_seconds"],
            }
            rows.append(row)
            print(json.dumps(row), flush=True)

    print()
    print("| algorithm | env | seed | threshold | steps to target (eval) | test return (100 ep.) ", end="")
    print("| random | s | goal |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        met = r["test_return"] >= r["threshold"]
        print(
            f"| {r['algorithm']} | {r['env_id']} | {r['seed']} | {r['threshold']:g} "
            f"| {r['steps_to_target'] or 'not reached'} | {r['test_return']:.1f} +- {r['test_std']:.1f} "
            f"| {r['random']:.1f} | {r['seconds']:.0f} | {'met' if met else 'NOT met'} |"
        )
    print()
    failed = 0
    for algorithm, env_id in projects:
        mine = [r for r in rows if (r["algorithm"], r["env_id"]) == (algorithm, env_id)]
        met = sum(r["test_return"] >= r["threshold"] for r in mine)
        failed += env_id in DISCRETE and met < len(mine)
        print(f"{algorithm} {env_id}: threshold reached on {met} of {len(mine)} seeds")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
