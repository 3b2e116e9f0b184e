"""`mlscaffold update`, `check` and `diff`: template changes arrive, user work survives.

The tests render a small fixture template (`tests/fixtures/templates/mini`) on the real
shared base, edit the project (the user side) and the template (the template side, a
"new release"), then update.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlscaffold import catalog, lineage, scaffold, update
from mlscaffold.errors import UsageError
from mlscaffold.scaffold import new_project
from mlscaffold.update import CONFLICTS, PLANNED, UP_TO_DATE, UPDATED, update_project

from .conftest import git

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
BASE = catalog.templates_root() / catalog.BASE_NAME


class Templates:
    """A templates folder with the real base and the fixture, and its release version."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.version = "1.0.0"

    def file(self, relative: str) -> Path:
        return self.root / "mini" / relative

    def release(self, version: str, change: Callable[[Templates], None]) -> None:
        change(self)
        self.version = version


def install_templates(root: Path, monkeypatch: pytest.MonkeyPatch) -> Templates:
    shutil.copytree(BASE, root / catalog.BASE_NAME)
    shutil.copytree(FIXTURES / "mini", root / "mini")
    templates = Templates(root)
    monkeypatch.setattr(catalog, "templates_root", lambda: templates.root)
    for module in (scaffold, update):
        monkeypatch.setattr(module, "template_version", lambda _: templates.version)
    return templates


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_env: dict[str, str]) -> Templates:
    monkeypatch.setenv("HOME", git_env["HOME"])
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return install_templates(tmp_path / "templates", monkeypatch)


@pytest.fixture
def project(tmp_path: Path, templates: Templates) -> Path:
    return new_project("mini", tmp_path / "project", use_defaults=True).path


def commit(project: Path, message: str = "my work") -> None:
    git(project, "add", "--all")
    git(project, "commit", "-q", "--allow-empty", "-m", message)


def edit_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text().splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n")


def state(project: Path) -> tuple[str, str, str, dict[str, bytes]]:
    """Branch tip, index, status and every file: what an atomic failure must leave as it was."""
    files = {
        str(p.relative_to(project)): p.read_bytes()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }
    index = subprocess.run(
        ["git", "-C", str(project), "ls-files", "-s"], capture_output=True, text=True
    ).stdout
    return git(project, "rev-parse", "HEAD"), index, git(project, "status", "--porcelain"), files


# --- both sides change different things --------------------------------------------------


def test_user_and_template_edits_to_different_files_both_arrive(project, templates) -> None:
    edit_line(project / "notes.txt", 3, "user line 3")
    commit(project)
    templates.release("2.0.0", lambda t: t.file("obsolete.txt").write_text("keep me, v2\n"))

    result = update_project(project)

    assert result.status == UPDATED
    assert "user line 3" in (project / "notes.txt").read_text()
    assert (project / "obsolete.txt").read_text() == "keep me, v2\n"
    assert git(project, "status", "--porcelain") == ""
    assert "version: 2.0.0" in (project / ".mlscaffold-answers.yml").read_text()


def test_non_overlapping_edits_in_one_file_merge_cleanly(project, templates) -> None:
    edit_line(project / "notes.txt", 5, "user line 5")
    commit(project)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))

    assert update_project(project).status == UPDATED
    text = (project / "notes.txt").read_text()
    assert "user line 5" in text and "template line 30" in text


def test_overlapping_edits_become_conflict_markers_and_exit_code_3(project, templates, cli) -> None:
    edit_line(project / "notes.txt", 10, "user line 10")
    commit(project)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 10, "template line 10"))

    result = update_project(project)

    assert result.status == CONFLICTS and result.conflicts == ["notes.txt"]
    text = (project / "notes.txt").read_text()
    assert "<<<<<<<" in text and "user line 10" in text and "template line 10" in text
    assert "notes.txt" in git(project, "ls-files", "--unmerged")
    assert not list(project.rglob("*.rej"))
    git(project, "merge", "--abort")
    assert git(project, "status", "--porcelain") == ""


