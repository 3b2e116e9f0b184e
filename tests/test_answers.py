from pathlib import Path

import pytest

from mlscaffold.answers import (
    AnswersRecord,
    Question,
    cast,
    load_questions,
    parse_data,
    read_answers_input,
    read_record,
    recorded_answers,
    resolve,
    write_record,
)
from mlscaffold.catalog import find_template
from mlscaffold.errors import InvalidAnswer, UsageError
from mlscaffold.render import copier_files


@pytest.fixture
def questions() -> list[Question]:
    return load_questions(copier_files(find_template("tabular")))


def test_base_questions_come_first_then_the_template_ones(questions: list[Question]) -> None:
    names = [q.name for q in questions]
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
        ({"project_name": "has space"}, "GitHub repository name"),
        ({"author_email": "nobody"}, "name@host"),
        ({"description": 'say "hi"'}, "double quotes"),
        ({"copyright_year": "soon"}, "not a valid int"),
    ],
)
def test_invalid_answers_say_the_rule(questions, given, message) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        resolve(questions, given, use_defaults=True)


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
