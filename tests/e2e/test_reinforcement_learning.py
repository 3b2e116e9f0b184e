"""End to end: the reinforcement-learning template, PPO and DQN, from render to report and
showcase (served over HTTP, its demo played in headless Chromium, a Space run from a clean venv),
and the case study: both algorithms and the random policy over 3 seeds with t-intervals, the
paired comparison, MLflow tracking, `tune`, the write-up and the EDA notebook.

PPO and DQN on CartPole-v1 run their own tests and every verb; PPO on Pendulum-v1 (continuous
actions) trains its smoke profile and runs every verb. All three projects are installed into one
virtual environment (their package names differ), so torch and gymnasium are installed once.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .casestudy import check_case_study
from .projects import generate_and_install, latest_metrics, run
from .showcase import check_demo, check_serve, check_space

TEMPLATE = "reinforcement-learning"
ALGORITHMS = ("ppo", "dqn")
# The first observation of the first test episode (seed 20000), as the README's curl sends it.
CARTPOLE = [0.0027, 0.0402, -0.0476, 0.0186]
PENDULUM = [0.9859, 0.1675, 0.804]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """ppo, dqn (CartPole-v1), continuous (PPO on Pendulum-v1) -> (project, the shared venv's python)."""
    variants: dict[str, dict[str, object]] = {
        algorithm: {"project_name": f"rl-{algorithm}", "algorithm": algorithm} for algorithm in ALGORITHMS
    }
    variants["continuous"] = {"project_name": "rl-pendulum", "algorithm": "ppo", "env_id": "Pendulum-v1"}
    return generate_and_install(
        TEMPLATE, tmp_path_factory.mktemp("reinforcement-learning"), variants, torch=True
    )


@pytest.mark.e2e
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_generated_project_tests_trains_evaluates_predicts_reports_and_shows_itself(
    projects: dict[str, tuple[Path, Path]], algorithm: str, tmp_path: Path
) -> None:
    project, python = projects[algorithm]
    package = f"rl_{algorithm}"
    # Both algorithms ship on a discrete environment: the other one is the comparison row.
    for name in ALGORITHMS:
        assert (project / "src" / package / f"{name}.py").is_file(), name
    other = next(name for name in ALGORITHMS if name != algorithm)

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

    # The results: the algorithm and the other one over the same 3 seeds, and the random policy.
    metrics = latest_metrics(project)
    assert metrics["model"]["name"] == algorithm.upper()
    assert metrics["reference"]["name"] == other.upper()
    assert metrics["baseline"]["name"] == "Random policy"
    assert metrics["interval_method"].startswith("t-interval over 3 training seeds")
    assert metrics["comparison"]["other"] == metrics["reference"]["name"]
    for key in ("model", "reference"):
        assert len(metrics[key]["seeds"]) == 3 and "val_return" in metrics[key]["intervals"]
    assert metrics["model"]["metrics"]["mean_return"] > metrics["baseline"]["metrics"]["mean_return"]
    errors = metrics["error_analysis"]
    assert "test return by seed" in errors["summary"] and errors["worst_episodes"]
    first_evaluation = set(metrics["history"][0])  # every seed evaluates at the first step
    assert {"eval_return_seed0", "eval_return_seed1", "eval_return_seed2"} <= first_evaluation

    run([python, "-m", package, "report"], cwd=project)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "mean_return" in readme and "Random policy" in readme
    assert f"| {other.upper()} |" in readme  # the comparison row of the results table
    assert "![Trained agent](reports/figures/agent.gif)" in readme
    assert (project / "reports" / "figures" / "episode_returns.png").is_file()
    if algorithm == "ppo":  # The whole case study once: sections, MLflow, tune, the notebook.
        check_case_study(python, project, package, tune_args=["--config", "configs/smoke.yaml"])
        tuned = (project / "configs" / "tuned.yaml").read_text(encoding="utf-8")
        assert "ppo:" in tuned and "learning_rate" in tuned

    # The showcase: the API acts on an observation and names a short one; the demo plays an
    # episode in the browser.
    cli = python.parent / package
    observation = {"json": {"observation": CARTPOLE}}
    short = {"json": {"observation": CARTPOLE[:2]}}
    answer = check_serve(cli, project, valid=observation, invalid=short, field="observation")
    assert answer["action"] in (0, 1) and sum(answer["probabilities"]) == pytest.approx(1), answer
    assert answer["probabilities"][answer["action"]] == max(answer["probabilities"]), answer
    if algorithm == "dqn":
        assert answer["q_values"].index(max(answer["q_values"])) == answer["action"], answer
    shown = check_demo(cli, project)
    assert "Return " in shown and "from seed 20000" in shown and "random policy" in shown, shown
    if algorithm == "ppo":  # One Space suffices: the algorithms' pages differ only in numbers.
        shown = check_space(cli, project, tmp_path, torch=True)
        assert "Return " in shown and "from seed 20000" in shown, shown


@pytest.mark.e2e
def test_ppo_trains_on_continuous_actions_and_every_verb_works(
    projects: dict[str, tuple[Path, Path]],
) -> None:
    project, python = projects["continuous"]
    out = run([python, "-m", "rl_pendulum", "train", "--config", "configs/smoke.yaml"], cwd=project)
    assert "1 continuous action dimensions" in out and "run folder runs/" in out
    assert "target not reached: raise total_steps" in out  # a smoke budget does not swing it up
    # No DQN for continuous actions: the alternative is PPO with its untuned defaults.
    metrics = latest_metrics(project)
    assert metrics["reference"]["name"] == "PPO, untuned"
    assert metrics["comparison"]["other"] == "PPO, untuned"
    assert not (project / "src" / "rl_pendulum" / "dqn.py").exists()

    out = run([python, "-m", "rl_pendulum", "evaluate", "--episodes", "3"], cwd=project)
    assert "random policy" in out
    out = run(
        [python, "-m", "rl_pendulum", "predict", "--episodes", "1", "--gif", "runs/episode.gif"],
        cwd=project,
    )
    actions = out.split("actions: ", 1)[1].split()[:40]
    assert all(-2.0 <= float(action) <= 2.0 for action in actions if action != "...")
    assert (project / "runs" / "episode.gif").read_bytes()[:6] == b"GIF89a"
    run([python, "-m", "rl_pendulum", "report"], cwd=project)
    assert "![Trained agent](reports/figures/agent.gif)" in (project / "README.md").read_text()

    # Continuous actions: the API answers with the action vector within the bounds.
    cli = python.parent / "rl_pendulum"
    observation = {"json": {"observation": PENDULUM}}
    outside = {"json": {"observation": [*PENDULUM[:2], 9.0]}}  # the speed is at most 8
    answer = check_serve(cli, project, valid=observation, invalid=outside, field="observation[2]")
    assert len(answer["action"]) == 1 and -2.0 <= answer["action"][0] <= 2.0, answer
    assert answer["std"][0] > 0, answer
    shown = check_demo(cli, project)
    assert "Return " in shown and "random policy" in shown, shown


@pytest.mark.e2e
def test_a_wrong_env_id_is_one_line_exit_2_and_no_run_folder(
    projects: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    project, python = projects["ppo"]
    runs = tmp_path / "runs"
    result = subprocess.run(
        [python, "-m", "rl_ppo", "train", "--set", "env_id=Acrobt-v1", "--runs-dir", runs],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "env_id" in result.stderr and "Acrobot-v1" in result.stderr
    assert not runs.exists()