def test_a_second_update_right_after_the_first_is_a_no_op(project, templates) -> None:
    templates.release("2.0.0", lambda t: t.file("added.txt").write_text("new\n"))
    assert update_project(project).status == UPDATED
    head = git(project, "rev-parse", "HEAD")
    assert update_project(project).status == UP_TO_DATE
    assert git(project, "rev-parse", "HEAD") == head


def test_an_up_to_date_project_is_left_alone(project, templates) -> None:
    before = state(project)
    assert update_project(project).status == UP_TO_DATE
    assert state(project) == before


# --- adds ---------------------------------------------------------------------------------


def test_files_added_on_both_sides_are_all_kept(project, templates) -> None:
    (project / "mine.txt").write_text("mine\n")
    commit(project)
    templates.release("2.0.0", lambda t: t.file("theirs.txt").write_text("theirs\n"))

    assert update_project(project).status == UPDATED
    assert (project / "mine.txt").read_text() == "mine\n"
    assert (project / "theirs.txt").read_text() == "theirs\n"


def test_the_same_new_path_on_both_sides_conflicts(project, templates) -> None:
    (project / "same.txt").write_text("mine\n")
    commit(project)
    templates.release("2.0.0", lambda t: t.file("same.txt").write_text("theirs\n"))

    result = update_project(project)
    assert result.status == CONFLICTS and result.conflicts == ["same.txt"]


# --- deletes ------------------------------------------------------------------------------


def test_a_file_the_user_deleted_stays_deleted_even_when_the_template_changed_it(project, templates) -> None:
    (project / "obsolete.txt").unlink()
    commit(project)
    templates.release("2.0.0", lambda t: t.file("obsolete.txt").write_text("changed in v2\n"))

    result = update_project(project)

    assert result.status == UPDATED
    assert result.kept_deleted == ["obsolete.txt"]
    assert not (project / "obsolete.txt").exists()
    assert git(project, "status", "--porcelain") == ""


def test_a_file_the_user_deleted_stays_deleted_when_the_template_did_not_touch_it(project, templates) -> None:
    (project / "obsolete.txt").unlink()
    commit(project)
    templates.release("2.0.0", lambda t: t.file("other.txt").write_text("v2\n"))

    assert update_project(project).status == UPDATED
    assert not (project / "obsolete.txt").exists()


def test_a_file_the_template_dropped_is_removed_when_the_user_never_changed_it(project, templates) -> None:
    templates.release("2.0.0", lambda t: t.file("obsolete.txt").unlink())

    result = update_project(project)
    assert result.status == UPDATED
    assert ("D", "obsolete.txt") in result.changes
    assert not (project / "obsolete.txt").exists()


def test_a_file_the_template_dropped_is_kept_when_the_user_changed_it(project, templates) -> None:
    (project / "obsolete.txt").write_text("my precious edit\n")
    commit(project)
    templates.release("2.0.0", lambda t: t.file("obsolete.txt").unlink())

    result = update_project(project)

    assert result.status == UPDATED
    assert result.kept == ["obsolete.txt"]
    assert (project / "obsolete.txt").read_text() == "my precious edit\n"


# --- renames ------------------------------------------------------------------------------


def test_a_template_edit_follows_a_file_the_user_renamed(project, templates) -> None:
    git(project, "mv", "notes.txt", "NOTES.md")
    commit(project)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 20, "template line 20"))

    assert update_project(project).status == UPDATED
    assert "template line 20" in (project / "NOTES.md").read_text()
    assert not (project / "notes.txt").exists()


def test_a_user_edit_follows_a_file_the_template_renamed(project, templates) -> None:
    edit_line(project / "notes.txt", 2, "user line 2")
    commit(project)
    templates.release("2.0.0", lambda t: t.file("notes.txt").rename(t.file("NOTES.txt")))

    assert update_project(project).status == UPDATED
    assert "user line 2" in (project / "NOTES.txt").read_text()
    assert not (project / "notes.txt").exists()


