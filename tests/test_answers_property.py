"""Every answer the validators accept renders a working project (hypothesis draws the answers).

The answers come from everything the rules allow: unicode, quotes, backslashes, Markdown and
HTML, values at their length limits, edge identifiers. Each render is checked as its tools
read it: pyproject.toml, every YAML file and every Python file parse, the metadata, README
and model card hold the answers exactly as given, ruff passes, and the package imports.
"""

from __future__ import annotations

import ast
import html
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlscaffold.answers import load_questions, resolve, validate
from mlscaffold.catalog import find_template, tomllib
from mlscaffold.errors import InvalidAnswer
from mlscaffold.render import copier_files
from mlscaffold.scaffold import new_project

from .e2e.projects import install, run, tool

TEMPLATE = "predictive-analytics"  # no torch: its package imports in a plain environment
QUESTIONS = load_questions(copier_files(find_template(TEMPLATE)))
BY_NAME = {question.name: question for question in QUESTIONS}
RESERVED = BY_NAME["reserved_names"].default

# One line of text: any character but control characters, line and paragraph separators,
# and surrogates (which no UTF-8 file can hold).
ONE_LINE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
TRICKY_TEXT = [
    'Say "hi"',
    "C:\\path\\ends\\",
    '"""',
    "<!-- results:start --> <!-- results:end -->",
    "# not a heading",
    "- not a list",
    "1. not a list",
    "*stars* _under_ `code` [link](http://x) ![img](y) <b>html</b> &amp; ~~gone~~",
    "{{ jinja }} {% raw %} ${{ github.token }}",
    "é 中文 🙂 👩‍💻 ﷺ",
]


def text(max_size: int, forbidden: str = "") -> st.SearchStrategy[str]:
    """Text a one-line answer may hold: generated, or one of the known troublemakers, or long."""
    drawn = st.text(ONE_LINE, min_size=1, max_size=max_size).map(lambda s: s.replace(forbidden, "") or "x")
    tricky = st.sampled_from([t.replace(forbidden, "") for t in TRICKY_TEXT])
    long = st.text(ONE_LINE, min_size=max_size, max_size=max_size)
    return st.one_of(drawn, tricky, long).map(str.strip).filter(bool)


def identifiers() -> st.SearchStrategy[str]:
    edge = st.sampled_from(["a", "z" * 40, "class_", "match", "case", "type", "tests_", "numpy2", "x_1_"])
    return st.one_of(edge, st.from_regex(r"\A[a-z][a-z0-9_]{0,39}\Z"))


def choices(name: str) -> st.SearchStrategy[Any]:
    return st.sampled_from([value for _, value in BY_NAME[name].choices])


def fits(name: str) -> Any:
    """A filter keeping what the question's own rule accepts."""

    def check(value: Any) -> bool:
        try:
            validate(BY_NAME[name], value, {"reserved_names": RESERVED})
        except InvalidAnswer:
            return False
        return True

    return check


ANSWERS = st.fixed_dictionaries(
    {
        "project_name": st.one_of(
            st.sampled_from(["A", "a" * 40, "My.Project-2_x"]),
            st.from_regex(r"\A[A-Za-z](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?\Z"),
        ),
        "package_name": identifiers().filter(fits("package_name")),
        "description": text(512).filter(fits("description")),
        "author_name": text(100, forbidden=",").filter(fits("author_name")),
        "author_email": st.one_of(
            st.sampled_from(["a@b", "o'brien+ml!#$%&*/=?^_`{|}~-@sub-domain.example.org"]),
            st.emails().filter(fits("author_email")),
        ),
        "github_user": st.from_regex(r"\A[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}\Z"),
        "license": choices("license"),
        "copyright_year": st.integers(1000, 9999),
        "python_version": choices("python_version"),
        "task": choices("task"),
        "model": choices("model"),
    }
)


def accepted(answers: dict[str, Any]) -> bool:
    """Whether every rule accepts these answers: the test draws only from what they allow."""
    try:
        resolve(QUESTIONS, answers, use_defaults=True, environment={})
    except InvalidAnswer:
        return False
    return True


def paragraph_after(markdown: str, marker: str) -> str:
    """The text a Markdown renderer shows for the first paragraph that starts after `marker`."""
    tail = markdown.split(marker, 1)[1].lstrip("\n")
    first = tail.split("\n\n", 1)[0]
    rendered = MarkdownIt("commonmark").enable("strikethrough").render(first).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    return html.unescape(re.sub(r"<[^>]+>", "", rendered[3:-4]))


