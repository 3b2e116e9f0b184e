"""Third-party templates stay faithful to their tool through updates: copier's answers file,
`copier update` on the result, refs (branches, releases, pre-releases), submodules, questions
new in a version, tasks after the first commit, and `check` offering only what applies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlscaffold.update import UP_TO_DATE, UPDATED, check_project, update_project

from .conftest import git
from .test_third_party import cookiecutter_files, copier_files, edit_line, make_repo, record, release

# Every git command here, the tests' own included, uses the test identity.
pytestmark = pytest.mark.usefixtures("env")

COPIER_BIN = Path(sys.executable).parent / "copier"
ANSWERS_TEMPLATE = "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml }}"


@pytest.fixture
def copier_repo(tmp_path: Path) -> Path:
    """A copier template that writes copier's answers file, as copier templates do."""
    files = {**copier_files(), "{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE}
    return make_repo(tmp_path / "copier-template", files)


def new(cli, template: Path | str, dest: Path, *args: str) -> None:
    result = cli("new", template, dest, "--defaults", *args)
    assert result.code == 0, result.stderr


def copier_answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


# --- copier: the answers file names the real source, and copier update works ----------------


def test_copier_answers_name_the_real_source_and_commit_and_updates_do_not_churn(cli, tmp_path, copier_repo):
    dest = tmp_path / "p"
    new(cli, copier_repo, dest, "-d", "project_name=Churn")
    assert copier_answers(dest) == {
        "_commit": "v1.0.0",
        "_src_path": str(copier_repo),
        "license": "MIT",
        "project_name": "Churn",
    }
    assert (
        (dest / ".copier-answers.yml")
        .read_text()
        .startswith("# Changes here will be overwritten by Copier\n")
    )
    edit_line(copier_repo / "notes.txt", 25, "template line 25")
    release(copier_repo, "v1.1.0")

    assert cli("update", dest, "--defaults").code == 0
    assert copier_answers(dest)["_commit"] == "v1.1.0"
    head = git(dest, "rev-parse", "HEAD")
    again = cli("update", dest, "--defaults")
    assert again.code == 0 and "Already up to date" in again.stdout
    assert git(dest, "rev-parse", "HEAD") == head  # no churn commits


def test_copier_update_works_on_a_project_mlscaffold_made_and_back_again(cli, tmp_path, copier_repo):
    dest = tmp_path / "p"
    new(cli, copier_repo, dest, "-d", "project_name=Churn")
    edit_line(dest / "notes.txt", 3, "user line 3")
    git(dest, "commit", "-q", "-am", "my work")
    edit_line(copier_repo / "notes.txt", 25, "template line 25")
    release(copier_repo, "v1.1.0")

    native = subprocess.run(
        [str(COPIER_BIN), "update", "--defaults", "--skip-answered", "--quiet"],
        cwd=dest,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    assert native.returncode == 0, native.stderr
    notes = (dest / "notes.txt").read_text()
    assert "user line 3" in notes and "template line 25" in notes
    assert copier_answers(dest)["_commit"] == "v1.1.0"
    git(dest, "commit", "-q", "-am", "copier update to v1.1.0")

    edit_line(copier_repo / "notes.txt", 28, "template line 28")
    release(copier_repo, "v1.2.0")
    updated = cli("update", dest, "--defaults")  # mlscaffold picks up after copier
    assert updated.code == 0, updated.stderr
    notes = (dest / "notes.txt").read_text()
    assert all(line in notes for line in ("user line 3", "template line 25", "template line 28"))
    assert copier_answers(dest)["_commit"] == "v1.2.0"
    assert git(dest, "status", "--porcelain") == ""


def test_trusted_copier_tasks_run_in_the_committed_project(cli, tmp_path, copier_repo):
    spec = yaml.safe_load((copier_repo / "copier.yml").read_text())
    spec["_tasks"] = ["git rev-parse HEAD > head.txt"]
    (copier_repo / "copier.yml").write_text(yaml.safe_dump(spec))
    release(copier_repo, "v1.0.1")
    dest = tmp_path / "p"
    new(cli, copier_repo, dest, "--trust")
    assert (dest / "head.txt").read_text().strip() == git(dest, "rev-parse", "HEAD")
    assert "head.txt" not in git(dest, "ls-files")  # a task's output is the user's, not the render's


# --- refs -----------------------------------------------------------------------------------


def test_a_project_made_from_a_branch_follows_that_branch(cli, tmp_path, copier_repo):
    git(copier_repo, "checkout", "-q", "-b", "next")
    edit_line(copier_repo / "notes.txt", 20, "next line 20")
    git(copier_repo, "commit", "-q", "-am", "on next")
    git(copier_repo, "checkout", "-q", "main")
    edit_line(copier_repo / "notes.txt", 1, "main header")
    release(copier_repo, "v2.0.0")  # a newer release tag on main
    dest = tmp_path / "p"
    new(cli, copier_repo, dest, "--vcs-ref", "next")
    version = record(dest)["version"]
    assert version.startswith("next@") and "next line 20" in (dest / "notes.txt").read_text()

    git(copier_repo, "checkout", "-q", "next")
    edit_line(copier_repo / "notes.txt", 22, "next line 22")
    git(copier_repo, "commit", "-q", "-am", "more on next")
    tip = git(copier_repo, "rev-parse", "HEAD")[:12]
    assert cli("check", dest).code == 1
    assert check_project(dest).latest == f"next@{tip}"

    assert update_project(dest, use_defaults=True).status == UPDATED
    notes = (dest / "notes.txt").read_text()
    assert "next line 22" in notes and "main header" not in notes  # not sent back to the v2.0.0 tag
    assert record(dest)["version"] == f"next@{tip}"
    assert cli("check", dest).code == 0


def test_the_newest_release_is_the_default_and_pre_releases_come_only_when_asked(cli, tmp_path, copier_repo):
    for tag in ("v1.1.0", "v2.0.0rc1", "v2.0.0-beta.1", "nightly"):
        edit_line(copier_repo / "notes.txt", 1, f"header {tag}")
        release(copier_repo, tag)
    dest = tmp_path / "p"
    new(cli, copier_repo, dest)
    assert record(dest)["version"] == "v1.1.0"
    assert check_project(dest).up_to_date

    rc = tmp_path / "rc"
    new(cli, copier_repo, rc, "--vcs-ref", "v2.0.0rc1")
    assert record(rc)["version"] == "v2.0.0rc1"
    edit_line(copier_repo / "notes.txt", 2, "final")
    release(copier_repo, "v2.0.0")
    assert check_project(rc).latest == "v2.0.0"
    assert update_project(rc, use_defaults=True).status == UPDATED
    assert record(rc)["version"] == "v2.0.0"


def test_a_template_with_a_submodule_renders_the_submodules_files(cli, tmp_path, copier_repo):
    library = make_repo(tmp_path / "library", {"shared.txt": "shared text\n"})
    subprocess.run(
        ["git", "-C", str(copier_repo), "-c", "protocol.file.allow=always", "submodule", "add", "-q",
         str(library), "vendor/library"],
        check=True, capture_output=True,
    )  # fmt: skip
    release(copier_repo, "v1.1.0")
    dest = tmp_path / "p"
    new(cli, copier_repo, dest)
    assert (dest / "vendor" / "library" / "shared.txt").read_text() == "shared text\n"
    assert not (dest / "vendor" / "library" / ".git").exists()
    assert git(dest, "ls-files", "vendor/library") == "vendor/library/shared.txt"


def test_a_dry_run_of_a_git_template_ignores_git_variables_from_the_environment(
    cli, tmp_path, copier_repo, env
):
    dest = tmp_path / "p"
    new(cli, copier_repo, dest)
    edit_line(copier_repo / "notes.txt", 25, "template line 25")
    release(copier_repo, "v1.1.0")
    objects = git(dest, "count-objects", "-v")
    leaked = {
        **env,
        "GIT_DIR": str(tmp_path / "elsewhere"),
        "GIT_WORK_TREE": "/",
        "GIT_INDEX_FILE": str(tmp_path / "index"),
        "GIT_OBJECT_DIRECTORY": str(tmp_path / "objects"),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.hooksPath",
        "GIT_CONFIG_VALUE_0": str(tmp_path / "hooks"),
    }
    result = cli("update", dest, "--dry-run", env=leaked)
    assert result.code == 0, result.stderr
    assert "+template line 25" in result.stdout
    assert git(dest, "count-objects", "-v") == objects
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "objects").exists()


def test_git_errors_show_their_reason(cli, tmp_path):
    result = cli("new", tmp_path / "missing.git", tmp_path / "p", "--defaults")
    assert result.code == 1
    assert "cannot clone" in result.stderr and "()" not in result.stderr
    assert "does not" in result.stderr  # git's own words: does not exist / does not appear to be...


# --- questions new in a version -------------------------------------------------------------


def add_copier_question(repo: Path, spec: dict) -> None:
    config = yaml.safe_load((repo / "copier.yml").read_text())
    (repo / "copier.yml").write_text(yaml.safe_dump({**config, "team": spec}))
    (repo / "TEAM.jinja").write_text("{{ team }}\n")
    release(repo, "v1.1.0")


def test_a_new_required_copier_question_is_refused_without_a_terminal_naming_d(cli, tmp_path, copier_repo):
    dest = tmp_path / "p"
    new(cli, copier_repo, dest)
    add_copier_question(copier_repo, {"type": "str", "help": "Owning team"})

    refused = cli("update", dest, "--defaults")
    assert refused.code == 2 and "Traceback" not in refused.stderr
    assert "pass -d team=VALUE" in refused.stderr
    assert git(dest, "status", "--porcelain") == ""

    assert cli("update", dest, "--defaults", "-d", "team=Ops").code == 0
    assert (dest / "TEAM").read_text() == "Ops\n"


def test_a_new_copier_question_is_asked_on_a_terminal(tmp_path, copier_repo):
    dest = tmp_path / "p"
    from mlscaffold.scaffold import new_project

    new_project(str(copier_repo), dest, use_defaults=True)
    add_copier_question(copier_repo, {"type": "str", "help": "Owning team", "choices": ["Ops", "ML"]})
    asked = []

    def ask(question, default, error):
        asked.append((question.name, question.help, [value for _, value in question.choices], error))
        return "ML" if error else "nobody"  # a wrong answer first: asked again

    result = update_project(dest, ask=ask)
    assert result.status == UPDATED and result.new_questions == ["team"]
    assert [name for name, *_ in asked] == ["team", "team"]
    assert asked[0][1:3] == ("Owning team", ["Ops", "ML"]) and "choices" in asked[1][3]
    assert (dest / "TEAM").read_text() == "ML\n"


def test_a_new_cookiecutter_variable_takes_its_default_without_a_terminal(cli, tmp_path):
    repo = make_repo(tmp_path / "cc", cookiecutter_files())
    dest = tmp_path / "p"
    new(cli, repo, dest)
    spec = json.loads((repo / "cookiecutter.json").read_text())
    (repo / "cookiecutter.json").write_text(json.dumps({**spec, "team": "Ops"}))
    (repo / "{{cookiecutter.slug}}" / "TEAM").write_text("{{ cookiecutter.team }}\n")
    release(repo, "v1.1.0")
    assert cli("update", dest, "--defaults").code == 0
    assert (dest / "TEAM").read_text() == "Ops\n"
    assert record(dest)["answers"]["team"] == "Ops"


# --- a release in another format is not offered -----------------------------------------------


def test_check_and_update_skip_a_release_that_moved_to_ccds_json(cli, tmp_path):
    repo = make_repo(tmp_path / "ds", cookiecutter_files())
    dest = tmp_path / "p"
    new(cli, repo, dest)
    edit_line(repo / "{{cookiecutter.slug}}" / "notes.txt", 25, "v1.1 line 25")
    release(repo, "v1.1.0")
    (repo / "ccds.json").write_text((repo / "cookiecutter.json").read_text())
    git(repo, "rm", "-q", "cookiecutter.json")
    release(repo, "v2.0.0")  # cookiecutter-data-science v2 keeps its questions in ccds.json

    assert check_project(dest).latest == "v1.1.0"
    assert update_project(dest, use_defaults=True).status == UPDATED
    assert record(dest)["version"] == "v1.1.0"
    current = cli("check", dest)
    assert current.code == 0, current.stdout
    assert update_project(dest, use_defaults=True).status == UP_TO_DATE

    refused = cli("new", repo, tmp_path / "q", "--defaults")
    assert refused.code == 1 and "ccds.json" in refused.stderr and "--vcs-ref" in refused.stderr
