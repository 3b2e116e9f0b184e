"""End to end: the reinforcement-learning template, PPO and DQN, from render to report.

Both projects are installed into one virtual environment (their package names differ), so
torch and gymnasium are installed once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .projects import generate_and_install, run

TEMPLATE = "reinforcement-learning"
ALGORITHMS = ("ppo", "dqn")


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """algorithm -> (rendered project, python of the shared venv it is installed in)."""
    variants = {
        algorithm: {"project_name": f"rl-{algorithm}", "algorithm": algorithm} for algorithm in ALGORITHMS
    }
    return generate_and_install(
        TEMPLATE, tmp_path_factory.mktemp("reinforcement-learning"), variants, torch=True
    )


@pytest.mark.e2e
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_generated_project_tests_trains_evaluates_predicts_and_reports(
    projects: dict[str, tuple[Path, Path]], algorithm: str
) -> None:
    project, python = projects[algorithm]
    package = f"rl_{algorithm}"
    assert (project / "src" / package / f"{algorithm}.py").is_file()
    other = next(name for name in ALGORITHMS if name != algorithm)
    assert not (project / "src" / package / f"{other}.py").exists()

    run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    out = run([python, "-m", package, "train", "--config", "configs/smoke.yaml"], cwd=project)
    assert "run folder runs/" in out

    out = run([python, "-m", package, "evaluate", "--episodes", "5"], cwd=project)
    assert "random policy" in out and "+-" in out
    out = run(
        [python, "-m", package, "predict", "--episodes", "2", "--gif", "runs/episode.gif"],
        cwd=project,
    )
    assert out.count("episode ") == 2
    assert (project / "runs" / "episode.gif").read_bytes()[:6] == b"GIF89a"

    run([python, "-m", package, "report"], cwd=project)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "| **mean_return** |" in readme and "Random policy" in readme
    assert "![Trained agent](reports/figures/agent.gif)" in readme
    assert (project / "reports" / "figures" / "episode_returns.png").is_file()
