"""The `mlscaffold` command: parse arguments, call one library function, print the result.

Exit codes: 0 success, 1 error (or `check`: an update exists), 2 bad input, 3 update
conflicts to resolve, 4 push failed (project kept), 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__, catalog
from .errors import MlscaffoldError

app = typer.Typer(
    name="mlscaffold",
    help="Generate ready-to-run machine-learning portfolio projects, and keep them up to date.",
    no_args_is_help=True,
    # Plain help: typer's rich help pulls in a Markdown parser, a tenth of a second on every --help.
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"mlscaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Generate ready-to-run machine-learning portfolio projects, and keep them up to date."""


@app.command("list")
def list_templates(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show the templates: one per specialization, then those installed plugins add."""
    templates = catalog.builtin_templates() + catalog.plugin_templates()
    if as_json:
        out.print_json(json.dumps([template.as_dict() for template in templates]))
        return
    from rich.table import Table

    table = Table(title="mlscaffold templates", title_justify="left")
    columns = ("template", "alias", "specialization", "description", "frameworks", "data", "CPU time", "from")
    for column in columns:
        table.add_column(column, overflow="fold")
    for t in templates:
        table.add_row(
            t.name,
            t.alias,
            t.specialization,
            t.description,
            ", ".join(t.frameworks),
            t.dataset,
            t.cpu_training_time,
            t.origin,
        )
    out.print(table)
    out.print(
        "Create one with: mlscaffold new TEMPLATE DEST  "
        "(a name or alias; also a folder, a git URL, gh:OWNER/REPO)"
    )


@app.command()
def info(
    template: Annotated[str, typer.Argument(help="Template name or alias.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a template's questions and what it produces."""
    from .answers import load_questions
    from .render import copier_files

    found = catalog.find_template(template)
    questions = [q for q in load_questions(copier_files(found)) if not q.computed]
    if as_json:
        payload = {
            **found.as_dict(),
            "produces": found.produces,
            "questions": [q.as_dict() for q in questions],
        }
        out.print_json(json.dumps(payload, default=str))
        return
    from rich.table import Table

    out.print(f"[bold]{found.name}[/] ({found.alias}): {found.description}\n")
    out.print(found.produces + "\n")
    table = Table(title="questions (answer with -d NAME=VALUE)", title_justify="left")
    for column in ("name", "type", "default", "choices", "help"):
        table.add_column(column, overflow="fold")
    for q in questions:
        choices = ", ".join(str(value) for _, value in q.choices)
        table.add_row(q.name, q.type, str(q.default), choices, q.help)
    out.print(table)


def _prompt(question: Any, default: Any, error: str | None) -> Any:
    from rich.prompt import Prompt

    if error:
        err.print(f"[red]{escape(error)}[/]")
    choices = [str(value) for _, value in question.choices] or None
    shown = "" if default is None else str(default).lower() if isinstance(default, bool) else str(default)
    return Prompt.ask(
        f"{question.help or question.name} [dim]({question.name})[/]", default=shown, choices=choices
    )


# Options `new` and `update` share.
VcsRefOption = Annotated[
    str | None, typer.Option("--vcs-ref", help="Git template: tag, branch or commit (default: newest tag).")
]
TrustOption = Annotated[
    bool, typer.Option("--trust", help="Run a third-party template's tasks, hooks and extensions.")
]


@app.command()
def new(
    template: Annotated[str, typer.Argument(help="Template name or alias (see `mlscaffold list`).")],
    dest: Annotated[Path, typer.Argument(help="Folder to create; must be missing or empty.")],
    data: Annotated[
        list[str] | None, typer.Option("--data", "-d", help="An answer, as KEY=VALUE (repeatable).")
    ] = None,
    answers_file: Annotated[
        Path | None, typer.Option("--answers-file", help="YAML file of answers (KEY: VALUE).")
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Use defaults for every unanswered question.")
    ] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Do not create a git repository.")] = False,
    remote: Annotated[
        str | None, typer.Option("--remote", help="Set this URL as the `origin` remote.")
    ] = None,
    push: Annotated[
        bool, typer.Option("--push", help="Push main to the remote after the first commit.")
    ] = False,
    vcs_ref: VcsRefOption = None,
    directory: Annotated[
        str, typer.Option("--directory", help="Third-party template: the sub-folder that holds it.")
    ] = "",
    trust: TrustOption = False,
) -> None:
    """Generate a project from a template into DEST, with a git repository and a first commit.

    TEMPLATE is a built-in name or alias, a plugin's template, a local folder, a git URL,
    or gh:OWNER/REPO / gl:OWNER/REPO.
    """
    from .scaffold import new_project

    interactive = not defaults and sys.stdin.isatty()
    project = new_project(
        template,
        dest,
        data=data or [],
        answers_file=answers_file,
        use_defaults=defaults or not interactive,
        git=not no_git,
        remote=remote,
        push=push,
        ask=_prompt if interactive else None,
        vcs_ref=vcs_ref,
        directory=directory,
        trust=trust,
    )
    record = project.record
    out.print(f"[green]Created[/] {project.path} from {record.template} {record.version}")
    for skipped in project.skipped:
        out.print(f"[yellow]Skipped {skipped}[/]: the template is not trusted; pass --trust to allow them")
    if project.commit:
        who = project.commit.identity
        out.print(f"git: branch main, commit {project.commit.sha[:8]} by {who.name} <{who.email}>")
        if project.commit.fallback:
            out.print(
                "[yellow]No git identity is configured, so the commit uses the author answers.[/] "
                'Set yours with: git config --global user.name "Your Name" && '
                "git config --global user.email you@example.com"
            )
    if project.pushed:
        out.print(f"Pushed main to {remote}")
    if record.source == "builtin":
        out.print(
            f"Next: cd {project.path} && python -m venv .venv && . .venv/bin/activate && "
            f'pip install -e ".[dev]" && {record.answers["package_name"]} train',
            markup=False,
        )


@app.command()
def update(
    path: Annotated[Path, typer.Argument(help="The project (default: here).")] = Path("."),
    data: Annotated[
        list[str] | None, typer.Option("--data", "-d", help="Change an answer, as KEY=VALUE (repeatable).")
    ] = None,
    defaults: Annotated[bool, typer.Option("--defaults", help="Use defaults for new questions.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and the diff; change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    vcs_ref: VcsRefOption = None,
    trust: TrustOption = False,
) -> None:
    """Merge the newest template (and changed answers) into the project, keeping every edit of yours."""
    from .update import CONFLICTS, PLANNED, UP_TO_DATE, update_project

    interactive = not defaults and sys.stdin.isatty() and not as_json
    result = update_project(
        path,
        data=data or [],
        use_defaults=not interactive,
        ask=_prompt if interactive else None,
        dry_run=dry_run,
        vcs_ref=vcs_ref,
        trust=trust,
    )
    if as_json:
        out.print_json(json.dumps(result.as_dict()))
    elif result.status == UP_TO_DATE:
        out.print(f"Already up to date with {result.template} {result.to_version}.")
    else:
        verb = "would change" if result.status == PLANNED else "changed"
        out.print(f"{result.template} {result.from_version} -> {result.to_version}: {verb}", markup=False)
        for name, (old, new) in result.changed_answers.items():
            out.print(f"  answer {name}: {old!r} -> {new!r}", markup=False)
        for name in result.new_questions:
            out.print(f"  new question {name}", markup=False)
        for skipped in result.skipped:
            out.print(f"  skipped {skipped}: not trusted; pass --trust to allow them", markup=False)
        for status, changed in result.changes:
            out.print(f"  {status} {changed}", markup=False)
        for kept in result.kept:
            out.print(f"  kept {kept}: the template dropped it, but you changed it", markup=False)
        for gone in result.kept_deleted:
            out.print(f"  left deleted {gone}: you deleted it; the template changed it", markup=False)
        if result.status == PLANNED:
            out.print(result.diff, markup=False, highlight=False)
            if result.conflicts:
                out.print(f"would conflict: {', '.join(result.conflicts)}", markup=False)
        elif result.commit:
            out.print(f"Committed the update as {result.commit[:8]}.")
    if result.status == CONFLICTS:
        err.print(
            f"conflicts in {', '.join(result.conflicts)}: resolve the <<<<<<< markers, "
            "`git add` the files, then `git commit` (or `git merge --abort`)",
            markup=False,
        )
        raise typer.Exit(3)


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="The project (default: here).")] = Path("."),
) -> None:
    """Exit 0 when the project is on the newest template version, 1 when an update exists."""
    from .update import check_project

    result = check_project(path)
    if result.up_to_date:
        out.print(f"{result.template} {result.current} is the newest version.", markup=False)
        return
    out.print(
        f"{result.template} {result.current} -> {result.latest} available: run `mlscaffold update`",
        markup=False,
    )
    raise typer.Exit(1)


@app.command()
def diff(
    path: Annotated[Path, typer.Argument(help="The project (default: here).")] = Path("."),
    stat: Annotated[bool, typer.Option("--stat", help="Only a summary per file.")] = False,
) -> None:
    """Show what you changed relative to the pristine template render."""
    from .update import diff_project

    text = diff_project(path, stat=stat)
    out.print(text or "No changes from the pristine render.", markup=False, highlight=False)


def main() -> None:
    """Console entry point: user errors become one line on stderr and an exit code."""
    try:
        code = app(standalone_mode=False)  # returns the code of a typer.Exit instead of exiting
    except MlscaffoldError as error:
        err.print(f"[red]error:[/] {escape(str(error))}")
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted: nothing was written")
        sys.exit(130)
    except Exception as error:
        import click

        if isinstance(error, click.exceptions.Abort):
            err.print("interrupted: nothing was written")
            sys.exit(130)
        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
