from pathlib import Path

import pytest

from mlscaffold.answers import (
    AnswersRecord,
    Question,
    cast,
    load_questions,
    parse_data,
    placeholders,
    read_answers_input,
    read_record,
    recorded_answers,
    resolve,
    user_environment,
    write_record,
)
from mlscaffold.catalog import find_template
from mlscaffold.errors import InvalidAnswer, UsageError
from mlscaffold.render import copier_files


@pytest.fixture
def questions() -> list[Question]:
    return load_questions(copier_files(find_template("tabular")))


def test_base_questions_come_first_then_the_template_ones(questions: list[Question]) -> None:
    names = [q.name for q in questions if not q.computed]
    assert names[:2] == ["project_name", "package_name"]
    assert names.index("task") > names.index("python_version")


def test_defaults_derive_the_package_name_from_the_project_name(questions) -> None:
    values = resolve(questions, {"project_name": "Churn-Model.v2"}, use_defaults=True)
    assert values["package_name"] == "churn_model_v2"
    assert values["uses_torch"] is False  # computed values are resolved for the renderer...
    assert "uses_torch" not in recorded_answers(questions, values)  # ...but never recorded


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"package_name": "1abc"}, "lower-case Python identifier"),
        ({"package_name": "My-Pkg"}, "lower-case Python identifier"),
        ({"task": "clustering"}, "use one of: classification, regression"),
        ({"license": "WTFPL"}, "not one of the choices"),
        ({"project_name": "has space"}, "GitHub repository and PyPI project name"),
        ({"author_email": "nobody"}, "email address"),
        ({"copyright_year": "soon"}, "not a valid int"),
        ({"copyright_year": "26"}, "four-digit year"),
        ({"package_name": "class"}, "Python keyword"),
        ({"package_name": "import"}, "Python keyword"),
        ({"package_name": "os"}, "standard-library module"),
        ({"package_name": "tomllib"}, "standard-library module"),
        ({"package_name": "yaml"}, "module the project or its tools import"),
        ({"package_name": "numpy"}, "module the project or its tools import"),
        ({"package_name": "sklearn"}, "module the project or its tools import"),
        ({"package_name": "runs"}, "folder the project has or ignores"),
        ({"package_name": "build"}, "folder the project has or ignores"),
        ({"package_name": "dist"}, "folder the project has or ignores"),
        ({"package_name": "data"}, "folder the project has or ignores"),
        ({"package_name": "_private"}, "lower-case Python identifier"),
        ({"package_name": "a" * 41}, "at most 40"),
        ({"project_name": "trailing-"}, "ending in a letter or digit"),
        ({"project_name": "a" * 41}, "at most 40"),
        ({"description": "two\nlines"}, "one line"),
        ({"description": "trailing newline\n"}, "one line"),
        ({"description": "a\ttab"}, "one line"),
        ({"description": " padded"}, "start or end with a space"),
        ({"description": ""}, "1 to 512"),
        ({"description": "x" * 513}, "1 to 512"),
        ({"author_name": "Ada\n"}, "one line"),
        ({"author_name": "Lovelace, Ada"}, "comma"),
        ({"author_email": "ada@example.com\n"}, "email address"),
        ({"author_email": 'a"b@example.com'}, "email address"),
        ({"author_email": "a..b@example.com"}, "email address"),
        ({"github_user": "a--b"}, "single hyphens"),
        ({"github_user": "-ada"}, "single hyphens"),
    ],
)
def test_invalid_answers_say_the_rule(questions, given, message) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        resolve(questions, given, use_defaults=True, environment={})


@pytest.mark.parametrize(
    "given",
    [
        {"description": 'Say "hi" \\ {braces} <b>*stars*</b> 1. é 中文 🙂'},
        {"author_name": 'Ada "Countess" Lovelace \\ <ada>'},
        {"author_email": "a.b+tag!#$%&'*/=?^_`{|}~-@sub.example-host.org"},
        {"package_name": "a", "project_name": "A"},
        {"package_name": "class_", "github_user": "a-b-c"},
    ],
)
def test_quotes_backslashes_and_unicode_are_accepted(questions, given) -> None:
    values = resolve(questions, given, use_defaults=True, environment={})
    assert {key: values[key] for key in given} == given


