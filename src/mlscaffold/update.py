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
from .answers import Ask, parse_data, read_record
from .catalog import find_template, template_version
from .errors import UsageError
from .scaffold import fallback_identity, render_project
from .sources import BUILTIN, newest_version, source_of

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
    skipped: list[str] = field(default_factory=list)
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


def check_project(path: Path) -> CheckResult:
    """Compare the recorded template version with the newest one.

    Built-in templates: no git, no rendering. Git templates: one `git ls-remote`.
    """
    record = read_record(path)
    if record.source == BUILTIN:
        return CheckResult(record.template, record.version, template_version(find_template(record.template)))
    source = source_of(record.source, record.template, None, record.directory)
    return CheckResult(record.template, record.version, newest_version(source))


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
    vcs_ref: str | None = None,
    trust: bool = False,
) -> UpdateResult:
    """Bring the template's changes (and answer changes) into the project; see the module docstring."""
    path = path.absolute()
    repo = lineage.open_repo(path)
    if lineage.merge_in_progress(repo):
        raise UsageError(
            "a merge is in progress", "resolve it and `git commit` (or `git merge --abort`) first"
        )
    record = read_record(path)
    if record.trust and not trust:
        raise UsageError(
            f"{path.name} was generated with --trust: its template's hooks, tasks or extensions ran, "
            "and an untrusted update would skip them and undo their work",
            "run `mlscaffold update --trust` if you still trust the template",
        )
    source = source_of(record.source, record.template, vcs_ref, record.directory)
    base = lineage.last_render(repo)
    overrides = parse_data(data)
    store = lineage.scratch_objects(repo) if dry_run else contextlib.nullcontext()

    with store:
        with tempfile.TemporaryDirectory(prefix="mlscaffold-render-") as scratch:
            stage = Path(scratch) / "project"
            rendered = render_project(
                source, overrides, stage, use_defaults=use_defaults, ask=ask, trust=trust, previous=record
            )
            tree = lineage.snapshot(repo, stage)
        new = rendered.record
        result = UpdateResult(
            status=UP_TO_DATE,
            template=new.template,
            from_version=record.version,
            to_version=new.version,
            changed_answers={
                name: [record.answers[name], value]
                for name, value in new.answers.items()
                if name in record.answers and record.answers[name] != value
            },
            new_questions=[name for name in new.answers if name not in record.answers],
            skipped=rendered.skipped,
        )
        who = lineage.configured_identity(repo) or fallback_identity(new.answers)
        name = new.answers.get("project_name", path.name)
        summary = f"Update {name} to the {new.template} template {new.version}"
        if tree == lineage.tree_of(repo, base):
            return result
        message = lineage.render_message(summary, new.template, new.version)
        render_commit = lineage.commit_tree(repo, tree, base, message, who)
        preview = lineage.preview_merge(repo, render_commit)
        head_tree = lineage.tree_of(repo, "HEAD")
        result.changes = lineage.changes(repo, head_tree, preview.tree)
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
            result.diff = lineage.patch(repo, head_tree, preview.tree)
            return result

    return _merge(repo, render_commit, result, summary, who)


def _merge(
    repo: Any, render_commit: str, result: UpdateResult, message: str, who: lineage.Identity
) -> UpdateResult:
    """Merge the render into the branch; settle the deletes; commit unless real conflicts remain.

    Any failure aborts the merge, leaving branch, index and working tree as they were.
    """
    try:
        for path in lineage.merge(repo, render_commit, message, who):
            if path in result.kept or path in result.kept_deleted:
                lineage.keep_user_side(repo, path)
        result.conflicts = lineage.unmerged(repo)
        if result.conflicts:
            result.status = CONFLICTS
            return result
        result.commit = lineage.commit_merge(repo, message, who)
    except BaseException:
        lineage.abort_merge(repo)
        raise
    result.status = UPDATED
    return result
