"""One run of a CI job (publish, collect metrics, resolve), and what every job shares.

A job is told the same things and does the same chores, whatever it is for:

- :class:`Options`: what it is told, frozen: the instant it acts at (``--now``, already read
  in the brand's timezone by the command), commit or not, push or not, the channels and the
  lateness window to keep to, the environment (credentials), and for tests the HTTP
  transport, the sleep and the clock.
- :class:`Run`: the mechanics over one checkout: the git checks before it starts (a
  repository, and with ``--push`` a clean, up-to-date checkout), the one HTTP client and its
  lifetime, a commit of exactly the given paths, and the push that fetches, rebases and
  retries when another run pushed first (:class:`Landing` says what became of it).
- :class:`RunReport`: the part of every job's report the command prints the same way: the
  warnings, and the exit code.

Time and the environment are never read inside a job: they come in through :class:`Options`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from tidings.errors import TidingsError
from tidings.jobs.git import Repo
from tidings.redaction import register

if TYPE_CHECKING:  # httpx and the adapters load only when a job first talks to a platform
    import httpx

    from tidings.platforms.http import Caller
    from tidings.workspace.model import Channel, Workspace


STALE_LOCK = 600.0
"""Seconds after which a ``.git/index.lock`` is taken as left by a killed git command: no
git command of a run holds it for long, and one checkout serves one run at a time."""


@dataclass(frozen=True)
class Options:
    """What one job run is told; the same for every job (a job ignores what it has no use
    for: metrics has no ``only`` or ``lateness``)."""

    now: datetime
    push: bool = False
    commit: bool = True
    only: frozenset[str] = frozenset()
    lateness: timedelta | None = None
    batch: int = 50
    """Results recorded before they are committed (and with ``push`` pushed) together."""
    batch_seconds: float = 10.0
    """...or once the oldest result not yet committed is this many seconds old."""
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    progress: Callable[[int, int], None] | None = None
    """Told ``(done, total)`` after each job, for the command's progress bar."""


@dataclass(frozen=True)
class Records:
    """What a job commits, in the words its errors use: the folder its files are in, the
    error type it raises, and how it names its files."""

    folder: str
    error: type[TidingsError]
    what: str
    """what cannot be committed outside git: ``the ledger``"""
    files: str
    """what ``--no-commit`` still writes: ``the ledger files``"""


@dataclass(frozen=True)
class Landing:
    """What became of a commit: whether there was one, whether it reached the remote, and if
    not, whether another run wrote the same file (``conflict``) and what git said."""

    committed: bool
    pushed: bool = False
    conflict: bool = False
    problem: str = ""


@dataclass
class RunReport:
    """The part of a job's report every command prints alike: warnings, and the exit code
    (0 when the job's own ``ok`` holds, else 1)."""

    warnings: list[str] = field(default_factory=list, kw_only=True)

    @property
    def ok(self) -> bool:
        raise NotImplementedError

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


