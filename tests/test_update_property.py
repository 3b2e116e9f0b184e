"""Property: over random repository states (committed, dirty, staged, untracked and ignored work,
edits on both sides), an update either applies with every user line and every uncommitted file
kept, or refuses and touches nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mlscaffold.errors import UsageError
from mlscaffold.scaffold import new_project
from mlscaffold.update import CONFLICTS, UP_TO_DATE, UPDATED, update_project

from .conftest import git
from .test_update import commit, edit_line, install_templates, state

TEMPLATE_CHANGES = {
    "edit notes": lambda t, n: edit_line(t.file("notes.txt"), n, f"template edit {n}"),
    "edit obsolete": lambda t, n: t.file("obsolete.txt").write_text(f"template {n}\n"),
    "drop obsolete": lambda t, n: t.file("obsolete.txt").unlink(missing_ok=True),
    "add a file": lambda t, n: t.file("added.txt").write_text("template\n"),
    "add a folder": lambda t, n: (
        t.file("journal").mkdir(exist_ok=True),
        t.file("journal/guide.md").write_text("g\n"),
    ),
    "add a file where a folder was": lambda t, n: t.file("runs").write_text("template\n"),
}
USER_WORK = (
    "commit a notes line",
    "dirty notes line",
    "dirty obsolete",
    "stage obsolete",
    "stage a new file",
    "untracked added.txt",
    "untracked scratch",
    "ignored .env",
    "ignored folder at journal",
    "ignored runs folder",
    "delete obsolete",
)


def do(project: Path, work: str, line: int) -> str | None:
    """Apply one piece of user work; return the line it committed, if any."""
    if work == "commit a notes line":
        edit_line(project / "notes.txt", line, f"user edit {line}")
        commit(project)
        return f"user edit {line}"
    if work == "dirty notes line":
        edit_line(project / "notes.txt", line, f"dirty edit {line}")
    elif work in ("dirty obsolete", "stage obsolete") and (project / "obsolete.txt").exists():
        (project / "obsolete.txt").write_text(f"mine {line}\n")
        if work == "stage obsolete":
            git(project, "add", "obsolete.txt")
    elif work == "stage a new file":
        (project / "staged.txt").write_text("staged\n")
        git(project, "add", "staged.txt")
    elif work == "untracked added.txt":
        (project / "added.txt").write_text("mine, untracked\n")
    elif work == "untracked scratch":
        (project / "scratch.txt").write_text("scratch\n")
    elif work == "ignored .env":
        (project / ".env").write_text("SECRET=1\n")
    elif work == "ignored folder at journal":
        (project / ".gitignore").write_text((project / ".gitignore").read_text() + "journal/\n")
        commit(project, "ignore journal")
        (project / "journal").mkdir(exist_ok=True)
        (project / "journal" / "guide.md").write_text("my private guide\n")
    elif work == "ignored runs folder":
        (project / "runs").mkdir(exist_ok=True)
        (project / "runs" / "metrics.json").write_text("{}\n")
    elif work == "delete obsolete" and (project / "obsolete.txt").exists():
        git(project, "rm", "-q", "-f", "obsolete.txt")
        commit(project, "delete obsolete")
    return None


def uncommitted(project: Path) -> dict[str, bytes]:
    """Every file whose content is not what HEAD holds: dirty, staged, untracked or ignored."""
    listed = git(project, "status", "--porcelain=v1", "--untracked-files=all", "--ignored=traditional")
    paths = {line[3:] for line in listed.splitlines() if line[:2] != " D"}
    return {path: (project / path).read_bytes() for path in paths if (project / path).is_file()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    template=st.lists(st.sampled_from(sorted(TEMPLATE_CHANGES)), min_size=1, max_size=4, unique=True),
    user=st.lists(
        st.tuples(st.sampled_from(USER_WORK), st.sampled_from([3, 29, 30, 31, 38])), min_size=1, max_size=5
    ),
    flavour=st.booleans(),
    clash=st.booleans(),
)
def test_an_update_keeps_every_user_line_and_file_or_touches_nothing(
    tmp_path_factory, monkeypatch, git_env, template, user, flavour, clash
) -> None:
    monkeypatch.setenv("HOME", git_env["HOME"])
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    work = tmp_path_factory.mktemp("prop")
    templates = install_templates(work / "templates", monkeypatch)
    project = new_project("mini", work / "project", use_defaults=True).path
    work_done = [("commit a notes line", 30)] if clash else []  # against the template's line 30
    committed = [line for action, n in [*work_done, *user] if (line := do(project, action, n))]
    for change in template:
        TEMPLATE_CHANGES[change](templates, 30)
    templates.version = "2.0.0"
    before, mine = state(project), uncommitted(project)
    committed = [line for line in committed if line in (project / "notes.txt").read_text()]  # not overwritten
    staged = git(project, "diff", "--cached", "--name-only")

    try:
        result = update_project(project, data=["flavour=fancy"] if flavour else [])
    except UsageError as refusal:
        event("refused")
        assert "not committed" in str(refusal) or "staged changes" in str(refusal), refusal
        assert state(project) == before
        return

    event(result.status)
    assert result.status in (UPDATED, CONFLICTS, UP_TO_DATE)
    for path, content in mine.items():
        assert (project / path).read_bytes() == content, path
    notes = (project / "notes.txt").read_text() if (project / "notes.txt").exists() else ""
    for line in committed:
        assert line in notes, line
    if result.status == UPDATED:
        assert git(project, "diff", "--cached", "--name-only") == staged
