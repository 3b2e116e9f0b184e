"""mlscaffold's own git commands: on the repository it created or opened and no other, without
hooks, fsmonitor or injected configuration, and a second `new` to the same folder refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlscaffold import guard, lineage
from mlscaffold.errors import UsageError
from mlscaffold.scaffold import STAGING_PREFIX, new_project
from mlscaffold.update import UPDATED, update_project

from .conftest import git
from .test_update import Templates, edit_line, install_templates


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_env: dict[str, str]) -> Templates:
    monkeypatch.setenv("HOME", git_env["HOME"])
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return install_templates(tmp_path / "templates", monkeypatch)


def test_new_inside_another_repository_makes_its_own_and_leaves_the_outer_one_alone(tmp_path, templates):
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q", "-b", "main")
    project = new_project("mini", outer / "sub" / "project", use_defaults=True).path
    assert (project / ".git").is_dir()
    assert git(project, "rev-parse", "--show-toplevel") == str(project)
    assert git(outer, "status", "--porcelain", "--ignored") == "?? sub/"
    assert subprocess.run(["git", "-C", str(outer), "rev-parse", "HEAD"], capture_output=True).returncode != 0


def test_hooks_and_fsmonitor_of_the_project_never_run(tmp_path, templates):
    project = new_project("mini", tmp_path / "project", use_defaults=True).path
    marker = tmp_path / "ran"
    hooks = project / ".git" / "hooks"
    for hook in ("reference-transaction", "post-index-change", "post-merge", "pre-commit", "post-checkout"):
        (hooks / hook).write_text(f"#!/bin/sh\necho {hook} >> {marker}\n")
        (hooks / hook).chmod(0o755)
    fsmonitor = tmp_path / "fsmonitor.sh"
    fsmonitor.write_text(f"#!/bin/sh\necho fsmonitor >> {marker}\n")
    fsmonitor.chmod(0o755)
    git(project, "config", "core.fsmonitor", str(fsmonitor))
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))

    assert update_project(project).status == UPDATED
    assert not marker.exists(), marker.read_text()


def test_a_dot_git_file_pointing_elsewhere_is_never_followed(tmp_path, templates):
    project = new_project("mini", tmp_path / "project", use_defaults=True).path
    worktree = tmp_path / "linked"
    git(project, "worktree", "add", "-q", "-b", "other", str(worktree))
    with pytest.raises(UsageError, match=r"\.git is a link or a file pointing at another repository"):
        update_project(worktree)
    inside = project / "src"
    with pytest.raises(UsageError, match=rf"not the top of its git repository: run it in {project}"):
        update_project(inside)


def test_git_variables_of_the_caller_do_not_redirect_mlscaffolds_commands(tmp_path, templates, monkeypatch):
    project = new_project("mini", tmp_path / "project", use_defaults=True).path
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    git(decoy, "init", "-q")
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    monkeypatch.setenv("GIT_DIR", str(decoy / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(decoy))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "index"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.hookspath'='/tmp/nowhere'")

    assert update_project(project).status == UPDATED

    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert "template line 30" in git(project, "show", "HEAD:notes.txt")
    assert subprocess.run(["git", "-C", str(decoy), "rev-parse", "HEAD"], capture_output=True).returncode != 0
    assert not (tmp_path / "index").exists()


def test_the_render_commit_records_its_tree(tmp_path, templates):
    project = new_project("mini", tmp_path / "project", use_defaults=True).path
    render = lineage.last_render(lineage.open_repo(project))
    assert render.recorded_tree == git(project, "rev-parse", "HEAD^{tree}")
    assert not render.rewritten


def test_a_second_new_to_the_same_folder_refuses_while_the_first_runs(tmp_path, templates):
    dest = tmp_path / "project"
    with guard.staging_folder(tmp_path, STAGING_PREFIX, str(dest)):  # a live `new` for dest
        with pytest.raises(UsageError, match="another mlscaffold new is creating"):
            new_project("mini", dest, use_defaults=True)
        assert new_project("mini", tmp_path / "other", use_defaults=True).path.is_dir()  # others go on
    assert not dest.exists()