def test_a_new_package_name_carries_edited_and_added_files_to_the_new_folder(project, templates) -> None:
    package = project / "src" / "my_ml_project"
    (package / "core.py").write_text(
        (package / "core.py").read_text() + "\n\ndef mine() -> int:\n    return 1\n"
    )
    (package / "features.py").write_text("FEATURES = ['a']\n")
    commit(project)

    result = update_project(project, data=["package_name=churn"])

    assert result.status == UPDATED
    assert result.changed_answers == {"package_name": ["my_ml_project", "churn"]}
    moved = project / "src" / "churn"
    assert "def mine()" in (moved / "core.py").read_text()
    assert "Core of churn" in (moved / "core.py").read_text()
    assert (moved / "features.py").read_text() == "FEATURES = ['a']\n"
    assert not package.exists()


def test_an_answer_change_re_renders_what_depends_on_it(project, templates) -> None:
    result = update_project(project, data=["flavour=fancy"])
    assert result.status == UPDATED
    assert "(fancy)" in (project / "src" / "my_ml_project" / "core.py").read_text()
    assert "flavour: fancy" in (project / ".mlscaffold-answers.yml").read_text()


def test_only_new_questions_are_asked(project, templates) -> None:
    def add_question(t: Templates) -> None:
        spec = t.file("copier.yml")
        spec.write_text(
            spec.read_text() + "\nextra_flag:\n  type: bool\n  default: true\n  help: New in v2\n"
        )

    templates.release("2.0.0", add_question)
    asked: list[str] = []

    def ask(question, default, error):
        asked.append(question.name)
        return False

    result = update_project(project, ask=ask)
    assert asked == ["extra_flag"]
    assert result.new_questions == ["extra_flag"]
    assert "extra_flag: false" in (project / ".mlscaffold-answers.yml").read_text()


# --- where the history comes from ---------------------------------------------------------


def test_update_works_in_a_plain_clone(project, templates, tmp_path) -> None:
    edit_line(project / "notes.txt", 3, "user line 3")
    commit(project)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))

    assert update_project(clone).status == UPDATED
    text = (clone / "notes.txt").read_text()
    assert "user line 3" in text and "template line 30" in text
    templates.release("3.0.0", lambda t: edit_line(t.file("notes.txt"), 35, "template line 35"))
    second_clone = tmp_path / "clone2"
    subprocess.run(["git", "clone", "-q", str(clone), str(second_clone)], check=True)
    assert update_project(second_clone).status == UPDATED  # the second render is found too
    assert "template line 30" in (second_clone / "notes.txt").read_text()


def test_a_newer_mlscaffold_updates_a_project_whose_template_version_it_does_not_have(
    tmp_path, monkeypatch, git_env
) -> None:
    monkeypatch.setenv("HOME", git_env["HOME"])
    old = install_templates(tmp_path / "old-release", monkeypatch)
    old.version = "0.9.0"
    edit_line(old.file("notes.txt"), 1, "old release header")
    project = new_project("mini", tmp_path / "project", use_defaults=True).path
    edit_line(project / "notes.txt", 12, "user line 12")
    commit(project)
    shutil.rmtree(old.root)  # the old template version no longer exists anywhere

    new = install_templates(tmp_path / "new-release", monkeypatch)
    new.version = "2.0.0"
    result = update_project(project)

    assert result.status == UPDATED and result.from_version == "0.9.0"
    text = (project / "notes.txt").read_text()
    assert text.startswith("line 01")  # the new release's header replaced the old one
    assert "user line 12" in text


# --- safety -------------------------------------------------------------------------------


def test_uncommitted_changes_to_files_the_update_writes_are_refused(project, templates) -> None:
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    edit_line(project / "notes.txt", 3, "uncommitted")
    before = state(project)

    with pytest.raises(UsageError, match=r"would write over or delete what is not committed: notes\.txt"):
        update_project(project)
    assert state(project) == before