def test_rules_say_what_each_question_accepts(questions) -> None:
    rules = {q.name: q.rule for q in questions}
    assert rules["license"] == "one of: MIT, Apache-2.0, BSD-3-Clause, GPL-3.0, none"
    assert "must not be a Python keyword" in rules["package_name"]
    assert "{%" not in rules["package_name"] and "regex_search" not in rules["package_name"]
    assert rules["copyright_year"].startswith("a whole number; ")


def test_defaults_come_from_the_environment_when_it_has_them(questions) -> None:
    environment = {
        "git_user_name": "Ada Lovelace",
        "git_user_email": "ada@example.org",
        "github_login": "ada",
    }
    values = resolve(questions, {}, use_defaults=True, environment=environment)
    assert (values["author_name"], values["author_email"], values["github_user"]) == (
        "Ada Lovelace", "ada@example.org", "ada"
    )  # fmt: skip
    assert placeholders(questions, values) == {}


def test_without_an_environment_the_placeholders_are_named_with_how_to_set_them(questions) -> None:
    values = resolve(questions, {"author_name": "Ada"}, use_defaults=True, environment={})
    assert values["github_user"] == "your-github-user"
    found = placeholders(questions, values)
    assert set(found) == {"author_email", "github_user"}
    assert found["github_user"] == "git config --global github.user YOUR-LOGIN"


def test_an_environment_value_that_breaks_the_rule_gives_way_to_the_template_default(questions) -> None:
    values = resolve(questions, {}, use_defaults=True, environment={"git_user_email": "not an email"})
    assert values["author_email"] == "you@example.com"


def test_the_environment_is_read_from_git_and_the_github_cli(tmp_path, monkeypatch) -> None:
    (tmp_path / ".gitconfig").write_text("[user]\n\tname = Ada L\n\temail = ada@x.org\n")
    (tmp_path / "gh").mkdir()
    (tmp_path / "gh" / "hosts.yml").write_text("github.com:\n  user: ada-l\n  oauth_token: secret\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GH_CONFIG_DIR", str(tmp_path / "gh"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert user_environment() == {
        "git_user_name": "Ada L",
        "git_user_email": "ada@x.org",
        "github_login": "ada-l",
    }
    (tmp_path / ".gitconfig").write_text("[github]\n\tuser = from-git\n")
    assert user_environment() == {"github_login": "from-git"}  # git's setting comes first


def test_unknown_questions_are_refused_with_the_list_of_real_ones(questions) -> None:
    with pytest.raises(UsageError, match="this template asks: project_name"):
        resolve(questions, {"taks": "regression"}, use_defaults=True)


def test_a_prompt_is_asked_again_until_the_answer_is_valid(questions) -> None:
    replies = iter(["Bad Name", "good_name"])
    errors: list[str | None] = []

    def ask(question: Question, default: object, error: str | None) -> object:
        if question.name != "package_name":
            return default
        errors.append(error)
        return next(replies)

    values = resolve(questions, {}, use_defaults=False, ask=ask)
    assert values["package_name"] == "good_name"
    assert errors[0] is None and "identifier" in (errors[1] or "")


def test_answers_are_data_never_rendered_as_templates(questions) -> None:
    values = resolve(questions, {"author_name": "{{ 7 * 7 }}"}, use_defaults=True)
    assert values["author_name"] == "{{ 7 * 7 }}"


@pytest.mark.parametrize("item", ["task", "=x", "two words=x", ""])
def test_malformed_data_options_show_the_form(item: str) -> None:
    with pytest.raises(UsageError, match="use -d KEY=VALUE"):
        parse_data([item])


def test_values_keep_everything_after_the_first_equals_sign() -> None:
    assert parse_data(["description=a=b"]) == {"description": "a=b"}


def test_bool_and_int_answers_are_cast_from_text() -> None:
    assert cast(Question("flag", type="bool"), "yes") is True
    assert cast(Question("flag", type="bool"), "off") is False
    assert cast(Question("n", type="int"), "3") == 3
    with pytest.raises(InvalidAnswer):
        cast(Question("flag", type="bool"), "maybe")


def test_the_answers_file_round_trips(tmp_path: Path) -> None:
    record = AnswersRecord("predictive-analytics", "1.2.3", "builtin", {"task": "regression"})
    write_record(tmp_path, record)
    assert read_record(tmp_path) == record
    assert read_answers_input(tmp_path / ".mlscaffold-answers.yml") == {"task": "regression"}


def test_an_answers_input_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text("- a\n- b\n")
    with pytest.raises(UsageError, match="not a mapping"):
        read_answers_input(path)
