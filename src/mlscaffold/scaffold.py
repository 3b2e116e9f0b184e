"""The `new` flow: resolve the template, collect answers, render, verify, commit, place.

Everything up to the placement happens in a staging folder beside DEST, so an error, Ctrl-C,
SIGTERM or SIGHUP leaves nothing behind (and a SIGKILL leaves a folder the next `new` there
removes); the project appears at DEST in one rename, already committed. A trusted copier
template's tasks and the optional push run after that, in the finished project.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import guard, lineage
from .answers import (
    AnswersRecord,
    Ask,
    Question,
    load_questions,
    parse_data,
    read_answers_input,
    recorded_answers,
    resolve,
    write_record,
)
from .catalog import find_template, template_version
from .errors import DestinationNotEmpty, Interrupted, TemplateError, UsageError
from .render import TemplateQuestion, copier_files, render_builtin, template_questions
from .render_cookiecutter import render_cookiecutter
from .render_copier import record_copier_origin, render_copier, run_copier_tasks
from .sources import BUILTIN, COPIER, Checkout, Source, checkout, recorded_source, resolve_source

STAGING_PREFIX = ".mlscaffold-"


@dataclass(frozen=True)
class RenderedProject:
    """A pristine render in a folder: its answers file record, and what was skipped as unsafe."""

    record: AnswersRecord
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NewProject:
    """What `new` made."""

    path: Path
    record: AnswersRecord
    commit: lineage.Commit | None
    pushed: bool
    skipped: list[str]


@contextlib.contextmanager
def template_files(
    source: Source, *, fmt: str | None = None, current: str | None = None
) -> Iterator[Checkout | None]:
    """A third-party template's files at the version to render (see `sources.checkout`); None
    for a built-in one, which renders from the installed templates."""
    if source.kind == BUILTIN:
        yield None
        return
    with checkout(source, fmt=fmt, current=current) as files:
        yield files


def refuse_unanswerable(
    questions: Sequence[Question], given: Mapping[str, Any], *, on_terminal: bool
) -> None:
    """A question with no default needs an answer: from -d, or from the terminal when there is one."""
    for question in questions:
        unconditional = question.when is True  # a `when` condition may leave it unasked
        if question.name not in given and question.default is None and unconditional and not on_terminal:
            raise UsageError(
                f"the template asks {question.name!r}, which has no default",
                f"pass -d {question.name}=VALUE (or answer it on a terminal, without --defaults)",
            )


def ask_new_questions(
    questions: Sequence[TemplateQuestion], given: Mapping[str, Any], *, use_defaults: bool, ask: Ask | None
) -> dict[str, Any]:
    """Answers to a third-party template's questions that `given` (recorded answers and -d) lacks.

    On a terminal each is asked, unless its default is Jinja for the template to compute (a
    prompt could not show it); otherwise the template's default is used, and a question without
    one is refused, naming `-d`.
    """
    new = [item for item in questions if item.question.name not in given and not item.question.computed]
    if ask is None or use_defaults:
        refuse_unanswerable([item.question for item in new if item.required], given, on_terminal=False)
        return {}
    shown = [item.question for item in new if item.required or item.question.default is not None]
    return resolve(shown, {}, use_defaults=False, ask=ask)


def render_project(
    source: Source,
    files: Checkout | None,
    given: Mapping[str, Any],
    dest: Path,
    *,
    use_defaults: bool,
    ask: Ask | None = None,
    trust: bool = False,
    previous: AnswersRecord | None = None,
) -> RenderedProject:
    """Render the template (`files`, or the built-in `source`) into `dest`, with its answers file.

    `previous` (for an update) supplies the recorded answers; only questions new in this
    version are asked, and `given` overrides.
    """
    if files is None:
        template = find_template(source.location)
        questions = load_questions(copier_files(template))
        known = {question.name for question in questions}
        recorded = {k: v for k, v in (previous.answers if previous else {}).items() if k in known}
        answered = {**recorded, **given}
        refuse_unanswerable(questions, answered, on_terminal=ask is not None and not use_defaults)
        values = resolve(questions, answered, use_defaults=use_defaults, ask=ask)
        render_builtin(template, values, dest)
        record = AnswersRecord(
            template.name, template_version(template), BUILTIN, recorded_answers(questions, values)
        )
        write_record(dest, record)
        return RenderedProject(record)
    data = {**(previous.answers if previous else {}), **given}
    questions = template_questions(files.path, files.format)
    if previous is not None:  # an update asks only what is new; in `new` the template's tool prompts
        data.update(ask_new_questions(questions, data, use_defaults=use_defaults, ask=ask))
    elif use_defaults or ask is None:
        refuse_unanswerable([item.question for item in questions if item.required], data, on_terminal=False)
    render = render_copier if files.format == COPIER else render_cookiecutter
    rendered = render(files.path, dest, data, use_defaults=use_defaults or bool(previous), trust=trust)
    if files.format == COPIER:
        record_copier_origin(files.path, dest, files.origin, files.commit)
    record = AnswersRecord(
        source.name,
        files.version,
        recorded_source(source),
        rendered.answers,
        format=files.format,
        directory=source.directory,
        trust=trust,
    )
    write_record(dest, record)
    return RenderedProject(record, rendered.skipped)


def has_tasks(files: Checkout, *, trust: bool) -> bool:
    """Whether a copier template's tasks run: trusted only, in the committed project, after
    `new` and after an update's merge (see `render.run_copier_tasks`)."""
    return trust and files.format == COPIER


