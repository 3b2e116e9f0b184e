"""Third-party cookiecutter templates, rendered by cookiecutter's own functions in an environment
mlscaffold supplies: sandboxed unless trusted, answers handed back as text (never rendered), and
every path checked on the exact text cookiecutter is about to create.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import InvalidAnswer, MlscaffoldError, TemplateError
from .render import (
    UNSAFE,
    Rendered,
    check_render,
    error_reason,
    is_git_name,
    load_cookiecutter_json,
    refuse_settings,
    render_failed,
)


class Answer(str):
    """An answer on its way through cookiecutter, which renders every value it holds as a
    template: mlscaffold's environment hands it back as the text it is."""


class Text:
    """What cookiecutter gets in place of a template for an answer: the answer, unrendered."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.text


def as_data(value: Any) -> Any:
    """Mark every text in an answer, nested lists and dicts included, as data (see `Answer`)."""
    if isinstance(value, str):
        return Answer(value)
    if isinstance(value, list):
        return [as_data(item) for item in value]
    if isinstance(value, dict):
        return {as_data(key): as_data(item) for key, item in value.items()}
    return value


def split_rendered(path: str, output: str) -> tuple[str, str]:
    """Split off the part of a path cookiecutter has rendered already: the output folder and the
    project folder in it.

    cookiecutter renders each folder's absolute path, so the project folder's name (an answer,
    often) would be rendered a second time, as a template. Only the rest is a template.
    """
    if not path.startswith(output + os.sep):
        return "", path
    project, _, rest = path[len(output) + 1 :].partition(os.sep)
    return os.path.join(output, project, ""), rest


def check_output_path(path: str, output: str) -> None:
    """Refuse a path cookiecutter is about to create outside `output`, or named like `.git`.

    cookiecutter joins each rendered path to the output folder (files) or takes it whole
    (folders): an absolute result elsewhere, or a `..`, climbs out. Checked on the very text
    cookiecutter creates, whatever the template's delimiters.
    """
    relative = os.path.relpath(path, output) if os.path.isabs(path) else path
    parts = relative.split(os.sep)
    if ".." in parts:
        raise TemplateError(f"the template renders the path {path!r}, outside the project", UNSAFE)
    named_git = [part for part in parts if is_git_name(part)]
    if named_git:
        raise TemplateError(
            f"the template renders {named_git[0]!r}, which git would read as a repository", UNSAFE
        )


class CheckedPath:
    """A path cookiecutter is about to create: `rendered` kept as it is, `template` rendered, and
    the whole checked before cookiecutter gets it."""

    def __init__(self, rendered: str, template: Any, output: str) -> None:
        self.rendered = rendered
        self.template = template
        self.output = output

    def render(self, *args: Any, **kwargs: Any) -> str:
        path = self.rendered + self.template.render(*args, **kwargs)
        check_output_path(path, self.output)
        return path


@functools.cache
def _cookiecutter_environment(sandboxed: bool) -> type:
    """cookiecutter's StrictEnvironment (or the same in Jinja's sandbox) with answers kept as
    text and every path it renders while generating checked.

    cookiecutter renders answers, defaults and paths through `from_string`, and file contents
    through its loader; the sandbox covers both. Built on first use: jinja2 and cookiecutter
    are imported for renders only.
    """
    from cookiecutter.environment import ExtensionLoaderMixin, StrictEnvironment
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class SandboxedStrictEnvironment(ExtensionLoaderMixin, SandboxedEnvironment):
        """cookiecutter's environment (StrictUndefined, its default extensions) in the sandbox."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(undefined=StrictUndefined, **kwargs)

    class Environment(SandboxedStrictEnvironment if sandboxed else StrictEnvironment):
        output: str | None = None  # set while generating: the folder every path must stay in

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if isinstance(source, Answer):
                return Text(str(source))
            if self.output is None:
                return super().from_string(source, globals, template_class)
            rendered, rest = split_rendered(source, self.output)
            return CheckedPath(rendered, super().from_string(rest, globals, template_class), self.output)

    return Environment


def _environment_with_context(sandboxed: bool, output: str | None, context: dict[str, Any]) -> Any:
    """cookiecutter's `create_env_with_context`, building mlscaffold's environment."""
    env_vars = context.get("cookiecutter", {}).get("_jinja2_env_vars", {})
    environment = _cookiecutter_environment(sandboxed)(
        context=context, keep_trailing_newline=True, **env_vars
    )
    environment.output = output
    return environment