def test_unrelated_uncommitted_and_untracked_files_survive(project, templates) -> None:
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    (project / "obsolete.txt").write_text("uncommitted, unrelated\n")
    (project / "scratch.txt").write_text("untracked\n")
    (project / "runs").mkdir()
    (project / "runs" / "ignored.json").write_text("{}\n")

    assert update_project(project).status == UPDATED
    assert (project / "obsolete.txt").read_text() == "uncommitted, unrelated\n"
    assert (project / "scratch.txt").read_text() == "untracked\n"
    assert (project / "runs" / "ignored.json").exists()


def test_an_untracked_file_where_the_template_adds_one_is_refused(project, templates) -> None:
    templates.release("2.0.0", lambda t: t.file("added.txt").write_text("template\n"))
    (project / "added.txt").write_text("mine, untracked\n")
    with pytest.raises(UsageError, match=r"added\.txt"):
        update_project(project)
    assert (project / "added.txt").read_text() == "mine, untracked\n"


def test_a_failure_during_the_merge_leaves_everything_as_it_was(project, templates, monkeypatch) -> None:
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    (project / "scratch.txt").write_text("untracked\n")
    before = state(project)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(lineage, "apply_merge", fail)
    with pytest.raises(OSError, match="disk full"):
        update_project(project)
    assert state(project) == before
    assert not lineage.merge_in_progress(lineage.open_repo(project))


def test_a_dry_run_prints_the_plan_and_changes_nothing(project, templates) -> None:
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    before = state(project)
    objects = git(project, "count-objects", "-v")

    result = update_project(project, dry_run=True)

    assert result.status == PLANNED
    assert ("M", "notes.txt") in result.changes
    assert "+template line 30" in result.diff
    assert state(project) == before
    assert git(project, "count-objects", "-v") == objects


def test_an_update_during_an_unfinished_merge_is_refused(project, templates) -> None:
    edit_line(project / "notes.txt", 10, "user line 10")
    commit(project)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 10, "template line 10"))
    assert update_project(project).status == CONFLICTS
    with pytest.raises(UsageError, match="merge is in progress"):
        update_project(project)


# --- property: non-overlapping edits on both sides all survive ----------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_non_overlapping_edits_on_both_sides_all_survive(tmp_path_factory, monkeypatch, git_env, data):
    monkeypatch.setenv("HOME", git_env["HOME"])
    work = tmp_path_factory.mktemp("prop")
    templates = install_templates(work / "templates", monkeypatch)
    project = new_project("mini", work / "project", use_defaults=True).path
    # Lines 1..40; git needs an untouched line between the two sides' hunks.
    lines = data.draw(st.lists(st.integers(1, 40), min_size=2, max_size=12, unique=True))
    lines.sort()
    user, template, last_owner, last_line = [], [], None, -10
    for line in lines:
        owner = data.draw(st.sampled_from(["user", "template"]))
        if last_owner not in (None, owner) and line - last_line < 2:
            continue
        (user if owner == "user" else template).append(line)
        last_owner, last_line = owner, line
    for line in user:
        edit_line(project / "notes.txt", line, f"user edit {line}")
    commit(project)
    for line in template:
        edit_line(templates.file("notes.txt"), line, f"template edit {line}")
    templates.version = "2.0.0"

    result = update_project(project)

    assert result.status in (UPDATED, UP_TO_DATE) and not result.conflicts
    text = (project / "notes.txt").read_text()
    for line in user:
        assert f"user edit {line}" in text
    for line in template:
        assert f"template edit {line}" in text


# --- check and diff, through the CLI --------------------------------------------------------


def test_check_exits_1_when_an_update_exists_and_0_when_current(cli, tmp_path: Path) -> None:
    dest = tmp_path / "p"
    assert cli("new", "tabular", dest, "--defaults").code == 0
    current = cli("check", dest)
    assert current.code == 0 and "newest" in current.stdout
    answers = dest / ".mlscaffold-answers.yml"
    answers.write_text(answers.read_text().replace("version: ", "version: 0.0.0-old-", 1))
    outdated = cli("check", dest)
    assert outdated.code == 1
    assert "mlscaffold update" in outdated.stdout


