"""The `update`, `check` and `diff` flows.

update: read the answers file -> find the last pristine render in the project's history
  -> render the template shipped now (same answers + changes) -> commit it on top of the
  last render -> merge that commit into the user's branch -> report.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import lineage
from .answers import (
    AnswersRecord,
    Ask,
    load_questions,
    parse_data,
    read_record,
    recorded_answers,
    resolve,
    write_record,
)
from .catalog import Template, find_template, template_version
from .errors import UsageError
from .render import copier_files, render_builtin

UP_TO_DATE, UPDATED, CONFLICTS, PLANNED = "up-to-date", "updated", "conflicts", "planned"


@dataclass
class UpdateResult:
    """What an update did, or (dry run) would do."""

    status: str
    template: str
    from_version: str
    to_version: str
    changed_answers: dict[str, list[Any]] = field(default_factory=dict)
    new_questions: list[str] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    commit: str | None = None
    diff: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CheckResult:
    template: str
    current: str
    latest: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.latest


def _builtin(record: AnswersRecord) -> Template:
    if record.source != "builtin":
        raise UsageError(
            f"this project comes from {record.source}, not a built-in template",
            "updating third-party templates is not supported yet",
        )
    return find_template(record.template)


def check_project(path: Path) -> CheckResult:
    """Compare the recorded template version with the one installed: no git, no rendering."""
    record = read_record(path)
    return CheckResult(record.template, record.version, template_version(_builtin(record)))


def diff_project(path: Path, stat: bool = False) -> str:
    """What the user changed relative to the pristine render their project is on."""
    repo = lineage.open_repo(path)
    return lineage.patch(repo, lineage.last_render(repo), stat=stat)


def _sort_conflicts(conflicts: dict[str, set[int]]) -> tuple[list[str], list[str], list[str]]:
    """Split conflicts into (real, template dropped but user changed, user deleted)."""
    real, kept, kept_deleted = [], [], []
    for path, sides in sorted(conflicts.items()):
        if 2 not in sides:
            kept_deleted.append(path)
        elif 3 not in sides:
            kept.append(path)
        else:
            real.append(path)
    return real, kept, kept_deleted


def update_project(
    path: Path,
    *,
    data: Sequence[str] = (),
    use_defaults: bool = False,
    ask: Ask | None = None,
    dry_run: bool = False,
) -> UpdateResult:
    """Bring the template's changes (and answer changes) into the project; see the module docstring."""
    path = path.absolute()
    repo = lineage.open_repo(path)
    if lineage.merge_in_progress(repo):
        raise UsageError(
            "a merge is in progress", "resolve it and `git commit` (or `git merge --abort`) first"
        )
    record = read_record(path)
    template = _builtin(record)
    base = lineage.last_render(repo)

    questions = load_questions(copier_files(template))
    known = {question.name for question in questions}
    overrides = parse_data(data)
    given = {name: value for name, value in record.answers.items() if name in known} | overrides
    values = resolve(questions, given, use_defaults=use_defaults, ask=ask)
    answers = recorded_answers(questions, values)
    version = template_version(template)
    result = UpdateResult(
        status=UP_TO_DATE,
        template=template.name,
        from_version=record.version,
        to_version=version,
        changed_answers={
            name: [record.answers.get(name), value]
            for name, value in answers.items()
            if name in record.answers and record.answers[name] != value
        },
        new_questions=[name for name in answers if name not in record.answers],
    )
    who = lineage.configured_identity(repo) or lineage.Identity(
        answers["author_name"], answers["author_email"]
    )
    summary = f"Update {answers['project_name']} to mlscaffold's {template.name} template {version}"
    store = lineage.scratch_objects(repo) if dry_run else contextlib.nullcontext()

    with store:
        with tempfile.TemporaryDirectory(prefix="mlscaffold-render-") as scratch:
            stage = Path(scratch) / "project"
            render_builtin(template, values, stage)
            write_record(stage, AnswersRecord(template.name, version, record.source, answers))
            tree = lineage.snapshot(repo, stage)
        if tree == lineage.tree_of(repo, base):
            return result
        message = lineage.render_message(summary, template.name, version)
        render_commit = lineage.commit_tree(repo, tree, base, message, who)
        preview = lineage.preview_merge(repo, render_commit)
        result.changes = lineage.changes(repo, lineage.tree_of(repo, "HEAD"), preview.tree)
        result.conflicts, result.kept, result.kept_deleted = _sort_conflicts(preview.conflicts)
        touched = {part for _, paths in result.changes for part in paths.split(" -> ")}
        blocked = sorted(lineage.dirty_paths(repo) & touched)
        if blocked:
            raise UsageError(
                f"uncommitted changes to files the update would write: {', '.join(blocked)}",
                "commit or stash them, then run the update again",
            )
        if dry_run:
            result.status = PLANNED
            result.diff = lineage.patch(repo, lineage.tree_of(repo, "HEAD"), preview.tree)
            return result

    try:
        unmerged = lineage.merge(repo, render_commit, summary, who)
        for path_ in unmerged:
            if path_ in result.kept or path_ in result.kept_deleted:
                lineage.keep_user_side(repo, path_)
        result.conflicts = lineage.unmerged(repo)
        if result.conflicts:
            result.status = CONFLICTS
            return result
        result.commit = lineage.commit_merge(repo, summary, who)
    except BaseException:
        lineage.abort_merge(repo)
        raise
    result.status = UPDATED
    return result
