"""The `update`, `check` and `diff` flows.

update: read the answers file -> find the last pristine render in the project's history and
  verify it (its tree is the one recorded at render time; a rewritten one is rendered again
  or refused) -> render the template version to update to (same answers + changes) -> commit
  it on top of the last render -> run a trusted copier template's "before" migrations on a
  scratch copy of HEAD's tree, the user's side of the merge -> preview the merge in the
  object store, and run "after" migrations on a copy of its tree -> refuse, touching nothing,
  when the merge would write over or delete anything not committed -> apply it as one
  transaction (a failure or interrupt restores branch, index, work tree and refs) -> run a
  trusted copier template's tasks -> report.

One update at a time per project (a lock on its git folder); every scratch file lives in one
staging folder in the git folder, which the next run removes when a SIGKILL left it behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import guard, lineage
from .answers import ANSWERS_FILE, AnswersRecord, Ask, parse_data, parse_yaml, read_record
from .catalog import find_template, template_version
from .errors import Interrupted, TemplateError, UsageError
from .render_copier import copier_answers_file, copier_migrations, run_copier_migrations, run_copier_tasks
from .scaffold import fallback_identity, has_tasks, render_project, template_files
from .sources import BUILTIN, COPIER, GIT, PATH, Checkout, Source, newest_version, source_of

UP_TO_DATE, UPDATED, CONFLICTS, PLANNED = "up-to-date", "updated", "conflicts", "planned"
STAGING_PREFIX = "mlscaffold-"
Migrate = Callable[[str, str], str]  # (stage, tree) -> the tree after that stage's migrations


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
    """Compare the recorded template version with the newest one an update could apply.

    Built-in templates: no git, no rendering. Git templates: one `git ls-remote`, and a shallow
    fetch of trees when newer releases exist, to skip those in another template format.
    """
    record = read_record(path)
    if record.source == BUILTIN:
        return CheckResult(record.template, record.version, template_version(find_template(record.template)))
    source = source_of(record.source, record.template, None, record.directory, record.version)
    return CheckResult(record.template, record.version, newest_version(source, record.format, record.version))


def diff_project(path: Path, stat: bool = False) -> str:
    """What the user changed relative to the pristine render their project is on."""
    repo = lineage.open_repo(path)
    base = lineage.last_render(repo)
    if base.rewritten and not lineage.has_object(repo, base.pristine_tree):
        raise _rewritten(base, "its original tree is no longer in this repository")
    return lineage.patch(repo, base.pristine_tree if base.rewritten else base.sha, stat=stat)


def _rewritten(base: lineage.Render, why: str) -> UsageError:
    return UsageError(
        f"the pristine render {base.sha[:8]} ({base.template} {base.version}) was rewritten, by an amend or "
        f"a squash into it, so it holds your edits, and {why}",
        "put the original commit back (`git reflog` finds it), then run this again",
    )


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


@dataclass
class Progress:
    """How far an update got, for the message of an interrupt: its transaction, once begun."""

    state: lineage.Transaction | None = None


def _interrupted(progress: Progress) -> Interrupted:
    state = progress.state
    if state is not None and state.committed:
        return Interrupted(
            f"interrupted after the update was committed as {state.committed[:8]}",
            "the update is complete; a trusted template's tasks may not have run",
        )
    if state is not None and state.conflicted:
        return Interrupted(
            "interrupted after the update stopped on conflicts",
            "resolve them, `git add` the files and `git commit` (or `git merge --abort`)",
        )
    return Interrupted("interrupted: nothing was changed", "run the update again")


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
    repo = lineage.open_repo(path.absolute())
    overrides = parse_data(data)
    progress = Progress()
    with guard.interrupts_as_keyboard_interrupt():
        try:
            with guard.locked(repo.git_dir, str(repo.work_tree)):
                for stale in guard.stale_folders(repo.git_dir, STAGING_PREFIX):
                    lineage.recover(repo, stale)
                    guard.remove_folder(stale)
                with guard.staging_folder(repo.git_dir, STAGING_PREFIX, str(repo.work_tree)) as scratch:
                    request = Request(overrides, use_defaults, ask, dry_run, vcs_ref, trust)
                    return _update(repo, scratch, request, progress)
        except KeyboardInterrupt as error:
            raise _interrupted(progress) from error


@dataclass(frozen=True)
class Request:
    """What the user asked of an update."""

    overrides: dict[str, str]
    use_defaults: bool
    ask: Ask | None
    dry_run: bool
    vcs_ref: str | None
    trust: bool


def _read_ready(repo: lineage.Repo, trust: bool) -> AnswersRecord:
    """The answers file, once the repository is not in the middle of a git operation, and the
    trust an update of this project needs."""
    busy = lineage.operation_in_progress(repo)
    if busy:
        raise UsageError(
            f"{busy} is in progress", "finish it (`git commit`) or abort it (`git merge --abort`) first"
        )
    record = read_record(repo.work_tree)
    if record.trust and not trust:
        raise UsageError(
            f"{repo.work_tree.name} was generated with --trust: its template's hooks, tasks or extensions "
            "ran, and an untrusted update would skip them and undo their work",
            "run `mlscaffold update --trust` if you still trust the template",
        )
    return record


def _update(repo: lineage.Repo, scratch: Path, request: Request, progress: Progress) -> UpdateResult:
    record = _read_ready(repo, request.trust)
    base = lineage.last_render(repo)
    if request.dry_run:
        repo = lineage.with_scratch_objects(repo, scratch / "objects")
    pristine = _pristine_tree(repo, base, scratch, request.trust)
    source = source_of(record.source, record.template, request.vcs_ref, record.directory, record.version)
    with template_files(source, fmt=record.format, current=record.version) as files:
        stage = scratch / "render"
        rendered = render_project(
            source, files, request.overrides, stage,
            use_defaults=request.use_defaults, ask=request.ask, trust=request.trust, previous=record,
        )  # fmt: skip
        tree = lineage.snapshot(repo, stage, index=scratch / "index.render")
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
        if tree == pristine:
            return result
        who = lineage.configured_identity(repo) or fallback_identity(new.answers)
        name = new.answers.get("project_name", repo.work_tree.name)
        summary = f"Update {name} to the {new.template} template {new.version}"
        render_commit = lineage.commit_tree(
            repo, tree, [base.sha], lineage.render_message(summary, new.template, new.version, tree), who
        )
        plan = Plan(
            base=base,
            pristine=pristine,
            render_commit=render_commit,
            tree=tree,
            summary=summary,
            who=who,
            bookkeeping=copier_answers_file(files.path) if files and files.format == COPIER else None,
            migrate=_migrations(repo, scratch, files, record, new, request.trust),
        )
        _merge(repo, scratch, plan, result, request, progress)
        if result.status == UPDATED and files is not None and has_tasks(files, trust=request.trust):
            try:
                run_copier_tasks(files.path, repo.work_tree, new.answers)
            except TemplateError as error:
                committed = f"the update was committed as {str(result.commit)[:8]}"
                raise TemplateError(f"{committed}, but {error.message}", error.remedy) from error
    return result


def _migrations(
    repo: lineage.Repo,
    scratch: Path,
    files: Checkout | None,
    old: AnswersRecord,
    new: AnswersRecord,
    trust: bool,
) -> Migrate | None:
    """A trusted copier template's migrations from the recorded version to the new one, as a step
    that turns a tree into its migrated tree. Where `copier update` runs them on the project
    itself (before rendering, and after), an update runs them on a scratch copy of a tree, so
    that their work joins the one transaction (or a failure leaves the project untouched)."""
    if not trust or files is None or files.format != COPIER:
        return None
    template = files.path

    def migrate(stage: str, tree: str) -> str:
        pending = copier_migrations(template, old.version, new.version, stage)
        if not pending:
            return tree
        folder = scratch / f"migrate-{stage}" / repo.work_tree.name
        return lineage.rewrite_tree(
            repo, tree, folder, lambda at, env: run_copier_migrations(template, at, new.answers, pending, env)
        )

    return migrate


@dataclass(frozen=True)
class Plan:
    """What an update merges: the last render (and its verified tree), the new render (commit and
    tree), how the result is named and signed, and copier's answers file (`bookkeeping`, whose
    `_commit` both sides change when the user ran `copier update` in between), and a trusted
    copier template's migrations (`migrate`: "before" on the user's tree, "after" on the merge)."""

    base: lineage.Render
    pristine: str
    render_commit: str
    tree: str
    summary: str
    who: lineage.Identity
    bookkeeping: str | None
    migrate: Migrate | None = None


def _merge(
    repo: lineage.Repo, scratch: Path, plan: Plan, result: UpdateResult, request: Request, progress: Progress
) -> None:
    """Preview the merge, refuse what would lose uncommitted work, then apply it as a transaction."""
    head = lineage.head(repo)
    head_tree = lineage.tree_of(repo, head)
    ours_tree = plan.migrate("before", head_tree) if plan.migrate else head_tree
    if plan.base.rewritten:  # merge against the verified render, not the commit that holds edits
        root = lineage.commit_tree(repo, plan.pristine, [], "pristine render", plan.who)
        ours = lineage.commit_tree(repo, ours_tree, [root], "your branch", plan.who)
        theirs = lineage.commit_tree(repo, plan.tree, [root], "new render", plan.who)
    else:
        ours = (
            head
            if ours_tree == head_tree
            else lineage.commit_tree(repo, ours_tree, [head], "migrated", plan.who)
        )
        theirs = plan.render_commit
    preview = lineage.preview_merge(repo, ours, theirs)
    result.conflicts, result.kept, result.kept_deleted = _sort_conflicts(preview.conflicts)
    settled = _settle_copier_answers(repo, preview, result.conflicts, plan.bookkeeping)
    result.conflicts = [path for path in result.conflicts if path not in settled]
    final = lineage.edit_tree(
        repo, preview.tree, scratch / "index.final", remove=result.kept_deleted, put=settled
    )
    if plan.migrate:
        final = plan.migrate("after", final)
    result.changes = lineage.changes(repo, head_tree, final)
    paths = lineage.touched(repo, head_tree, final)
    blocked = lineage.uncommitted(repo, paths)
    if blocked:
        raise UsageError(
            f"the update would write over or delete what is not committed: {', '.join(blocked)}",
            "commit, stash or move them, then run the update again",
        )
    if result.conflicts and lineage.staged(repo):
        raise UsageError(
            f"the update stops on conflicts, and the merge commit would take in your staged changes "
            f"({', '.join(lineage.staged(repo))})",
            "commit them or unstage them (`git restore --staged PATH`), then run the update again",
        )
    if request.dry_run:
        result.status = PLANNED
        result.diff = lineage.patch(repo, head_tree, final)
        return
    with lineage.transaction(repo, scratch, paths) as state:
        progress.state = state
        if result.conflicts:
            stages = {path: preview.stages[path] for path in result.conflicts}
            lineage.apply_conflicts(state, final, stages, plan.render_commit, plan.summary)
            result.status = CONFLICTS
            return
        merge = lineage.commit_tree(repo, final, [head, plan.render_commit], plan.summary, plan.who)
        lineage.apply_merge(state, merge, plan.summary)
        result.status, result.commit = UPDATED, merge


COPIER_BOOKKEEPING = ("_commit", "_src_path")


def _copier_answers(repo: lineage.Repo, oid: str) -> dict[str, Any] | None:
    """A version of copier's answers file, without copier's bookkeeping keys; None if unreadable."""
    try:
        data = parse_yaml(lineage.read_object(repo, oid).decode("utf-8"), "the copier answers file")
    except (UsageError, UnicodeDecodeError):
        return None
    return {k: v for k, v in data.items() if k not in COPIER_BOOKKEEPING} if isinstance(data, dict) else None


def _settle_copier_answers(
    repo: lineage.Repo, preview: lineage.MergePreview, conflicts: list[str], path: str | None
) -> dict[str, tuple[str, str]]:
    """The new render's copier answers file, where the user's differs from the last render's only
    in copier's bookkeeping: `copier update` ran in between and moved `_commit`, as this
    update moves it again. Any other change of the user's stays a conflict."""
    if path is None or path not in conflicts:
        return {}
    entries = {stage: (mode, oid) for mode, oid, stage in preview.stages[path]}
    if set(entries) != {1, 2, 3}:
        return {}
    base, ours = (_copier_answers(repo, entries[stage][1]) for stage in (1, 2))
    return {path: entries[3]} if base is not None and base == ours else {}