def test_check_imports_neither_git_nor_copier(tmp_path: Path, cli) -> None:
    dest = tmp_path / "p"
    assert cli("new", "tabular", dest, "--defaults", "--no-git").code == 0
    code = (
        "import sys\n"
        "from mlscaffold.update import check_project\n"
        f"check_project(__import__('pathlib').Path({str(dest)!r}))\n"
        "print(sorted({'git', 'copier', 'cookiecutter'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_diff_shows_what_the_user_changed(cli, tmp_path: Path) -> None:
    dest = tmp_path / "p"
    assert cli("new", "tabular", dest, "--defaults").code == 0
    assert cli("diff", dest).stdout.strip() == "No changes from the pristine render."
    readme = dest / "README.md"
    readme.write_text(readme.read_text() + "My own paragraph.\n")
    result = cli("diff", dest)
    assert result.code == 0 and "+My own paragraph." in result.stdout


def test_update_outside_a_project_is_a_one_line_error(cli, tmp_path: Path) -> None:
    result = cli("update", tmp_path)
    assert result.code == 2
    assert "not a git repository" in result.stderr and "Traceback" not in result.stderr


def test_update_cli_reports_up_to_date_and_json(cli, tmp_path: Path) -> None:
    dest = tmp_path / "p"
    assert cli("new", "tabular", dest, "--defaults").code == 0
    assert "Already up to date" in cli("update", dest).stdout
    result = cli("update", dest, "--json", "-d", "description=Churn model.")
    assert result.code == 0, result.stderr
    assert '"status": "updated"' in result.stdout
    assert "Churn model." in (dest / "README.md").read_text()


def test_the_cli_exits_3_and_names_the_conflicted_files(project, templates, monkeypatch, capsys) -> None:
    from mlscaffold.cli import main

    edit_line(project / "notes.txt", 10, "user line 10")
    commit(project)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 10, "template line 10"))
    monkeypatch.setattr(sys, "argv", ["mlscaffold", "update", str(project), "--defaults"])

    with pytest.raises(SystemExit) as exit_info:
        main()

    assert exit_info.value.code == 3
    assert "conflicts in notes.txt" in capsys.readouterr().err


# --- one rule for the render, and nothing uncommitted is ever written over (issue 16) -------


def test_a_file_the_renders_own_gitignore_excludes_is_never_committed_nor_merged(project, templates) -> None:
    # The base's .gitignore ignores `.env`: a template that starts shipping one must not
    # replace the user's secret, in `new` or in `update` (one rule for both).
    (project / ".env").write_text("API_KEY=mine\n")
    templates.release("2.0.0", lambda t: t.file(".env").write_text("API_KEY=changeme\n"))

    result = update_project(project)

    assert result.status == UPDATED
    assert (project / ".env").read_text() == "API_KEY=mine\n"
    assert ".env" not in git(project, "ls-files")
    assert ".env" not in git(project, "log", "--all", "--name-only", "--format=")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def ignore(project: Path, pattern: str) -> None:
    (project / ".gitignore").write_text((project / ".gitignore").read_text() + f"{pattern}\n")
    commit(project, f"ignore {pattern}")


@pytest.mark.parametrize(
    ("pattern", "mine", "template_adds", "listed"),
    [
        ("secret.txt", "secret.txt", "secret.txt", "secret.txt"),  # an ignored file
        ("notes/", "notes/private.md", "notes/private.md", "notes/private.md"),  # inside an ignored folder
        ("notes/", "notes/private.md", "notes", "notes/private.md"),  # an ignored folder where a file comes
        ("", "journal/mine.md", "journal", "journal/mine.md"),  # an untracked folder where a file comes
        ("", "journal", "journal/guide.md", "journal"),  # an untracked file where a folder comes
    ],
)
def test_an_update_that_would_overwrite_ignored_or_untracked_files_is_refused_touching_nothing(
    project, templates, pattern, mine, template_adds, listed
) -> None:
    if pattern:
        ignore(project, pattern)
    (project / mine).parent.mkdir(parents=True, exist_ok=True)
    (project / mine).write_text("uncommitted notes\n")
    templates.release("2.0.0", lambda t: write(t.file(template_adds), "template\n"))
    before = state(project)

    with pytest.raises(UsageError, match=rf"not committed: {listed}:"):
        update_project(project)
    assert state(project) == before
    assert (project / mine).read_text() == "uncommitted notes\n"


