"""The one error hierarchy of tidings: every error type is defined here.

    TidingsError              expected failure: the CLI prints the message and exits 1 (or 2)
     ├── WorkspaceError       no workspace root, unreadable tidings.yaml, … (exit 2)
 │    └── FormatError     the repository's format is not the one this engine reads
     ├── UsageError           a command was called with arguments that cannot work (exit 2)
     ├── MediaError           an image cannot be sent: unreadable, or it cannot be made to
     │                        fit the platform
     ├── CredentialError      a credential a channel names is not set (names the variable)
     ├── UnsupportedPlatform  a channel names a platform no adapter publishes to
     ├── PlatformError        a platform call failed, classified (retryable, auth, uncertain)
     │    └── DuplicateContent  X refused a post it has seen recently from the account
     ├── PublishError         publishing cannot start or finish: no git repository, broken
     │                        shared files, a dirty checkout, the ledger cannot be claimed
     │                        or pushed
     ├── LedgerError          an existing ledger file cannot be read: every writer stops
     │                        rather than rewrite it (names the file and line)
     ├── MetricsError         metrics cannot be collected, or a snapshot cannot be read
     ├── InboxError           the inbox cannot be collected, or an inbox file cannot be read
     ├── GitError             a git command failed
     ├── GitHubError          GitHub refused a request, or could not be reached
     ├── SiteError            MkDocs could not build the preview site
     └── WorkerStopped        a worker process (see processes.py) ended before it finished

Bad *content* is never an exception: checks return Diagnostic values instead. A few
exceptions are signals caught inside one layer and turned into diagnostics or ledger states
there, never shown as errors: ``TimeProblem``, ``YamlProblem`` and ``FileProblem``
(workspace/, each carrying a diagnostic's code and suggestion), ``HandleError``
(platforms/competitors.py) and ``Unknowable`` (platforms/base.py: a part's fate cannot be
known, recorded as ``unknown``).
"""

from __future__ import annotations

from collections.abc import Iterable

from tidings.redaction import redact


class TidingsError(Exception):
    """An expected failure with a message meant for people. The message and hint pass
    through :func:`tidings.redaction.redact` when the error is made: no secret the process
    knows (or anything shaped like a token) is ever in them, whoever prints or stores them."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.hint = redact(hint) if hint else hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class WorkspaceError(TidingsError):
    """The workspace cannot be found or opened."""

    exit_code = 2


class FormatError(WorkspaceError):
    """The repository's ``format:`` (tidings.yaml) is newer than this engine reads, or older
    and in need of ``tidings migrate``."""


class UsageError(TidingsError):
    """A command was asked for something it cannot do."""

    exit_code = 2


class MediaError(TidingsError):
    """An image cannot be sent to a platform: unreadable, or it cannot be made to fit."""


class CredentialError(TidingsError):
    """A credential the channel names is not set. The message names the variable, never a value."""


class UnsupportedPlatform(TidingsError):
    """A channel names a platform that no adapter publishes to."""


class PlatformError(TidingsError):
    """A platform call failed. ``str()`` is safe to print and to store in the ledger."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        auth: bool = False,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        self.auth = auth
        self.uncertain = uncertain

    def reworded(self, message: str, *, uncertain: bool | None = None) -> PlatformError:
        """The same failure (same class and classification) with another message; with
        ``uncertain=True`` also retryable, as an outcome nobody can vouch for."""
        if uncertain:
            return type(self)(
                message,
                retryable=True,
                status=self.status,
                retry_after=self.retry_after,
                auth=self.auth,
                uncertain=True,
            )
        return type(self)(
            message,
            retryable=self.retryable,
            status=self.status,
            retry_after=self.retry_after,
            auth=self.auth,
            uncertain=self.uncertain,
        )

    def scrubbed(self, secrets: Iterable[str], mark: str = "[token]") -> PlatformError:
        """This error with every secret in its message replaced by ``mark`` (itself when
        none occurs): for platforms that echo a token back in their error text."""
        message = self.message
        for secret in secrets:
            if secret:
                message = message.replace(secret, mark)
        return self if message == self.message else self.reworded(message)


class DuplicateContent(PlatformError):
    """X refused a post because the account posted the same text recently."""


class PublishError(TidingsError):
    """Publishing cannot start or finish (nothing is half-recorded: the ledger says where)."""


class LedgerError(TidingsError):
    """An existing ledger file does not read (conflict markers, broken YAML, a record that
    is not one): no writer may touch it, or the records it holds would be lost."""


class MetricsError(TidingsError):
    """Metrics cannot be collected, or a snapshot cannot be read."""


class InboxError(TidingsError):
    """The inbox cannot be collected, or a file under ``inbox/`` does not read (the run then
    leaves that channel's files as they are rather than rewrite them)."""


class GitError(TidingsError):
    """A git command failed."""


class GitHubError(TidingsError):
    """GitHub refused a request, or could not be reached."""


class SiteError(TidingsError):
    """MkDocs could not build the site (a bad mkdocs.yml, a missing theme or plugin)."""


class WorkerStopped(TidingsError):
    """A worker process ended before it sent back its share (killed, or out of memory):
    nothing it did is kept, and ``--jobs 1`` does all the work in one process."""

    exit_code = 2  # not a finding about the content: the command could not do its work

    def __init__(self, doing: str) -> None:
        super().__init__(
            f"a worker process {doing} stopped before it finished (killed, or out of memory?)",
            "run again with `--jobs 1` to do it all in one process",
        )