def _pristine_tree(repo: lineage.Repo, base: lineage.Render, scratch: Path, trust: bool) -> str:
    """The tree of the last render, verified: the commit's own, or, when the commit was rewritten,
    the recorded tree (still in the object store, or rendered again from the recorded version
    and answers and found identical); else a one-line refusal."""
    if not base.rewritten or lineage.has_object(repo, f"{base.pristine_tree}^{{tree}}"):
        return base.pristine_tree
    text = lineage.read_blob(repo, base.sha, ANSWERS_FILE)
    if text is None:
        raise _rewritten(base, f"it has no {ANSWERS_FILE} to render it again from")
    folder = scratch / "base"
    folder.mkdir()
    (folder / ANSWERS_FILE).write_bytes(text)
    record = read_record(folder)
    source = _source_of_version(record, base)
    with template_files(source, fmt=record.format) as files:
        stage = scratch / "base-render"
        render_project(source, files, {}, stage, use_defaults=True, trust=trust, previous=record)
        tree = lineage.snapshot(repo, stage, index=scratch / "index.base")
    if tree != base.pristine_tree:
        raise _rewritten(base, f"rendering {record.template} {record.version} again gives another result")
    return tree


def _source_of_version(record: AnswersRecord, base: lineage.Render) -> Source:
    """Where to render the recorded version again: the built-in template if this mlscaffold ships
    that version, the recorded tag or commit of a git template, or the local folder."""
    if record.source == BUILTIN:
        if template_version(find_template(record.template)) != record.version:
            raise _rewritten(
                base, f"this mlscaffold no longer ships version {record.version} to render it again"
            )
        return Source(BUILTIN, record.template)
    source = source_of(record.source, record.template, None, record.directory)
    if source.kind == GIT:
        return Source(GIT, source.location, record.version, record.directory)
    if source.kind == PATH:
        return source
    raise _rewritten(base, f"{record.template} cannot be rendered at version {record.version} again")
