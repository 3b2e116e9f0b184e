"""A trusted update runs a copier template's `_migrations` for the versions it crosses, as
`copier update` would: "before" ones on the user's tree, "after" ones on the merged result,
all inside the update's one transaction; untrusted ones are skipped and said so."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlscaffold.render_copier import copier_migrations

from .conftest import git
from .test_third_party import edit_line, make_repo, release
from .test_update_third_party import ANSWERS_TEMPLATE, copier_files, new

# Every git command here, the tests' own included, uses the test identity.
pytestmark = pytest.mark.usefixtures("env")

AFTER = (
    'echo "$STAGE $VERSION_FROM $VERSION_TO $VERSION_PEP440_TO {{ project_name }} $(basename $PWD)"'
    " > migrated.txt"
)


def set_migrations(repo: Path, migrations: list) -> None:
    spec = yaml.safe_load((repo / "copier.yml").read_text())
    (repo / "copier.yml").write_text(yaml.safe_dump({**spec, "_migrations": migrations}))


@pytest.fixture
def project(cli, tmp_path: Path) -> tuple[Path, Path]:
    """A copier template at v1.0.0, a trusted project made from it with a committed user edit,
    and the template's v2.0.0 that moves notes.txt to NOTES.md, with migrations that carry the
    user's file along ("before") and write a file ("after")."""
    template = make_repo(
        tmp_path / "tpl", {**copier_files(), "{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE}
    )
    dest = tmp_path / "proj"
    new(cli, template, dest, "--trust", "-d", "project_name=Mig")
    edit_line(dest / "notes.txt", 3, "user line 3")
    git(dest, "commit", "-q", "-am", "my work")
    git(template, "mv", "notes.txt", "NOTES.md")
    edit_line(template / "NOTES.md", 25, "template line 25")
    set_migrations(
        template,
        [
            {"version": "v0.9.0", "command": "touch too-old.txt", "when": "{{ True }}"},
            {"version": "v2.0.0", "command": "git mv notes.txt NOTES.md", "when": "{{ _stage == 'before' }}"},
            {"version": "v2.0.0", "command": AFTER},
            {"version": "v3.0.0", "command": "touch too-new.txt"},
        ],
    )
    release(template, "v2.0.0")
    return template, dest


def test_a_trusted_update_runs_the_migrations_in_one_commit(cli, project):
    _, dest = project
    head = git(dest, "rev-parse", "HEAD")
    result = cli("update", dest, "--defaults", "--trust")
    assert result.code == 0, result.stderr
    notes = (dest / "NOTES.md").read_text()
    assert "user line 3" in notes and "template line 25" in notes  # moved by "before", then merged
    assert not (dest / "notes.txt").exists()
    assert (dest / "migrated.txt").read_text() == "after v1.0.0 v2.0.0 2.0.0 Mig proj\n"
    assert not (dest / "too-old.txt").exists() and not (dest / "too-new.txt").exists()
    assert git(dest, "rev-parse", "HEAD^1") == head  # one merge commit on the user's branch
    assert git(dest, "rev-list", "--count", f"{head}..HEAD", "--first-parent") == "1"
    assert "migrated.txt" in git(dest, "ls-files")
    assert git(dest, "status", "--porcelain") == ""


def test_an_untrusted_update_skips_the_migrations_and_says_so(cli, project, tmp_path):
    template, _ = project
    dest = tmp_path / "untrusted"
    git(template, "checkout", "-q", "v1.0.0")
    new(cli, template, dest, "--vcs-ref", "v1.0.0")
    git(template, "checkout", "-q", "main")
    result = cli("update", dest, "--defaults")
    assert result.code == 0, result.stderr
    assert "skipped copier migrations" in result.stdout
    assert not (dest / "migrated.txt").exists()
    assert git(dest, "status", "--porcelain") == ""


def state(dest: Path) -> tuple:
    files = {
        p.relative_to(dest): p.read_bytes()
        for p in sorted(dest.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }
    return (
        git(dest, "rev-parse", "HEAD"),
        (dest / ".git" / "index").read_bytes(),
        files,
        git(dest, "for-each-ref"),
    )


@pytest.mark.parametrize("stage", ["before", "after"])
def test_a_failing_migration_stops_the_update_and_changes_nothing(cli, project, stage):
    template, dest = project
    set_migrations(
        template,
        [
            {
                "version": "v2.1.0",
                "command": "touch half-done.txt && exit 3",
                "when": f"{{{{ _stage == '{stage}' }}}}",
            }
        ],
    )
    edit_line(template / "NOTES.md", 26, "template line 26")
    release(template, "v2.1.0")
    (dest / "untracked.txt").write_text("mine\n")
    before = state(dest)
    result = cli("update", dest, "--defaults", "--trust", "--vcs-ref", "v2.1.0")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "touch half-done.txt && exit 3" in result.stderr
    assert state(dest) == before


def test_migrations_are_chosen_as_copier_chooses_them(tmp_path):
    (tmp_path / "copier.yml").write_text(
        yaml.safe_dump(
            {
                "_migrations": [
                    {"version": "v1.0.0", "before": ["echo old"], "after": ["echo old-after"]},
                    {"version": "v1.5.0", "before": ["echo b1", "echo b2"], "after": ["echo a1"]},
                    {"command": "echo every-update"},
                    "echo plain",
                ]
            }
        )
    )
    before = copier_migrations(tmp_path, "v1.0.0", "v2.0.0", "before")
    assert [m.command for m in before] == ["echo b1", "echo b2", "echo every-update", "echo plain"]
    assert before[0].variables["version_current"] == "v1.5.0" and before[0].variables["stage"] == "before"
    after = copier_migrations(tmp_path, "v1.0.0", "v2.0.0", "after")
    assert [m.command for m in after] == ["echo a1", "echo every-update", "echo plain"]
    assert (
        copier_migrations(tmp_path, "main@abc123", "v2.0.0", "after") == []
    )  # not a version: none, as copier
