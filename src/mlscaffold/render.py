"""Templates to folders: built-in ones through copier, third-party ones through copier or
cookiecutter, every result checked before it goes anywhere.

Only this module knows copier and cookiecutter. Third-party templates are untrusted unless
the user says otherwise: no tasks, migrations, hooks or Jinja extensions, answers never
rendered, and nothing written outside the project.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .answers import read_yaml
from .catalog import Template, base_path
from .errors import InvalidAnswer, MlscaffoldError, TemplateError

COPIER_FILE = "copier.yml"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def copier_files(template: Template) -> list[Path]:
    """The copier.yml files whose questions the template asks: the base's, then its own."""
    return [base_path() / COPIER_FILE, template.path / COPIER_FILE]


def compose(template: Template, into: Path, *, questions: bool = True) -> Path:
    """Lay `_base/` and the specialization into one copier template folder at `into`.

    The specialization's files win where both have one; the questions are the base's
    followed by the specialization's, and the exclusions are joined. With
    `questions=False` only copier's settings are kept: mlscaffold has already asked and
    validated every question, and copier gets the answers as data.
    """
    shutil.copytree(base_path(), into, ignore=IGNORED, dirs_exist_ok=True)
    shutil.copytree(template.path, into, ignore=IGNORED, dirs_exist_ok=True)
    merged: dict[str, Any] = {}
    exclude: list[str] = []
    for path in copier_files(template):
        spec = dict(read_yaml(path))
        exclude += [pattern for pattern in spec.pop("_exclude", []) if pattern not in exclude]
        merged.update(spec if questions else {k: v for k, v in spec.items() if k.startswith("_")})
    merged["_exclude"] = exclude
    (into / COPIER_FILE).write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return into


def _path_without_git() -> str:
    return os.pathsep.join(
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if not (Path(folder) / "git").exists()
    )


def render(template_dir: Path, values: Mapping[str, Any], dest: Path) -> None:
    """Render a built-in (composed) copier template non-interactively with `values` into `dest`.

    Tasks, migrations and custom Jinja extensions never run (`unsafe=False`). copier is
    not shown git: it would start one git process per rendered file to copy executable
    bits into a git index, and `dest` is a fresh folder, not a repository.
    """
    import copier  # Lazy: importing copier costs most of a second.
    from plumbum import local  # copier runs its commands through plumbum's `local`

    try:
        with local.env(PATH=_path_without_git()):
            copier.run_copy(
                str(template_dir),
                dest,
                data=dict(values),
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=False,
                skip_tasks=True,
            )
    except Exception as error:  # copier raises many types; all mean "this render failed".
        raise TemplateError(
            f"rendering {template_dir.name} failed: {error}",
            "check the answers, or report the template bug",
        ) from error


def check_links(folder: Path) -> None:
    """Refuse symbolic links that point outside `folder` (a template's, or a render's)."""
    root = folder.resolve()
    for path in folder.rglob("*"):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise TemplateError(
                f"{path.relative_to(folder)} is a link to {path.resolve()}, outside {folder.name}",
                "nothing was written; remove that link from the template",
            )


def verify(project: Path) -> None:
    """Refuse a built-in render that reaches outside its folder or left template files behind."""
    check_links(project)
    for path in project.rglob("*"):
        if path.name.endswith(".jinja"):
            raise TemplateError(f"{path.relative_to(project)} was not rendered", "report the template bug")


def render_builtin(template: Template, values: Mapping[str, Any], dest: Path) -> None:
    """Render a built-in template (base + specialization) with resolved answers into `dest`, checked."""
    with tempfile.TemporaryDirectory(prefix="mlscaffold-template-") as composed:
        render(compose(template, Path(composed), questions=False), values, dest)
    verify(dest)


@dataclass(frozen=True)
class Rendered:
    """What a third-party render recorded: the answers, and the unsafe features it skipped."""

    answers: dict[str, Any]
    skipped: list[str] = field(default_factory=list)


COPIER_UNSAFE = {
    "_tasks": "copier tasks",
    "_migrations": "copier migrations",
    "_jinja_extensions": "Jinja extensions",
}
TEMPLATE_SYNTAX = ("{{", "{%", "{#")


def _copier_spec_file(template: Path) -> Path:
    return template / "copier.yml" if (template / "copier.yml").is_file() else template / "copier.yaml"


def _strip_unsafe_copier_settings(template: Path) -> list[str]:
    """Remove tasks, migrations and Jinja extensions from an untrusted copier template."""
    spec_file = _copier_spec_file(template)
    spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
    skipped = [label for key, label in COPIER_UNSAFE.items() if spec.pop(key, None)]
    if skipped:
        spec_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return skipped


