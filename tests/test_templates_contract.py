"""Every built-in template, in every choice of its own questions and at both ends of the
supported Python versions, renders a project that passes ruff and its own pre-commit hooks,
whose CI workflow and Dependabot configuration GitHub would accept, with every pin current,
no template leftovers, committed cleanly on main.

Installing and running each project is the end-to-end tests' job (tests/e2e).
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from mlscaffold.answers import Question, load_questions
from mlscaffold.catalog import builtin_templates
from mlscaffold.render import copier_files
from mlscaffold.scaffold import new_project

from .e2e.projects import check_contract, check_git, run, tool

# A long name: generated lines that hold it must still fit ruff's line length.
PROJECT = "a-rather-long-portfolio-project-name"
BASE = Path(__file__).resolve().parents[1] / "templates" / "_base"
RUFF_HOOKS = "https://github.com/astral-sh/ruff-pre-commit"
PRE_COMMIT_HOOKS = "https://github.com/pre-commit/pre-commit-hooks"
# Each hook of the generated .pre-commit-config.yaml: the command its package installs (run
# as pre-commit would, on the files of the index), and which files it takes. A fixer exits 1
# when it changed a file; ruff-format is run with --check, which fails where it would.
HOOKS: dict[str, tuple[list[str], str]] = {
    "ruff": (["ruff", "check", "--force-exclude", "--no-cache"], "python"),
    "ruff-check": (["ruff", "check", "--force-exclude", "--no-cache"], "python"),
    "ruff-format": (["ruff", "format", "--force-exclude", "--no-cache", "--check"], "python"),
    "check-added-large-files": (["check-added-large-files", "--enforce-all"], "file"),
    "detect-private-key": (["detect-private-key"], "text"),
    "check-yaml": (["check-yaml"], "yaml"),
    "check-toml": (["check-toml"], "toml"),
    "end-of-file-fixer": (["end-of-file-fixer"], "text"),
    "trailing-whitespace": (["trailing-whitespace-fixer"], "text"),
}
SUFFIXES = {"python": (".py", ".pyi"), "yaml": (".yaml", ".yml"), "toml": (".toml",)}
PINNED_ACTION = re.compile(r"^\s*-?\s*uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")


def options(question: Question) -> list[str]:
    """The values worth rendering for a question: its choices, or both sides of a yes/no."""
    if question.choices:
        return [str(value) for _, value in question.choices]
    return ["true", "false"] if question.type == "bool" else []


def combinations() -> list[tuple[str, dict[str, str]]]:
    """Every combination of each template's own choices, plus the base's extremes."""
    cases: list[tuple[str, dict[str, str]]] = []
    for template in builtin_templates():
        oldest = {"python_version": "3.10", "license": "none", "web_demo": "false"}
        newest = {"python_version": "3.13", "license": "GPL-3.0", "space_workflow": "true"}
        cases += [(template.name, oldest), (template.name, newest)]
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
    check_pre_commit_hooks(project)
    check_pins_and_dependabot(project)
    assert (project / "LICENSE").exists() == (answers.get("license") != "none")
    package = project / "src" / PROJECT.replace("-", "_")
    assert (package / "__main__.py").is_file() and (package / "serve.py").is_file()
    demo = answers.get("web_demo") != "false"
    assert [(package / name).exists() for name in ("demo.py", "space.py", "ui.py")] == [demo] * 3
    assert ("gradio" in (project / "pyproject.toml").read_text(encoding="utf-8")) == demo
    space_workflow = project / ".github" / "workflows" / "space.yml"
    assert space_workflow.exists() == (answers.get("space_workflow") == "true")


def takes(kind: str, path: Path) -> bool:
    """Whether a hook of `kind` runs on `path` (pre-commit's `types`: text is what holds no NUL)."""
    if kind == "file":
        return True
    if kind == "text":
        return b"\0" not in path.read_bytes()[:8192]
    return path.suffix in SUFFIXES[kind]


def check_pre_commit_hooks(project: Path) -> None:
    """Every hook the project configures passes on every file of its first commit, unchanged."""
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    files = [project / name for name in run(["git", "ls-files", "-z"], cwd=project).split("\0") if name]
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            assert hook["id"] in HOOKS, f"no offline check for the hook {hook['id']}: add it to HOOKS"
            command, kind = HOOKS[hook["id"]]
            chosen = [path.relative_to(project) for path in files if takes(kind, path)]
            if chosen:
                run([tool(command[0]), *command[1:], *hook.get("args", []), *chosen], cwd=project)
    assert run(["git", "status", "--porcelain"], cwd=project) == ""


def check_pins_and_dependabot(project: Path) -> None:
    """Actions are pinned to a commit with their version beside it; Dependabot updates every pin."""
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    lines = [line for path in workflows for line in path.read_text(encoding="utf-8").splitlines()]
    uses = [line for line in lines if re.match(r"^\s*-?\s*uses:", line)]
    assert uses
    for line in uses:
        assert PINNED_ACTION.match(line), f"pin the action to a full commit hash and a # vX.Y.Z: {line}"
    dependabot = project / ".github" / "dependabot.yml"
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", dependabot], cwd=project)
    updates = yaml.safe_load(dependabot.read_text(encoding="utf-8"))["updates"]
    covered = {(u["package-ecosystem"], u["directory"], u["schedule"]["interval"]) for u in updates}
    # ci.yml's actions, pyproject.toml's requirements, .pre-commit-config.yaml's revs.
    for ecosystem in ("github-actions", "pip", "pre-commit"):
        assert (ecosystem, "/", "weekly") in covered, ecosystem


def minor(text: str) -> tuple[int, int]:
    return Version(text.lstrip("v")).release[:2]


def test_hook_pins_follow_the_tools_ci_installs() -> None:
    """A rev that falls behind the tool our dev extra installs (the one CI runs) fails here.

    Rule: the rev has the major.minor of the installed package (`ruff --version` for
    ruff-pre-commit, the pre-commit-hooks distribution), and the generated project's own dev
    extra accepts that ruff. `pre-commit autoupdate` in a rendered project gives the new revs.
    """
    ours = tomllib.loads((BASE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    dev = {Requirement(r).name for r in ours["project"]["optional-dependencies"]["dev"]}
    assert {"ruff", "pre-commit-hooks"} <= dev
    revs = {
        repo["repo"]: repo["rev"]
        for repo in yaml.safe_load((BASE / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"]
    }
    ruff = subprocess.run([tool("ruff"), "--version"], capture_output=True, text=True, check=True)
    installed_ruff = ruff.stdout.split()[1]
    assert minor(revs[RUFF_HOOKS]) == minor(installed_ruff), (revs[RUFF_HOOKS], installed_ruff)
    assert minor(revs[PRE_COMMIT_HOOKS]) == minor(version("pre-commit-hooks"))
    generated_dev = re.search(
        r"^dev = \[\n(.*?)^\]$", (BASE / "pyproject.toml.jinja").read_text(), re.M | re.S
    )
    assert generated_dev
    ruff_line = next(line for line in generated_dev.group(1).splitlines() if line.strip().startswith('"ruff'))
    generated_ruff = Requirement(ruff_line.strip().rstrip(",").strip('"'))
    assert generated_ruff.specifier.contains(revs[RUFF_HOOKS].lstrip("v")), generated_ruff