def link_targets(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parseInline(markdown.split("\n\n", 2)[1])[0].children or []
    return [str(token.attrs["href"]) for token in tokens if token.type == "link_open"]


def check_metadata(project: Path, answers: dict[str, Any]) -> None:
    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata["name"] == answers["project_name"].lower()
    assert metadata["description"] == answers["description"]
    assert metadata["authors"] == [{"name": answers["author_name"], "email": answers["author_email"]}]
    assert metadata["requires-python"] == f">={answers['python_version']}"
    recorded = yaml.safe_load((project / ".mlscaffold-answers.yml").read_text(encoding="utf-8"))["answers"]
    assert {key: recorded[key] for key in answers} == answers


def check_markdown(project: Path, answers: dict[str, Any]) -> None:
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert paragraph_after(readme, "actions/workflows/ci.yml)\n") == answers["description"]
    repository = f"https://github.com/{answers['github_user']}/{answers['project_name']}"
    assert link_targets(readme) == [f"{repository}/actions/workflows/ci.yml"]
    assert readme.count("<!-- results:start -->") == 1 and readme.count("<!-- results:end -->") == 1
    card = (project / "MODEL_CARD.md").read_text(encoding="utf-8")
    authors = f"{answers['author_name']} ({answers['author_email']}), generated with mlscaffold."
    assert paragraph_after(card, "## Authors\n") == authors
    if answers["license"] in ("MIT", "BSD-3-Clause"):
        assert answers["author_name"] in (project / "LICENSE").read_text(encoding="utf-8")


def check_code(project: Path, answers: dict[str, Any]) -> None:
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), str(path))
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    package = answers["package_name"]
    init = ast.parse((project / "src" / package / "__init__.py").read_text(encoding="utf-8"))
    assert (ast.get_docstring(init, clean=False) or "").split() == answers["description"].split()
    run([tool("ruff"), "check", "--no-cache", "--quiet", "."], cwd=project)
    run([tool("ruff"), "format", "--check", "--no-cache", "--quiet", "."], cwd=project)
    # src/ last on the path, as an editable install puts it: an installed module of the same
    # name would win, so the package that imports must be the project's own.
    code = (
        f"import sys; sys.path.append('src'); import {package}, {package}.__main__; print({package}.__file__)"
    )
    found = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).resolve().is_relative_to(project.resolve())


# 25 renders (about a minute); no shrinking, which can take minutes: the failing answers are shown.
@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(answers=ANSWERS.filter(accepted))
def test_every_accepted_answer_renders_a_project_that_parses_and_imports(answers, tmp_path_factory) -> None:
    project = tmp_path_factory.mktemp("property") / "p"
    data = [f"{key}={value}" for key, value in answers.items()]
    new_project(TEMPLATE, project, data=data, use_defaults=True, git=False)
    check_metadata(project, answers)
    check_markdown(project, answers)
    check_code(project, answers)


def test_the_reserved_names_cover_this_python_and_every_top_level_import_of_every_template() -> None:
    """A new standard-library module or a new import in a template must be reserved too."""
    reserved = RESERVED
    stdlib = {name for name in sys.stdlib_module_names if name.islower() and not name.startswith("_")}
    assert stdlib <= set(reserved["standard_library"])
    templates_root = find_template(TEMPLATE).path.parent
    imported: set[str] = set()
    for path in templates_root.rglob("*.py*"):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^\s*(?:from|import) ([A-Za-z_][A-Za-z0-9_]*)", source, re.MULTILINE):
            imported.add(match.group(1))
    names = {name for group in reserved.values() for name in group}
    missing = {name for name in imported if name[0].isalpha() and name.islower() and name not in names}
    assert not missing, f"add to reserved_names.imported in templates/_base/copier.yml: {sorted(missing)}"


SAMPLES = {
    "quotes-and-unicode": {
        "project_name": "Hard-Answers.2",
        "package_name": "class_",
        "description": 'A "quoted" \\ backslash, <!-- results:end --> *not bold* 1. é 中文 🙂',
        "author_name": 'Zoë "Z" O\'Brien \\ 李',
        "author_email": "zoe.o'brien+ml@example.org",
        "github_user": "zoe-ob",
        "task": "regression",
    },
}


@pytest.mark.e2e
@pytest.mark.parametrize("sample", list(SAMPLES))
def test_a_project_with_hard_answers_installs_and_passes_its_own_tests(sample, tmp_path) -> None:
    answers = SAMPLES[sample]
    project = tmp_path / "p"
    new_project(
        TEMPLATE, project, data=[f"{key}={value}" for key, value in answers.items()], use_defaults=True
    )
    assert run(["git", "ls-files", f"src/{answers['package_name']}/__init__.py"], cwd=project).strip()
    python = install(project, tmp_path / "venv")
    run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    summary = f"import importlib.metadata as m; print(m.metadata({answers['project_name']!r})['Summary'])"
    assert run([python, "-c", summary], cwd=project).strip() == answers["description"]
