"""The `new` flow: resolve the template, collect answers, render, verify, place, commit.

Everything up to the placement happens in a staging folder beside DEST, so an error
or Ctrl-C leaves nothing behind; only the optional push runs after the project exists.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
from .catalog import Template, find_template, template_version
from .errors import DestinationNotEmpty, UsageError
from .render import copier_files, render_builtin


@dataclass(frozen=True)
class NewProject:
    """What `new` made."""

    path: Path
    template: str
    version: str
    answers: dict[str, Any]
    commit: lineage.Commit | None
    pushed: bool


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


def commit_message(template: Template, version: str, answers: dict[str, Any]) -> str:
    summary = f"Generate {answers['project_name']} from mlscaffold's {template.name} template"
    return lineage.render_message(summary, template.name, version)


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
) -> NewProject:
    """Generate a project from a built-in template into DEST; see the module docstring."""
    template = find_template(template_name)
    dest = dest.expanduser().absolute()
    check_destination(dest)
    if push and not remote:
        raise UsageError("--push needs a remote", "add --remote URL")
    if git:
        lineage.require_git()
    given = {**(read_answers_input(answers_file) if answers_file else {}), **parse_data(data)}
    questions = load_questions(copier_files(template))
    values = resolve(questions, given, use_defaults=use_defaults, ask=ask)
    answers = recorded_answers(questions, values)
    version = template_version(template)

    with staging(dest) as stage:
        render_builtin(template, values, stage)
        write_record(stage, AnswersRecord(template.name, version, "builtin", answers))
        commit = None
        if git:
            fallback = lineage.Identity(answers["author_name"], answers["author_email"])
            commit = lineage.init_and_commit(stage, commit_message(template, version, answers), fallback)
            if remote:
                lineage.add_remote(stage, remote)
        place(stage, dest)

    if push:
        lineage.push(dest)
    return NewProject(dest, template.name, version, answers, commit, pushed=push)
