"""Templates to folders: compose a built-in template, render it with copier, check the result.

Only this module knows copier (and, for third-party templates, cookiecutter).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .answers import read_yaml
from .catalog import Template, base_path
from .errors import TemplateError

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


def render(template_dir: Path, values: Mapping[str, Any], dest: Path) -> None:
    """Render a copier template non-interactively with `values` into `dest`.

    Tasks, migrations and custom Jinja extensions never run (`unsafe=False`).
    """
    import copier  # Lazy: importing copier costs most of a second.

    try:
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


def verify(project: Path) -> None:
    """Refuse a render that reaches outside its folder or left template syntax behind."""
    root = project.resolve()
    for path in project.rglob("*"):
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                raise TemplateError(
                    f"the template made {path.relative_to(project)} a link to {target}, outside the project",
                    "remove that link from the template",
                )
        if path.name.endswith(".jinja"):
            raise TemplateError(f"{path.relative_to(project)} was not rendered", "report the template bug")


def render_builtin(template: Template, values: Mapping[str, Any], dest: Path) -> None:
    """Render a built-in template (base + specialization) with resolved answers into `dest`, checked."""
    with tempfile.TemporaryDirectory(prefix="mlscaffold-template-") as composed:
        render(compose(template, Path(composed), questions=False), values, dest)
    verify(dest)