def test_a_staged_change_elsewhere_stays_staged_and_out_of_the_update_commit(project, templates) -> None:
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    edit_line(project / "obsolete.txt", 1, "staged, not committed")
    git(project, "add", "obsolete.txt")

    result = update_project(project)

    assert result.status == UPDATED
    assert "template line 30" in (project / "notes.txt").read_text()
    assert git(project, "diff", "--cached", "--name-only") == "obsolete.txt"
    assert "obsolete.txt" not in git(project, "show", "--name-only", "--format=", "HEAD")
    assert git(project, "show", "HEAD:obsolete.txt") != "staged, not committed"
    assert git(project, "log", "-1", "--format=%s") == "Update my-ml-project to the mini template 2.0.0"


def test_a_staged_change_to_a_file_the_update_writes_is_refused(project, templates) -> None:
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    edit_line(project / "notes.txt", 3, "staged")
    git(project, "add", "notes.txt")
    before = state(project)

    with pytest.raises(UsageError, match=r"not committed: notes\.txt"):
        update_project(project)
    assert state(project) == before


def test_a_staged_change_is_refused_when_the_update_would_stop_on_conflicts(project, templates) -> None:
    edit_line(project / "notes.txt", 10, "user line 10")
    commit(project)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 10, "template line 10"))
    edit_line(project / "obsolete.txt", 1, "staged")
    git(project, "add", "obsolete.txt")
    before = state(project)

    with pytest.raises(UsageError, match=r"staged changes \(obsolete\.txt\)"):
        update_project(project)
    assert state(project) == before


def test_a_conflicted_update_can_be_aborted_and_committed_like_a_git_merge(project, templates) -> None:
    edit_line(project / "notes.txt", 10, "user line 10")
    (project / "scratch.txt").write_text("untracked\n")
    commit(project)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 10, "template line 10"))
    before = state(project)

    assert update_project(project).status == CONFLICTS
    assert "You have unmerged paths" in git(project, "status")
    git(project, "merge", "--abort")
    assert state(project) == before

    assert update_project(project).status == CONFLICTS
    (project / "notes.txt").write_text((project / "notes.txt").read_text().replace("<<<<<<<", "resolved <"))
    git(project, "add", "notes.txt")
    git(project, "commit", "--no-edit", "-q")
    assert len(git(project, "log", "-1", "--format=%P").split()) == 2  # a merge commit
    assert update_project(project).status == UP_TO_DATE


# --- the pristine render is verified before it is a merge base -------------------------------


def amend_first_commit(project: Path) -> None:
    edit_line(project / "notes.txt", 3, "user line 3, amended into the first commit")
    git(project, "commit", "-q", "-a", "--amend", "--no-edit")


