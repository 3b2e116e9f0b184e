"""The one family of errors a user sees: each says what went wrong and what to do about it."""

from __future__ import annotations


class MlscaffoldError(Exception):
    """An error with a one-line message that names the remedy; the CLI prints it and exits."""

    exit_code = 1

    def __init__(self, message: str, remedy: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy

    def __str__(self) -> str:
        return f"{self.message}: {self.remedy}" if self.remedy else self.message


class UsageError(MlscaffoldError):
    """Bad input on the command line: an unknown template, a malformed option, a bad answer."""

    exit_code = 2


class TemplateNotFound(UsageError):
    pass


class InvalidAnswer(UsageError):
    pass


class DestinationNotEmpty(UsageError):
    pass


class TemplateError(MlscaffoldError):
    """The template itself is broken or unsafe: its render failed or left the destination."""


class GitError(MlscaffoldError):
    """git is missing, or a git operation (commit, push) failed."""


class PushFailed(GitError):
    """The project was created and committed, only the push failed."""

    exit_code = 4


class Interrupted(MlscaffoldError, KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP stopped `new` or `update`; the message says what was kept.

    Still a KeyboardInterrupt, for callers that catch one.
    """

    exit_code = 130
