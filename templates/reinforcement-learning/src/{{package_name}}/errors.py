"""Error analysis: the test episodes the trained agent plays worst, and the seeds that learnt least.

An agent's "errors" are episodes: which start states it fails from, how those episodes end (the
environment terminates them, or the time limit cuts them), and which observation was furthest from
the usual when they ended, a hint at what the policy never learnt to handle. In reinforcement
learning the other large source of error is the training seed, so the seeds are compared too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # Files only: no display needed (CI, servers).
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .eda import feature_names  # noqa: E402
from .rollouts import Policy, play_episodes  # noqa: E402

SHOWN = 5  # worst episodes listed


def worst_episodes(
    played: dict[str, np.ndarray], env_id: str, seed: int, shown: int = SHOWN
) -> list[dict[str, Any]]:
    """The `shown` lowest-return episodes, each with the feature most unusual at its end."""
    observations = played["observations"]
    mean, std = observations.mean(0), observations.std(0) + 1e-8
    names = feature_names(env_id, observations.shape[1])
    rows = []
    for index in np.argsort(played["returns"], kind="stable")[:shown]:
        z = (played["final"][index] - mean) / std
        feature = int(np.abs(z).argmax())
        rows.append(
            {
                "episode_seed": seed + int(index),
                "return": float(played["returns"][index]),
                "length": int(played["lengths"][index]),
                "ended": "terminated" if played["terminated"][index] else "time limit",
                "feature": names[feature],
                "value": float(played["final"][index][feature]),
                "z": float(z[feature]),
            }
        )
    return rows


def plot_test_returns(played: dict[str, np.ndarray], path: Path) -> Path:
    """Every test episode's return, sorted: the left end is where the agent fails."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    returns = np.sort(played["returns"])
    colours = ["tab:red" if i < SHOWN else "tab:blue" for i in range(len(returns))]
    ax.bar(np.arange(len(returns)), returns, color=colours, width=1.0)
    ax.set_xlabel("test episode, sorted by return (red: the worst, listed in the report)")
    ax.set_ylabel("return")
    ax.set_title("The trained agent's test episodes")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def summarise(
    played: dict[str, np.ndarray], worst: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> str:
    """Markdown: the worst episodes, a sentence on why, and the seeds from worst to best."""
    returns = played["returns"]
    lines = [
        f"The kept agent's {len(returns)} test episodes: return {returns.mean():.1f} "
        f"(worst {returns.min():.1f}, best {returns.max():.1f}); "
        f"{int(played['terminated'].sum())} ended by the environment terminating them, "
        f"{int((~played['terminated']).sum())} at the time limit.",
        "",
    ]
    if np.ptp(returns) == 0:
        lines.append(
            "Every test episode scored the same: from these start states the agent never fails, "
            "so its errors are between training seeds (below), not between episodes."
        )
    else:
        lines += [
            "| episode seed | return | steps | ended by | most unusual at the end |",
            "| --- | --- | --- | --- | --- |",
            *(
                f"| {w['episode_seed']} | {w['return']:.1f} | {w['length']} | {w['ended']} | "
                f"{w['feature']} = {w['value']:.3g} ({w['z']:+.1f} std) |"
                for w in worst
            ),
            "",
        ]
        features = [w["feature"] for w in worst]
        common = max(features, key=features.count)  # ties: the worse episode's feature
        lines.append(
            f"Why: {features.count(common)} of the {len(worst)} worst episodes ended with "
            f"**{common}** far from its usual range: the policy has seen too few such states "
            "to act well in them, the region to look at in their GIFs "
            "(`predict --seed EPISODE_SEED --episodes 1 --gif worst.gif`)."
        )
    for row in rows:
        seeds = sorted(row.get("seeds", []), key=lambda s: s["mean_return"])
        if seeds:
            listed = ", ".join(f"seed {s['seed']}: {s['mean_return']:.1f}" for s in seeds)
            lines += ["", f"- {row['name']}, test return by seed, worst first: {listed}."]
    return "\n".join(lines)


def analyse_errors(
    policy: Policy, config: Any, rows: list[dict[str, Any]], seed: int, run_dir: Path
) -> dict[str, Any]:
    """The Error analysis section: a Markdown summary and a plot, written to `run_dir`."""
    played = play_episodes(policy, config.env_id, config.evaluation.test_episodes, seed)
    worst = worst_episodes(played, config.env_id, seed)
    plot = plot_test_returns(played, run_dir / "errors_test_returns.png")
    return {
        "summary": summarise(played, worst, rows),
        "plots": {"Test episodes by return": plot.name},
        "worst_episodes": worst,
    }
