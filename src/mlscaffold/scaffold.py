"""The `new` flow: resolve the template, collect answers, render, verify, place, commit.

Everything up to the placement happens in a staging folder beside DEST, so an error
or Ctrl-C leaves nothing behind; only the optional push runs after the project exists.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import lineage
from .answers import (
    AnswersRecord,
    Ask,
    load_questions,
    parse_data,
    read_answers_input,
    recorded_answers,
    resolve,
    write_record,
)
from .catalog import find_template, template_version
from .errors import DestinationNotEmpty, UsageError
from .render import copier_files, render_builtin, render_cookiecutter, render_copier
from .sources import BUILTIN, COPIER, Source, checkout, recorded_source, resolve_source


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


def render_project(
    source: Source,
    given: Mapping[str, Any],
    dest: Path,
    *,
    use_defaults: bool,
    ask: Ask | None = None,
    trust: bool = False,
    previous: AnswersRecord | None = None,
) -> RenderedProject:
    """Render the template at `source` into `dest`, with its answers file.

    `previous` (for an update) supplies the recorded answers; only questions new in this
    version are asked, and `given` overrides.
    """
    if source.kind == BUILTIN:
        template = find_template(source.location)
        questions = load_questions(copier_files(template))
        known = {question.name for question in questions}
        recorded = {k: v for k, v in (previous.answers if previous else {}).items() if k in known}
        values = resolve(questions, {**recorded, **given}, use_defaults=use_defaults, ask=ask)
        render_builtin(template, values, dest)
        record = AnswersRecord(
            template.name, template_version(template), BUILTIN, recorded_answers(questions, values)
        )
        write_record(dest, record)
        return RenderedProject(record)
    with checkout(source) as files:
        data = {**(previous.answers if previous else {}), **given}
        render = render_copier if files.format == COPIER else render_cookiecutter
        rendered = render(files.path, dest, data, use_defaults=use_defaults or bool(previous), trust=trust)
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
    """A temporary folder on DEST's file system, removed unless it was moved into place."""
    holder = Path(tempfile.mkdtemp(prefix=".mlscaffold-", dir=_nearest_existing(dest.parent)))
    try:
        yield holder / "project"
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def place(stage: Path, dest: Path) -> None:
    """Move the finished render to DEST in one rename (an empty DEST folder is replaced)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_dir():
        dest.rmdir()
    os.replace(stage, dest)


def fallback_identity(answers: Mapping[str, Any]) -> lineage.Identity:
    """Who signs commits when git has no identity configured: the author answers, if any."""
    name = str(answers.get("author_name") or answers.get("full_name") or "mlscaffold user")
    email = str(answers.get("author_email") or answers.get("email") or "mlscaffold@localhost")
    return lineage.Identity(name, email)


def first_commit_message(record: AnswersRecord) -> str:
    origin = "mlscaffold's" if record.source == BUILTIN else "the"
    name = record.answers.get("project_name", "the project")
    summary = f"Generate {name} from {origin} {record.template} template"
    return lineage.render_message(summary, record.template, record.version)


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

    with staging(dest) as stage:
        rendered = render_project(source, given, stage, use_defaults=use_defaults, ask=ask, trust=trust)
        commit = None
        if git:
            who = fallback_identity(rendered.record.answers)
            commit = lineage.init_and_commit(stage, first_commit_message(rendered.record), who)
            if remote:
                lineage.add_remote(stage, remote)
        place(stage, dest)

    if push:
        lineage.push(dest)
    return NewProject(dest, rendered.record, commit, pushed=push, skipped=rendered.skipped)