def check_destination(dest: Path) -> None:
    """DEST may be missing or an empty folder; anything else is refused untouched."""
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise DestinationNotEmpty(f"{dest} exists and is not a folder", "choose another destination")
    if dest.is_dir() and any(dest.iterdir()):
        raise DestinationNotEmpty(
            f"{dest} exists and is not empty", "choose a new folder, or empty this one first"
        )


def _nearest_existing(path: Path) -> Path:
    for candidate in [path, *path.parents]:
        if candidate.is_dir():
            return candidate
    raise UsageError(f"no existing folder above {path}", "pass a destination on a mounted disk")


@contextlib.contextmanager
def staging(dest: Path) -> Iterator[Path]:
    """A staging folder on DEST's file system, claimed for DEST, removed unless moved into place.

    Claiming happens under a short lock on the folder that will hold it, where stale staging
    folders are removed first: a second `new` to the same DEST refuses at once.
    """
    parent = _nearest_existing(dest.parent)
    with contextlib.ExitStack() as stack:
        with guard.waiting_lock(parent):
            guard.remove_stale(parent, STAGING_PREFIX)
            if str(dest) in guard.live_claims(parent, STAGING_PREFIX):
                raise UsageError(
                    f"another mlscaffold new is creating {dest}", "wait for it, or choose another folder"
                )
            check_destination(dest)
            holder = stack.enter_context(guard.staging_folder(parent, STAGING_PREFIX, str(dest)))
        yield holder / "project"


def place(stage: Path, dest: Path) -> None:
    """Move the finished render to DEST in one rename (which replaces an empty DEST folder)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with guard.waiting_lock(_nearest_existing(dest.parent)):
        check_destination(dest)
        try:
            os.replace(stage, dest)
        except OSError as error:
            raise DestinationNotEmpty(
                f"{dest} appeared while the project was made", "choose another folder"
            ) from error


def fallback_identity(answers: Mapping[str, Any]) -> lineage.Identity:
    """Who signs commits when git has no identity configured: the author answers, if any."""
    name = str(answers.get("author_name") or answers.get("full_name") or "mlscaffold user")
    email = str(answers.get("author_email") or answers.get("email") or "mlscaffold@localhost")
    return lineage.Identity(name, email)


def first_commit_summary(record: AnswersRecord) -> str:
    origin = "mlscaffold's" if record.source == BUILTIN else "the"
    name = record.answers.get("project_name", "the project")
    return f"Generate {name} from {origin} {record.template} template"


@dataclass
class Progress:
    """How far `new` got, for the message of an interrupt: placed at DEST, committed, and the
    step it was in after that, with what is left for the user to do."""

    placed: bool = False
    commit: str | None = None
    step: str = "finishing"
    left: str = "nothing else was left to do"


def _interrupted(dest: Path, progress: Progress) -> Interrupted:
    if not progress.placed:
        return Interrupted("interrupted: nothing was written", "run it again")
    committed = f" and committed as {progress.commit[:8]}" if progress.commit else ""
    return Interrupted(
        f"interrupted after {dest} was created{committed}, while {progress.step}",
        f"the project is complete; {progress.left}",
    )


@dataclass(frozen=True)
class Options:
    """How `new` answers, trusts, and sets up git."""

    use_defaults: bool
    ask: Ask | None
    trust: bool
    git: bool
    remote: str | None
    push: bool


def new_project(
    template_name: str,
    dest: Path,
    *,
    data: Sequence[str] = (),
    answers_file: Path | None = None,
    use_defaults: bool = False,
    git: bool = True,
    remote: str | None = None,
    push: bool = False,
    ask: Ask | None = None,
    vcs_ref: str | None = None,
    directory: str = "",
    trust: bool = False,
) -> NewProject:
    """Generate a project from a template into DEST; see the module docstring."""
    source = resolve_source(template_name, vcs_ref, directory)
    dest = dest.expanduser().absolute()
    check_destination(dest)
    if push and not remote:
        raise UsageError("--push needs a remote", "add --remote URL")
    if git:
        lineage.require_git()
    given = {**(read_answers_input(answers_file) if answers_file else {}), **parse_data(data)}
    options = Options(use_defaults, ask, trust, git, remote, push)
    progress = Progress()
    with guard.interrupts_as_keyboard_interrupt():
        try:
            return _new(source, dest, given, options, progress)
        except KeyboardInterrupt as error:
            raise _interrupted(dest, progress) from error


def _new(
    source: Source, dest: Path, given: Mapping[str, Any], options: Options, progress: Progress
) -> NewProject:
    with staging(dest) as stage, template_files(source) as files:
        rendered = render_project(
            source,
            files,
            given,
            stage,
            use_defaults=options.use_defaults,
            ask=options.ask,
            trust=options.trust,
        )
        record = rendered.record
        commit = None
        if options.git:
            who = fallback_identity(record.answers)
            commit = lineage.init_and_commit(
                stage, first_commit_summary(record), record.template, record.version, who
            )
            if options.remote:
                lineage.add_remote(stage, options.remote)
        with guard.deferred_signals():
            place(stage, dest)
            progress.placed, progress.commit = True, commit.sha if commit else None
        if files is not None and has_tasks(files, trust=options.trust):
            progress.step, progress.left = "the template's tasks ran", "run the template's tasks yourself"
            try:
                run_copier_tasks(files.path, dest, record.answers)
            except TemplateError as error:
                raise TemplateError(f"{dest} was created, but {error.message}", error.remedy) from error
    if options.push:
        progress.step = "pushing"
        progress.left = f"push it with: git -C {dest} push -u origin {lineage.BRANCH}"
        lineage.push(dest)
    return NewProject(dest, record, commit, pushed=options.push, skipped=rendered.skipped)