def squash_into_first_commit(project: Path) -> None:
    edit_line(project / "notes.txt", 3, "user line 3, squashed into the first commit")
    commit(project, "my edit")
    editor = "sed -i -e '2s/^pick/fixup/'"
    subprocess.run(
        ["git", "-C", str(project), "-c", f"sequence.editor={editor}", "rebase", "-q", "-i", "--root"],
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize("rewrite", [amend_first_commit, squash_into_first_commit])
def test_a_rewritten_first_commit_is_not_trusted_as_the_merge_base(project, templates, rewrite) -> None:
    rewrite(project)
    assert git(project, "rev-list", "--count", "HEAD") == "1"

    result = update_project(project, data=["description=A new description."])

    assert result.status == UPDATED
    assert "first commit" in (project / "notes.txt").read_text()  # the user's line was not reverted
    assert "A new description." in (project / "README.md").read_text()


def test_a_rewritten_first_commit_is_rendered_again_in_a_clone_without_its_original(
    project, templates, tmp_path
) -> None:
    amend_first_commit(project)
    clone = tmp_path / "clone"  # a real clone: only reachable objects, not the original render's tree
    subprocess.run(["git", "clone", "-q", "--no-local", str(project), str(clone)], check=True)
    original = lineage.last_render(lineage.open_repo(clone)).pristine_tree
    assert not lineage.has_object(lineage.open_repo(clone), original)

    result = update_project(clone, data=["description=A new description."])

    assert result.status == UPDATED
    assert "amended into the first commit" in (clone / "notes.txt").read_text()


def test_a_rewritten_first_commit_whose_version_is_gone_stops_with_a_remedy(
    project, templates, tmp_path
) -> None:
    amend_first_commit(project)
    clone = tmp_path / "clone"  # a real clone: only reachable objects, not the original render's tree
    subprocess.run(["git", "clone", "-q", "--no-local", str(project), str(clone)], check=True)
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    before = state(clone)

    with pytest.raises(UsageError, match=r"was rewritten.*no longer ships version 1\.0\.0.*git reflog"):
        update_project(clone)
    assert state(clone) == before


def test_diff_after_an_amended_first_commit_shows_the_amended_edit(project, templates) -> None:
    amend_first_commit(project)
    assert "+user line 3, amended into the first commit" in update.diff_project(project)


def test_a_render_made_before_trees_were_recorded_is_still_a_base(project, templates) -> None:
    message = git(project, "log", "-1", "--format=%B")
    legacy = "\n".join(line for line in message.splitlines() if not line.startswith("Mlscaffold-Tree:"))
    git(project, "commit", "-q", "--amend", "-m", legacy)
    assert lineage.last_render(lineage.open_repo(project)).recorded_tree is None
    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))

    assert update_project(project).status == UPDATED
    assert "template line 30" in (project / "notes.txt").read_text()


# --- every git step checked; a failure restores everything -----------------------------------


def test_a_failing_git_step_names_gits_reason_and_restores_everything(
    project, templates, monkeypatch
) -> None:
    from mlscaffold.errors import GitError

    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    (project / "scratch.txt").write_text("untracked\n")
    edit_line(project / "obsolete.txt", 1, "staged")
    git(project, "add", "obsolete.txt")
    before = state(project)
    real_run = lineage.Repo.run

    def fail_the_branch_move(self, *args, **kwargs):
        if args[:1] == ("update-ref",) and "HEAD" in args:
            return real_run(self, *args[:-1], args[-2], **kwargs)  # a wrong "old" value: git refuses
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(lineage.Repo, "run", fail_the_branch_move)
    with pytest.raises(GitError, match=r"git update-ref failed: \S+"):
        update_project(project)
    assert state(project) == before
    assert git(project, "diff", "--cached", "--name-only") == "obsolete.txt"


def test_an_interrupt_before_the_commit_restores_everything_and_says_so(
    project, templates, monkeypatch
) -> None:
    from mlscaffold.errors import Interrupted

    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    before = state(project)
    real_run = lineage.Repo.run

    def interrupt_after_the_work_tree_moved(self, *args, **kwargs):
        done = real_run(self, *args, **kwargs)
        if args[:1] == ("read-tree",) and "-u" in args:
            raise KeyboardInterrupt
        return done

    monkeypatch.setattr(lineage.Repo, "run", interrupt_after_the_work_tree_moved)
    with pytest.raises(Interrupted, match="interrupted: nothing was changed") as interrupted:
        update_project(project)
    assert interrupted.value.exit_code == 130
    assert state(project) == before
    assert not list((project / ".git").glob("mlscaffold-*"))


