"""Bench: the generated PPO against Stable-Baselines3's PPO on CartPole-v1, same machine, same run.

What it measures, per seed (default 0 1 2):
- the generated project's `train` with its default profile (PPO, rl-zoo's CartPole-v1
  hyper-parameters plus observation normalisation, a 50k-step budget, a deterministic 20-episode
  evaluation every 2048 steps, stopping once that evaluation reaches 475): steps to 475 and wall
  time (`train_seconds` in metrics.json: the training loop and its evaluations);
- Stable-Baselines3 PPO with rl-zoo's hyper-parameters (n_envs 8, n_steps 32, batch 256,
  gae_lambda 0.8, gamma 0.98, n_epochs 20, ent_coef 0, linear lr 1e-3 and clip 0.2, 1e5 steps),
  evaluated by the same function on the same episodes every 2048 steps: steps to 475, wall time
  to 475 (training and evaluations so far), and the wall time of the whole 1e5-step run without
  the evaluations (what `rl_zoo3 train` spends).
Both pin torch to one thread, as the generated default profile does. The two alternate seed by
seed, so load from other processes on a shared machine falls on both.

How to run it (stable-baselines3 is a bench dependency only, never the project's):

    . .venv/bin/activate                      # mlscaffold's own environment (renders the template)
    python bench/bench_reinforcement_learning.py [--seeds 0 1 2] [--venv /tmp/mlscaffold-rl-bench]

The first run creates the bench virtual environment at --venv: torch==2.13.0 (the local CPU
build) first, then the rendered project and stable-baselines3; later runs reuse it. About
10 minutes on 2 shared CPU cores, most of it SB3's three 1e5-step runs.

The other classic-control environments (Acrobot-v1, MountainCar-v0, and the continuous
Pendulum-v1 and MountainCarContinuous-v0) are measured by bench/rl_goals.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import venv
from pathlib import Path

from mlscaffold.scaffold import new_project

TORCH = "torch==2.13.0"
PACKAGE = "rl_bench"
TARGET = 475.0
BUDGET = 50_000  # the quality target: the generated PPO must reach 475 within this many steps

SB3_RUNNER = textwrap.dedent(
    """
    import json, sys, time

    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    from rl_bench.rollouts import evaluate_policy
    from rl_bench.train import EVAL_SEED_OFFSET

    seed, every, target = int(sys.argv[1]), 2048, 475.0
    torch.set_num_threads(1)


    class Evaluate(BaseCallback):
        # The generated project's evaluation: 20 deterministic episodes from the same seeds.
        def __init__(self):
            super().__init__()
            self.next, self.eval_seconds, self.first = every, 0.0, None

        def _on_training_start(self):
            self.started = time.perf_counter()

        def _on_step(self):
            if self.num_timesteps < self.next:
                return True
            self.next += every
            start = time.perf_counter()
            policy = lambda obs: self.model.predict(obs, deterministic=True)[0]
            returns, _ = evaluate_policy(policy, "CartPole-v1", 20, seed + EVAL_SEED_OFFSET)
            self.eval_seconds += time.perf_counter() - start
            if self.first is None and returns.mean() >= target:
                self.first = (self.num_timesteps, time.perf_counter() - self.started)
            return True


    linear = lambda start: (lambda progress_remaining: progress_remaining * start)
    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = PPO(
        "MlpPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
        ent_coef=0.0, learning_rate=linear(0.001), clip_range=linear(0.2), seed=seed, device="cpu",
    )
    callback = Evaluate()
    start = time.perf_counter()
    model.learn(100_000, callback=callback)
    total = time.perf_counter() - start
    print(json.dumps({
        "steps_to_target": callback.first[0] if callback.first else None,
        "seconds_to_target": callback.first[1] if callback.first else None,
        "seconds_1e5_without_eval": total - callback.eval_seconds,
        "seconds_1e5": total,
    }))
    """
)


def sh(args: list[str | Path], cwd: Path | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def bench_environment(venv_dir: Path, project: Path) -> Path:
    """The bench venv: torch first (CPU build), then the project and stable-baselines3."""
    python = venv_dir / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        sh([*pip, TORCH])
        sh([*pip, "stable-baselines3>=2.3"])
    sh([*pip, "-e", project])
    return python


def generated_ppo(python: Path, project: Path, seed: int) -> dict[str, float | None]:
    runs = project / "runs" / f"seed{seed}"
    sh([python, "-m", PACKAGE, "train", "--set", f"seed={seed}", "--runs-dir", runs], cwd=project)
    metrics = json.loads(next(runs.glob("*/metrics.json")).read_text())
    return {
        "steps_to_target": metrics["model"]["metrics"]["steps_to_target"],
        "seconds": metrics["train_seconds"],
        "test_return": metrics["model"]["metrics"]["mean_return"],
    }


def sb3_ppo(python: Path, runner: Path, seed: int) -> dict[str, float | None]:
    return json.loads(sh([python, runner, str(seed)]).strip().splitlines()[-1])


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None else f"{a / b:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "mlscaffold-rl-bench")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-rl-"))
    project = work / "rl-bench"
    answers = ["project_name=rl-bench", "algorithm=ppo", "env_id=CartPole-v1"]
    new_project("reinforcement-learning", project, data=answers, use_defaults=True, git=False)
    python = bench_environment(args.venv, project)
    runner = work / "sb3_ppo.py"
    runner.write_text(SB3_RUNNER)

    rows = []
    for seed in args.seeds:
        ours = generated_ppo(python, project, seed)
        sb3 = sb3_ppo(python, runner, seed)
        rows.append((seed, ours, sb3))
        print(f"seed {seed}: generated {ours}  sb3 {sb3}", flush=True)

    print()
    columns = [
        "seed",
        "generated: steps to 475",
        "s",
        "test return",
        "SB3: steps to 475",
        "s to 475",
        "s for 1e5 (no eval)",
        "steps ratio",
        "time ratio (to 475)",
        "time ratio (vs SB3 1e5)",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|" + " ---: |" * len(columns))
    for seed, ours, sb3 in rows:
        print(
            f"| {seed} | {ours['steps_to_target']} | {ours['seconds']:.1f} | {ours['test_return']:.1f} "
            f"| {sb3['steps_to_target']} | {sb3['seconds_to_target'] or float('nan'):.1f} "
            f"| {sb3['seconds_1e5_without_eval']:.1f} "
            f"| {ratio(ours['steps_to_target'], sb3['steps_to_target'])} "
            f"| {ratio(ours['seconds'], sb3['seconds_to_target'])} "
            f"| {ratio(ours['seconds'], sb3['seconds_1e5_without_eval'])} |"
        )
    solved = [o["steps_to_target"] is not None and o["steps_to_target"] <= BUDGET for _, o, _ in rows]
    faster = [o["seconds"] <= s["seconds_1e5_without_eval"] for _, o, s in rows]
    print()
    print(f"generated PPO reached {TARGET:g} within {BUDGET:,} steps on {sum(solved)} of {len(rows)} seeds")
    print(
        f"median wall time: generated {statistics.median(o['seconds'] for _, o, _ in rows):.1f} s, "
        f"SB3 to 475 {statistics.median(s['seconds_to_target'] or float('inf') for *_, s in rows):.1f} s, "
        f"SB3 1e5 steps {statistics.median(s['seconds_1e5_without_eval'] for *_, s in rows):.1f} s; "
        f"generated no slower than SB3's 1e5-step run on {sum(faster)} of {len(rows)} seeds"
    )
    return 0 if all(solved) and all(faster) else 1


if __name__ == "__main__":
    sys.exit(main())
