"""End to end, every answer: each combination of a template's options is rendered, installed and
put through the steps of its own CI workflow (lint, its tests, the smoke training, evaluate), read
from the `.github/workflows/ci.yml` it ships, so a project is green on its first push whatever
was answered.

The combinations are each template's own choices and the base's BASE questions, crossed with
FREE, the values worth trying for the questions that take free text. The whole matrix is marked
`slow`: `python -m pytest -m slow tests/e2e/test_option_matrix.py` (46 combinations; the 24
before `web_demo` joined took about 40 minutes on 2 cores). The default run takes SAMPLED:
combinations that no other end-to-end test trains.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from mlscaffold.answers import Question, load_questions
from mlscaffold.catalog import builtin_templates
from mlscaffold.render import copier_files

from .projects import generate, install, run

# Free-text questions, and the values a user would plausibly answer.
FREE: dict[str, list[str]] = {
    "env_id": ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "MountainCarContinuous-v0"],
    "image_size": ["8", "28", "64"],
}
CONTINUOUS = {"Pendulum-v1", "MountainCarContinuous-v0"}
# The shared base's questions that change what a project holds (not only what it says).
BASE = ["web_demo"]
SAMPLED = [
    ("reinforcement-learning", {"algorithm": "dqn", "env_id": "Acrobot-v1", "web_demo": "true"}),
    ("reinforcement-learning", {"algorithm": "ppo", "env_id": "MountainCar-v0", "web_demo": "true"}),
    ("image-classification", {"model": "cnn", "image_size": "64", "web_demo": "true"}),
    ("image-classification", {"model": "cnn", "image_size": "8", "web_demo": "false"}),
    ("predictive-analytics", {"task": "regression", "model": "random_forest", "web_demo": "false"}),
    ("chatbot", {"web_demo": "false"}),
]


def values(question: Question) -> list[str]:
    if question.choices:
        return [str(value) for _, value in question.choices]
    if question.type == "bool":
        return ["true", "false"]
    return FREE.get(question.name, [])


def accepted(answers: dict[str, str]) -> bool:
    """DQN needs discrete actions: `new` refuses it on a continuous-action environment."""
    return not (answers.get("algorithm") == "dqn" and answers.get("env_id") in CONTINUOUS)


def matrix() -> list[tuple[str, dict[str, str]]]:
    cases = []
    for template in builtin_templates():
        base, *specialization = copier_files(template)
        own = [q for q in load_questions(specialization) if values(q) and not q.computed]
        own += [q for q in load_questions([base]) if q.name in BASE]
        for combination in itertools.product(*[values(q) for q in own]):
            answers = dict(zip([q.name for q in own], combination, strict=True))
            if accepted(answers):
                cases.append((template.name, answers))
    return cases


def case_id(case: object) -> str:
    return "-".join(case.values()) if isinstance(case, dict) else str(case)


def workflow_steps(project: Path) -> dict[str, str]:
    """The generated CI's steps after its install step: name -> shell script."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["test"]["steps"]
    return {step["name"]: step["run"] for step in steps if "run" in step and step["name"] != "Install"}


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """template -> the python of a venv its projects share (each has its own package name)."""
    return {"root": tmp_path_factory.mktemp("matrix")}


def check_first_push(template: str, answers: dict[str, str], venvs: dict[str, Path]) -> None:
    root = venvs["root"]
    name = f"m{len(list(root.glob('m*')))}-{case_id(answers)}".lower().replace("_", "-")[:40].rstrip("-")
    project = root / name
    generate(template, project, project_name=name, **answers)
    if template in venvs:
        python = venvs[template]
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        run([*pip, "-e", ".[dev]"], cwd=project)
    else:
        torch = "torch" in (project / "pyproject.toml").read_text(encoding="utf-8")
        python = venvs[template] = install(project, root / f"venv-{template}", torch=torch)
    path = f"{python.parent}{os.pathsep}{os.environ['PATH']}"
    for step, script in workflow_steps(project).items():
        try:
            run(["bash", "-eo", "pipefail", "-c", script], cwd=project, env={"PATH": path}, timeout=1200)
        except AssertionError as error:
            raise AssertionError(f"{template} {answers}: CI step {step!r} fails\n{error}") from None
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{template} {answers}: CI step {step!r} ran over 20 minutes") from None


@pytest.mark.e2e
@pytest.mark.parametrize(("template", "answers"), SAMPLED, ids=case_id)
def test_sampled_combinations_pass_their_own_ci(
    template: str, answers: dict[str, str], venvs: dict[str, Path]
) -> None:
    check_first_push(template, answers, venvs)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize(("template", "answers"), matrix(), ids=case_id)
def test_every_combination_passes_its_own_ci(
    template: str, answers: dict[str, str], venvs: dict[str, Path]
) -> None:
    check_first_push(template, answers, venvs)


def test_the_sample_is_part_of_the_matrix() -> None:
    assert all(case in matrix() for case in SAMPLED)
