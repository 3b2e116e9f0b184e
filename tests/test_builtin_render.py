"""The built-in templates stay copier templates: copier and mlscaffold's own renderer agree."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest

from mlscaffold.answers import load_questions, resolve
from mlscaffold.builtin_render import render_with_jinja
from mlscaffold.catalog import find_template
from mlscaffold.render import compose, copier_files, render

from .test_templates_contract import combinations

HARD = {
    "description": 'Say "hi" \\ <b>*x*</b> 1. é 🙂',
    "author_name": 'Zoë "Z" \\ 李',
    "package_name": "match",
}


def tree(folder: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every path under `folder`: its bytes (None for a folder) and its permission bits."""
    return {
        str(path.relative_to(folder)): (
            None if path.is_dir() else path.read_bytes(),
            stat.S_IMODE(path.stat().st_mode),
        )
        for path in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize(("name", "answers"), combinations(), ids=str)
def test_copier_and_the_jinja_renderer_write_the_same_project(name, answers, tmp_path) -> None:
    template = find_template(name)
    questions = load_questions(copier_files(template))
    values = resolve(questions, {**answers, **HARD}, use_defaults=True, environment={})
    with tempfile.TemporaryDirectory() as composed:
        render(compose(template, Path(composed), questions=False), values, tmp_path / "copier")
    render_with_jinja(template, values, tmp_path / "jinja")
    assert tree(tmp_path / "jinja") == tree(tmp_path / "copier")