def render_copier(
    template: Path, dest: Path, data: Mapping[str, Any], *, use_defaults: bool, trust: bool
) -> Rendered:
    """Render a third-party copier template; untrusted ones lose their tasks, migrations, extensions."""
    import copier

    skipped = [] if trust else _strip_unsafe_copier_settings(template)
    try:
        with copier.Worker(
            src_path=str(template),
            dst_path=dest,
            data=dict(data),
            defaults=use_defaults,
            overwrite=True,
            quiet=True,
            unsafe=trust,
            skip_tasks=not trust,
        ) as worker:
            worker.run_copy()
            questions = set(worker.template.questions_data)
            answers = {k: v for k, v in worker.answers.combined.items() if k in questions}
    except Exception as error:  # copier raises many types; all mean "this render failed".
        hint = "pass --trust if you trust the template" if skipped else "check the answers and the template"
        raise TemplateError(f"rendering {template.name} failed: {error}", hint) from error
    check_links(dest)
    return Rendered(answers=answers, skipped=skipped)


def refuse_template_syntax(data: Mapping[str, Any]) -> None:
    """cookiecutter renders answers as templates, so an answer could run code: refuse it."""
    for key, value in data.items():
        if isinstance(value, str) and any(marker in value for marker in TEMPLATE_SYNTAX):
            raise InvalidAnswer(
                f"answer {key}={value!r} contains template syntax, which cookiecutter would execute",
                "remove the {{ }}, {% %} or {# #} from the answer",
            )


def check_cookiecutter_paths(template: Path, context: dict[str, Any]) -> None:
    """Refuse, before anything is written, names that would render outside the project folder.

    cookiecutter renders each part of a path on its own and joins them, so an absolute part
    or a `..` anywhere can climb out of the output folder.
    """
    from cookiecutter.environment import StrictEnvironment

    env = StrictEnvironment(context=context, keep_trailing_newline=True)
    sandbox = os.path.join(os.sep, "sandbox")
    top = None
    for path in sorted(template.rglob("*")):
        relative = path.relative_to(template)
        if "{{" not in relative.parts[0]:
            continue  # cookiecutter.json, hooks/ and other files beside the project folder
        parts = [env.from_string(part).render(**context) for part in relative.parts]
        top = top or os.path.normpath(os.path.join(sandbox, parts[0]))
        target = os.path.normpath(os.path.join(sandbox, *parts))
        if os.path.dirname(top) != sandbox or not (target == top or target.startswith(top + os.sep)):
            raise TemplateError(
                f"the template's {relative} renders to {'/'.join(parts)!r}, outside the project",
                "nothing was written; this template is unsafe",
            )


def render_cookiecutter(
    template: Path, dest: Path, data: Mapping[str, Any], *, use_defaults: bool, trust: bool
) -> Rendered:
    """Render a cookiecutter template; untrusted ones run no hooks and load no Jinja extensions."""
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    refuse_template_syntax(data)
    skipped: list[str] = []
    hooks = sorted(p.name for p in (template / "hooks").glob("*") if p.is_file())
    if hooks and not trust:
        skipped.append(f"cookiecutter hooks ({', '.join(hooks)})")
    try:
        context = generate_context(context_file=str(template / "cookiecutter.json"), extra_context=dict(data))
        if context["cookiecutter"].pop("_extensions", None) and not trust:
            skipped.append("Jinja extensions")
        context["cookiecutter"] = prompt_for_config(context, no_input=use_defaults)
        context["cookiecutter"]["_template"] = str(template)
        check_cookiecutter_paths(template, context)
        with tempfile.TemporaryDirectory(prefix="mlscaffold-cookiecutter-") as scratch:
            output = Path(scratch) / "sandbox" / "out"
            output.mkdir(parents=True)
            made = Path(
                generate_files(
                    repo_dir=str(template), context=context, output_dir=str(output), accept_hooks=trust
                )
            )
            strays = [p for p in output.parent.rglob("*") if not p.is_relative_to(output)]
            if strays or made.parent != output:
                raise TemplateError(
                    "the template wrote outside its project folder", "this template is unsafe"
                )
            check_links(made)
            shutil.move(made, dest)
    except (MlscaffoldError, KeyboardInterrupt):
        raise
    except Exception as error:  # cookiecutter, Jinja and the file system all raise their own.
        raise TemplateError(
            f"rendering {template.name} failed: {error}", "check the answers and the template"
        ) from error
    answers = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")}
    return Rendered(answers=answers, skipped=skipped)