class Run:
    """One job run over the checkout at ``root``: its options, its git repository (when it
    commits), and the one HTTP client every adapter of the run shares. Use it as a context
    manager, or call :meth:`close`, to close the client."""

    def __init__(self, root: Path, opts: Options) -> None:
        self.root = root
        self.opts = opts
        self.repo = Repo(root) if opts.commit or opts.push else None
        self.notes: list[str] = []
        """What :meth:`start` had to do that the job's report should say."""
        self._client: httpx.Client | None = None

    @property
    def now(self) -> datetime:
        return self.opts.now

    @property
    def env(self) -> Mapping[str, str]:
        return self.opts.env

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def keep_secrets(self, channels: Iterable[Channel]) -> None:
        """Register the value of every secret the channels' ``credentials:`` name (whatever
        the variable is called) with :mod:`tidings.redaction`: from now on no message, ledger
        file, report or crash log of this process shows it."""
        from tidings.core.credentials import secret_values

        for channel in channels:
            for value, name in secret_values(channel, self.env).items():
                register(value, name)

    # ------------------------------------------------------------------ git

    def start(
        self,
        records: Records,
        leftover_message: str,
        *,
        settle: Callable[[Repo, Sequence[str]], None] | None = None,
    ) -> None:
        """Check the checkout before the job decides anything: a git repository when it
        commits; with ``--push``, clean and up to date with the remote. An index lock left
        by a git command that was killed (older than :data:`STALE_LOCK`) is removed. Files
        under ``records.folder`` that an interrupted run wrote and did not commit are the
        newest truth (e.g. ``published``): ``settle`` may first correct them (the publisher
        drops claims that never reached a commit), then they are committed with
        ``leftover_message``. Commits of them left unpushed are rebased onto the remote and
        pushed before the job decides anything."""
        if self.repo is None:
            return
        if not self.repo.is_repo():
            raise records.error(
                f"{self.root} is not a git repository, so {records.what} cannot be committed",
                f"run it in a clone, or pass --no-commit to only write {records.files}",
            )
        if not self.opts.push:
            return
        self.repo.clear_stale_lock(STALE_LOCK, self.opts.clock())
        dirty = self.repo.dirty()
        if dirty and all(path.startswith(records.folder + "/") for path in dirty):
            if settle is not None:
                settle(self.repo, dirty)
                dirty = self.repo.dirty()
            self.repo.commit(dirty, leftover_message)
            dirty = []
        if dirty:
            raise records.error(
                "--push needs a clean checkout, but these files have changes: "
                + ", ".join(dirty[:5]),
                "commit or stash them (CI checkouts are always clean)",
            )
        note = self.repo.sync(records.folder)
        if note:
            self.notes.append(note)
        if self.repo.ahead():  # an interrupted run's records: on the remote before anything
            result = self.repo.push()
            if not result.landed:
                raise records.error(
                    f"could not push the records an interrupted run left: {result.message}",
                    "nothing was done; the next run tries again",
                )

    def land(
        self,
        paths: Sequence[str],
        message: str,
        *,
        rewrite: Callable[[], None] | None = None,
        tries: int = 3,
    ) -> Landing:
        """Commit exactly ``paths``; with ``--push``, push the commit.

        On a conflict (another run pushed the same file) the push gives up, unless
        ``rewrite`` is given: then the remote's branch is taken, ``rewrite`` writes this
        run's files again over it, and the commit and push are tried again, ``tries``
        times in all (a commit with nothing left to change means the remote already holds
        exactly these files)."""
        if self.repo is None or not self.repo.commit(paths, message):
            return Landing(committed=False)
        if not self.opts.push:
            return Landing(committed=True)
        problem = ""
        for _ in range(tries if rewrite is not None else 1):
            result = self.repo.push()
            if result.landed:
                return Landing(committed=True, pushed=True)
            problem = result.message
            if not result.conflict or rewrite is None:
                return Landing(committed=True, conflict=result.conflict, problem=problem)
            self.repo.reset_to_remote()
            rewrite()
            if not self.repo.commit(paths, message):
                return Landing(committed=True, pushed=True)
        return Landing(committed=True, conflict=True, problem=problem)

    def take_remote(self) -> None:
        """Drop this run's unpushed commits and take the remote's branch."""
        assert self.repo is not None
        self.repo.reset_to_remote()

    # ------------------------------------------------------------------ HTTP

    def http(self) -> httpx.Client:
        """The run's one HTTP client, made on first use."""
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                transport=self.opts.transport,
                timeout=httpx.Timeout(30.0, connect=10.0),
                headers={"User-Agent": "tidings (+https://github.com/tidings)"},
            )
        return self._client

    def caller(self, attempts: int | None = None) -> Caller:
        """A fresh request sender (with its own request count) on the run's client, sleeping
        and reading the clock as the options say."""
        from tidings.platforms.http import Caller

        if attempts is None:
            return Caller(self.http(), sleep=self.opts.sleep, clock=self.opts.clock)
        return Caller(self.http(), sleep=self.opts.sleep, clock=self.opts.clock, attempts=attempts)

    def close(self) -> None:
        """Close the HTTP client, if the run made one."""
        if self._client is not None:
            self._client.close()
            self._client = None


def settings_workspace(root: Path, error: type[TidingsError], not_done: str) -> Workspace:
    """The workspace at ``root`` for a job that reads the platforms (metrics, inbox, audit):
    errors in the shared settings (tidings.yaml, brand.yaml, channels.yaml) stop it, raised
    as ``error`` saying what was ``not_done`` ("no snapshot was written")."""
    from tidings.diagnostics import Severity
    from tidings.workspace import layout
    from tidings.workspace.loader import load_workspace

    ws, diagnostics = load_workspace(root)
    shared = (layout.MARKER, layout.BRAND, layout.CHANNELS)
    errors = [
        f"{d.path}:{d.line}: {d.message}"
        for d in diagnostics
        if d.severity is Severity.ERROR and d.path in shared
    ]
    if errors or ws.brand is None:
        raise error(
            f"the workspace settings have errors, so {not_done}:\n  "
            + "\n  ".join(errors[:10] or [f"{layout.BRAND} could not be read"]),
            "run `tidings check` and fix them",
        )
    return ws
