"""The learning curve: training episode returns and periodic evaluations against env steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # Files only: no display needed (CI, servers).
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_returns(
    episodes: list[tuple[int, float]],
    evaluations: list[dict[str, float]],
    target: float | None,
    baseline: float,
    path: Path,
    window: int = 20,
) -> Path:
    """Training episodes (faint), their moving average and the deterministic evaluations."""
    fig, ax = plt.subplots(figsize=(7, 4))
    if episodes:
        steps, returns = np.array(episodes).T
        ax.plot(steps, returns, ".", color="tab:blue", alpha=0.15, markersize=3)
        if len(returns) >= window:
            smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
            label = f"training ({window}-episode mean)"
            ax.plot(steps[window - 1 :], smooth, color="tab:blue", label=label)
    if evaluations:
        ax.errorbar(
            [e["step"] for e in evaluations],
            [e["mean_return"] for e in evaluations],
            yerr=[e["std_return"] for e in evaluations],
            fmt="o-",
            color="tab:orange",
            capsize=3,
            label="evaluation (deterministic, mean +- std)",
        )
    if target is not None:
        ax.axhline(target, color="tab:green", linestyle="--", label=f"target {target:g}")
    ax.axhline(baseline, color="tab:gray", linestyle=":", label=f"random policy {baseline:.1f}")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return")
    ax.set_title("Episode returns")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_seeds(curves: dict[str, list[Any]], target: float | None, path: Path) -> Path:
    """Each seed's evaluation returns against environment steps, one colour per algorithm.

    `curves` maps a row name to its seeds' results (anything with `.seed` and `.evaluations`).
    The spread between lines of one colour is what the results' interval measures.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    for colour, (name, results) in zip(("tab:orange", "tab:purple"), curves.items(), strict=False):
        for index, result in enumerate(results):
            steps = [e["step"] for e in result.evaluations]
            returns = [e["mean_return"] for e in result.evaluations]
            label = name if index == 0 else None
            ax.plot(steps, returns, "o-", color=colour, alpha=0.7, markersize=3, label=label)
    if target is not None:
        ax.axhline(target, color="tab:green", linestyle="--", label=f"target {target:g}")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("evaluation return")
    ax.set_title("Evaluation return, one line per training seed")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