@contextlib.contextmanager
def cookiecutter_run(template: Path, scratch: Path, *, trust: bool) -> Iterator[tuple[Path, Path]]:
    """Set cookiecutter up as its own `main` would, with mlscaffold's environment; yield the
    template folder to render and the folder to generate into, inside `scratch`.

    The environment is sandboxed unless trusted. A trusted template's `pre_prompt` hook runs on
    a copy of it, and that folder goes on the import path for its `_extensions`, as in
    cookiecutter. Temporary files go to `scratch`: cookiecutter leaves each hook it ran there.
    """
    from cookiecutter import generate, prompt
    from cookiecutter.hooks import run_pre_prompt_hook

    output, temporary = scratch / "output", scratch / "tmp"
    output.mkdir()
    temporary.mkdir()
    saved = prompt.create_env_with_context, generate.create_env_with_context, sys.path[:], tempfile.tempdir
    prompt.create_env_with_context = functools.partial(_environment_with_context, not trust, None)
    generate.create_env_with_context = functools.partial(_environment_with_context, not trust, str(output))
    tempfile.tempdir = str(temporary)
    try:
        if trust:
            template = Path(run_pre_prompt_hook(template))
            sys.path.append(str(template))
        yield template, output
    finally:
        prompt.create_env_with_context, generate.create_env_with_context, sys.path[:], tempfile.tempdir = (
            saved
        )


def _withheld_from_cookiecutter(template: Path, defaults: dict[str, Any]) -> list[str]:
    """Drop an untrusted template's Jinja extensions; say what is withheld (its hooks never run)."""
    withheld = []
    hooks = sorted(path.name for path in (template / "hooks").glob("*") if path.is_file())
    if hooks:
        withheld.append(f"cookiecutter hooks ({', '.join(hooks)})")
    if defaults.pop("_extensions", None):
        withheld.append("Jinja extensions")
    return withheld


def _cookiecutter_context(
    template: Path, data: Mapping[str, Any], *, trust: bool
) -> tuple[dict[str, Any], list[str]]:
    """cookiecutter's context: cookiecutter.json with the answers applied, as data; and what an
    untrusted template is denied."""
    from cookiecutter.generate import apply_overwrites_to_context

    defaults = load_cookiecutter_json(template)
    skipped = [] if trust else _withheld_from_cookiecutter(template, defaults)
    try:
        apply_overwrites_to_context(defaults, as_data(data))
    except ValueError as error:
        raise InvalidAnswer(error_reason(error), "use one of the template's choices") from error
    return {"cookiecutter": defaults}, skipped


def render_cookiecutter(
    template: Path, dest: Path, data: Mapping[str, Any], *, use_defaults: bool, trust: bool
) -> Rendered:
    """Render a cookiecutter template into `dest`, checked.

    cookiecutter's own steps (prompt, generate) do the work, in mlscaffold's environment:
    sandboxed, with no hooks and no Jinja extensions unless trusted; answers never rendered;
    paths checked as they are created. The render lands in a scratch folder first, and only a
    checked project folder moves to `dest`.
    """
    from cookiecutter.generate import generate_files
    from cookiecutter.prompt import prompt_for_config

    refuse_settings(data)
    with tempfile.TemporaryDirectory(prefix="mlscaffold-cookiecutter-") as scratch:
        try:
            with cookiecutter_run(template, Path(scratch), trust=trust) as (source, output):
                context, skipped = _cookiecutter_context(source, data, trust=trust)
                context["cookiecutter"] = prompt_for_config(context, no_input=use_defaults)
                context["cookiecutter"]["_template"] = str(template)
                made = Path(
                    generate_files(
                        repo_dir=str(source), context=context, output_dir=str(output), accept_hooks=trust
                    )
                )
        except MlscaffoldError:
            raise
        except Exception as error:  # cookiecutter, Jinja and the file system all raise their own.
            raise render_failed(template, error, trust=trust, trust_lifts_sandbox=True) from error
        if list(output.iterdir()) != [made]:
            raise TemplateError("the template wrote outside its project folder", UNSAFE)
        check_render(made)
        shutil.move(made, dest)
    answers = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")}
    return Rendered(answers=answers, skipped=skipped)
