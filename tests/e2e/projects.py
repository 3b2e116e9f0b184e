"""Helpers for the end-to-end tests: generate a project, install it in a fresh venv, run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

from mlscaffold.scaffold import NewProject, new_project

TORCH = "torch==2.13.0"  # The CPU build; installed first so nothing pulls a CUDA build.


def generate(template: str, dest: Path, **answers: object) -> NewProject:
    """Render a template non-interactively, with git, like `mlscaffold new --defaults -d ...`."""
    data = [f"{key}={value}" for key, value in answers.items()]
    return new_project(template, dest, data=data, use_defaults=True)


def run(args: list[str | Path], cwd: Path, timeout: float = 900, env: dict[str, str] | None = None) -> str:
    """Run a command; on failure, fail the test with its output."""
    merged = {**os.environ, "PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1", **(env or {})}
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=merged, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result.stdout


def install(project: Path, venv_dir: Path, torch: bool = False, extras: str = "dev") -> Path:
    """A fresh virtual environment with the project installed (editable, with its dev extra)."""
    venv.EnvBuilder(with_pip=True).create(venv_dir)
    python = venv_dir / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if torch:
        run([*pip, TORCH], cwd=project)
    run([*pip, "-e", f".[{extras}]"], cwd=project)
    return python


def tool(name: str) -> Path:
    """A console script installed beside the Python running the tests (ruff, zizmor...)."""
    return Path(sys.executable).parent / name


def check_contract(project: Path) -> None:
    """What every generated project promises before it is even installed."""
    run([tool("ruff"), "check", "--no-cache", "."], cwd=project)
    run([tool("ruff"), "format", "--check", "--no-cache", "."], cwd=project)
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert project / ".github" / "workflows" / "ci.yml" in workflows
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows], cwd=project)
    run([tool("zizmor"), "--offline", "--min-severity", "medium", *workflows], cwd=project)
    run([tool("hadolint"), "Dockerfile"], cwd=project)
    for path in project.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        assert not path.name.endswith(".jinja"), path
        text = path.read_text(encoding="utf-8", errors="ignore")
        for marker in ("{{ package_name", "{{package_name", "{{ project_name", "{% if", "{%- if"):
            assert marker not in text, f"{path} still holds {marker!r}"


def check_git(project: Path) -> None:
    """Branch main, one commit, a clean tree, the answers file committed."""
    assert run(["git", "branch", "--show-current"], cwd=project).strip() == "main"
    assert run(["git", "rev-list", "--count", "HEAD"], cwd=project).strip() == "1"
    assert run(["git", "status", "--porcelain"], cwd=project) == ""
    assert run(["git", "ls-files", ".mlscaffold-answers.yml"], cwd=project).strip()


def generate_and_install(
    template: str, root: Path, variants: dict[str, dict[str, object]], torch: bool = False
) -> dict[str, tuple[Path, Path]]:
    """Render each variant (checking the contract and git) and install them all into one fresh
    venv (their package names differ), so heavy dependencies install once.

    Returns variant -> (project, the venv's python).
    """
    python: Path | None = None
    rendered = {}
    for name, answers in variants.items():
        project = root / name
        generate(template, project, **answers)
        check_contract(project)
        check_git(project)
        if python is None:
            python = install(project, root / "venv", torch=torch)
        else:
            run(
                [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev]"],
                cwd=project,
            )
        rendered[name] = (project, python)
    return rendered


def latest_metrics(project: Path) -> dict:
    """metrics.json of the project's newest run."""
    newest = max((project / "runs").glob("*/metrics.json"), key=lambda path: path.stat().st_mtime)
    return json.loads(newest.read_text(encoding="utf-8"))
