"""A look at the "data" before learning: what the environment shows, and what chance achieves.

Reinforcement learning has no dataset; the environment is the data. So the exploratory analysis
plays the random policy for a few episodes and looks at what comes back: the observation space and
the values each feature really takes, the actions, and the returns and episode lengths that
chance alone reaches (the baseline every learning curve starts from). `train` writes these into
the run folder for the README's Data section; notebooks/eda.ipynb calls the same functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import matplotlib

matplotlib.use("Agg")  # Files only: no display needed (CI, servers).
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .envs import make_env, reward_threshold  # noqa: E402
from .rollouts import play_episodes, random_policy  # noqa: E402

# What each observation number means, for the environments with tuned defaults.
FEATURES = {
    "CartPole-v1": ["cart position", "cart velocity", "pole angle", "pole angular velocity"],
    "Acrobot-v1": ["cos θ1", "sin θ1", "cos θ2", "sin θ2", "θ1 velocity", "θ2 velocity"],
    "MountainCar-v0": ["position", "velocity"],
    "MountainCarContinuous-v0": ["position", "velocity"],
    "Pendulum-v1": ["cos θ", "sin θ", "angular velocity"],
}
EDA_SEED_OFFSET = 30_000  # episodes no training, evaluation or test run starts from


def feature_names(env_id: str, size: int) -> list[str]:
    """Readable names of the observation's numbers (x0, x1, ... for other environments)."""
    names = FEATURES.get(env_id, [])
    return names if len(names) == size else [f"x{i}" for i in range(size)]


def random_rollouts(env_id: str, episodes: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    """Play the random policy: every observation seen, and each episode's return and length."""
    env = gym.make(env_id)
    policy = random_policy(env.action_space, seed)
    env.close()
    return play_episodes(policy, env_id, episodes, seed)


def describe(env_id: str, data: dict[str, np.ndarray]) -> str:
    """Markdown: the spaces, each feature's range (allowed and seen), and chance's returns."""
    env = make_env(env_id)
    space, actions = env.observation_space, env.action_space
    env.close()
    observations = data["observations"]
    names = feature_names(env_id, observations.shape[1])
    threshold = reward_threshold(env_id)
    solved = "none" if threshold is None else f"{threshold:g}"
    lines = [
        f"- Environment `{env_id}`: {observations.shape[1]} observation numbers, actions "
        f"`{actions}`; reward threshold (solved): {solved}.",
        f"- The random policy over {len(data['returns'])} episodes: return "
        f"{data['returns'].mean():.1f} ± {data['returns'].std():.1f} (min "
        f"{data['returns'].min():.1f}, max {data['returns'].max():.1f}), episodes of "
        f"{data['lengths'].mean():.0f} steps on average ({len(observations):,} observations).",
        "",
        "| feature | allowed range | seen (random policy) | mean ± std |",
        "| --- | --- | --- | --- |",
    ]
    for i, name in enumerate(names):
        column = observations[:, i]
        lines.append(
            f"| {name} | [{space.low[i]:.3g}, {space.high[i]:.3g}] | "
            f"[{column.min():.3g}, {column.max():.3g}] | {column.mean():.3g} ± {column.std():.3g} |"
        )
    return "\n".join(lines)


def plot_features(env_id: str, data: dict[str, np.ndarray], path: Path) -> Path:
    """One histogram per observation feature, as the random policy sees them."""
    observations = data["observations"]
    names = feature_names(env_id, observations.shape[1])
    columns = min(len(names), 3)
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.6 * rows), squeeze=False)
    for ax, name, column in zip(axes.flat, names, observations.T, strict=False):
        ax.hist(column, bins=40, color="tab:blue", alpha=0.8)
        ax.set_title(name, fontsize="small")
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    fig.suptitle(f"{env_id}: observations under the random policy")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_random_returns(env_id: str, data: dict[str, np.ndarray], path: Path) -> Path:
    """The random policy's episode returns, with the return that counts as solved."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(data["returns"], bins=20, color="tab:gray")
    threshold = reward_threshold(env_id)
    if threshold is not None:
        ax.axvline(threshold, color="tab:green", linestyle="--", label=f"solved {threshold:g}")
        ax.legend(loc="best", fontsize="small")
    ax.set_xlabel("episode return")
    ax.set_ylabel("episodes")
    ax.set_title(f"{env_id}: returns of the random policy")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def explore(env_id: str, seed: int, run_dir: Path, episodes: int = 20) -> dict[str, Any]:
    """The Data section of the report: a Markdown summary and its plots, written to `run_dir`."""
    data = random_rollouts(env_id, episodes, seed + EDA_SEED_OFFSET)
    features = plot_features(env_id, data, run_dir / "eda_observations.png")
    returns = plot_random_returns(env_id, data, run_dir / "eda_random_returns.png")
    return {
        "summary": describe(env_id, data),
        "plots": {"Observations": features.name, "Random-policy returns": returns.name},
    }
