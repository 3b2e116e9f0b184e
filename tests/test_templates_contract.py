"""Every built-in template, in every choice of its own questions and at both ends of the
supported Python versions, renders a project that passes ruff, whose CI workflow GitHub
would accept, with no template leftovers, committed cleanly on main.

Installing and running each project is the end-to-end tests' job (tests/e2e).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from mlscaffold.answers import Question, load_questions
from mlscaffold.catalog import builtin_templates
from mlscaffold.render import copier_files
from mlscaffold.scaffold import new_project

from .e2e.projects import check_contract, check_git

# A long name: generated lines that hold it must still fit ruff's line length.
PROJECT = "a-rather-long-portfolio-project-name"


def options(question: Question) -> list[str]:
    """The values worth rendering for a question: its choices, or both sides of a yes/no."""
    if question.choices:
        return [str(value) for _, value in question.choices]
    return ["true", "false"] if question.type == "bool" else []


def combinations() -> list[tuple[str, dict[str, str]]]:
    """Every combination of each template's own choices, plus the base's extremes."""
    cases: list[tuple[str, dict[str, str]]] = []
    for template in builtin_templates():
        cases.append((template.name, {"python_version": "3.10", "license": "none"}))
        cases.append((template.name, {"python_version": "3.13", "license": "GPL-3.0"}))
        own = [q for q in load_questions(copier_files(template)[1:]) if options(q) and not q.computed]
        for values in itertools.product(*[options(q) for q in own]):
            answers = dict(zip([q.name for q in own], values, strict=True))
            defaults = {q.name: str(q.default).lower() if q.type == "bool" else str(q.default) for q in own}
            if answers != defaults:
                cases.append((template.name, answers))  # all-defaults is covered above
    return cases


@pytest.mark.parametrize(("template", "answers"), combinations(), ids=lambda value: str(value))
def test_every_template_and_choice_renders_a_clean_project(
    template, answers, tmp_path, git_env, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", git_env["HOME"])
    data = [f"{key}={value}" for key, value in {"project_name": PROJECT, **answers}.items()]
    project = new_project(template, tmp_path / "p", data=data, use_defaults=True).path
    check_contract(project)
    check_git(project)
    assert (project / "LICENSE").exists() == (answers.get("license") != "none")
    assert Path(project / "src" / PROJECT.replace("-", "_") / "__main__.py").is_file()