def test_an_interrupt_after_the_commit_keeps_it_and_says_so(project, templates, monkeypatch) -> None:
    from mlscaffold.errors import Interrupted

    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    real_apply = lineage.apply_merge

    def interrupt_after(*args, **kwargs):
        real_apply(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(lineage, "apply_merge", interrupt_after)
    with pytest.raises(Interrupted, match=r"interrupted after the update was committed as [0-9a-f]{8}"):
        update_project(project)
    assert "template line 30" in (project / "notes.txt").read_text()
    assert git(project, "status", "--porcelain") == ""


# --- one run at a time --------------------------------------------------------------------


def test_a_second_update_while_one_runs_refuses_with_one_line(project, templates) -> None:
    from mlscaffold import guard

    templates.release("2.0.0", lambda t: edit_line(t.file("notes.txt"), 30, "template line 30"))
    before = state(project)
    with (
        guard.locked(project / ".git", "held by the test"),
        pytest.raises(UsageError, match="another mlscaffold"),
    ):
        update_project(project)
    assert state(project) == before


def test_concurrent_updates_from_the_cli_never_crash(cli, tmp_path: Path, git_env) -> None:
    dest = tmp_path / "p"
    assert cli("new", "tabular", dest, "--defaults").code == 0
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlscaffold",
                "update",
                str(dest),
                "--defaults",
                "-d",
                f"description=Run {i}.",
            ],
            env=git_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    outcomes = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
    for code, stderr in outcomes:
        assert "Traceback" not in stderr
        assert code in (0, 2), stderr
        assert code == 0 or "another mlscaffold run is working on" in stderr
    assert any(code == 0 for code, _ in outcomes)
    assert (
        subprocess.run(["git", "-C", str(dest), "fsck", "--no-dangling"], capture_output=True).returncode == 0
    )
    assert git(dest, "status", "--porcelain") == ""


# --- new questions ------------------------------------------------------------------------


def add_required_question(t: Templates) -> None:
    spec = t.file("copier.yml")
    spec.write_text(spec.read_text() + "\nteam_name:\n  type: str\n  help: Team that owns it\n")


def test_a_new_required_question_without_a_terminal_is_refused_naming_d(project, templates) -> None:
    templates.release("2.0.0", add_required_question)
    before = state(project)
    with pytest.raises(UsageError, match=r"'team_name'.*no default.*pass -d team_name=VALUE"):
        update_project(project, use_defaults=True)
    assert state(project) == before
    result = update_project(project, data=["team_name=Ops"], use_defaults=True)
    assert result.status == UPDATED and result.new_questions == ["team_name"]
    assert "team_name: Ops" in (project / ".mlscaffold-answers.yml").read_text()


def test_a_new_required_question_is_asked_on_a_terminal(project, templates, git_env) -> None:
    import os
    import pty
    import select

    templates.release("2.0.0", add_required_question)
    runner = (
        "import sys; from mlscaffold import catalog, scaffold, update; from pathlib import Path\n"
        f"catalog.templates_root = lambda: Path({str(templates.root)!r})\n"
        "scaffold.template_version = update.template_version = lambda _: '2.0.0'\n"
        "from mlscaffold.cli import main; sys.argv = ['mlscaffold', 'update', sys.argv[1]]; main()\n"
    )
    pid, fd = pty.fork()
    if pid == 0:  # the child: mlscaffold on a terminal
        os.execve(sys.executable, [sys.executable, "-c", runner, str(project)], {**git_env, "TERM": "dumb"})
    seen = b""
    while b"team_name" not in seen:
        assert select.select([fd], [], [], 60)[0], seen
        seen += os.read(fd, 1024)
    os.write(fd, b"Platform\r")
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 1024):
            seen += chunk
    assert os.waitpid(pid, 0)[1] == 0, seen.decode(errors="replace")
    assert b"Team that owns it" in seen
    assert "team_name: Platform" in (project / ".mlscaffold-answers.yml").read_text()
