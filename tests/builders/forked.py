"""Writers of the ledger run in forked children, so a test can kill them at a step
boundary (``TIDINGS_CRASH_AT``) or stop them there (``TIDINGS_PAUSE_AT``) and run another
writer before they go on. A fork is a real separate process (SIGKILL kills only it), and it
starts in milliseconds because the parent has already imported tidings."""

from __future__ import annotations

import json
import os
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from builders.remotes import ENV

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> datetime:
    """``2026-12-10 09:05`` in the fixture brand's timezone."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@dataclass
class Child:
    """A forked writer: running, stopped at a step, or finished."""

    pid: int
    out: Path
    status: str = "running"  # running, stopped, exited, killed
    code: int | None = None

    def _wait(self) -> Child:
        _, raw = os.waitpid(self.pid, os.WUNTRACED)
        if os.WIFSTOPPED(raw):
            self.status = "stopped"
        elif os.WIFSIGNALED(raw):
            self.status, self.code = "killed", -os.WTERMSIG(raw)
        else:
            self.status, self.code = "exited", os.WEXITSTATUS(raw)
        return self

    def resume(self) -> Child:
        """Let a stopped child go on, and wait until it stops again or ends."""
        assert self.status == "stopped"
        os.kill(self.pid, signal.SIGCONT)
        return self._wait()

    def finish(self) -> Child:
        """Resume until it ends."""
        while self.status == "stopped":
            self.resume()
        return self

    @property
    def result(self) -> dict[str, object]:
        """What the child wrote: ``outcomes`` (post, channel, result) or ``error``."""
        if not self.out.exists():
            return {}
        return dict(json.loads(self.out.read_text()))


def fork(
    work: Callable[[], dict[str, object]],
    out: Path,
    *,
    crash: str | None = None,
    pause: str | None = None,
) -> Child:
    """Run ``work`` in a child (with the crash or pause step set); wait until it stops or
    ends. ``work`` returns what the child reports, written as JSON to ``out``."""
    out.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 3
        try:
            os.environ.update(ENV)
            os.environ.pop("TIDINGS_CRASH_AT", None)
            os.environ.pop("TIDINGS_PAUSE_AT", None)
            if crash:
                os.environ["TIDINGS_CRASH_AT"] = crash
            if pause:
                os.environ["TIDINGS_PAUSE_AT"] = pause
            report = work()
            code = int(str(report.pop("exit_code", 0)))
            out.write_text(json.dumps(report))
        except BaseException as exc:  # the child reports everything, then exits
            from tidings.errors import TidingsError

            code = 1 if isinstance(exc, TidingsError) else 3
            text = str(exc) if code == 1 else traceback.format_exc()
            out.write_text(json.dumps({"error": text}))
        finally:
            os._exit(code)
    return Child(pid, out)._wait()


def publisher(
    root: Path,
    now: datetime,
    *channels: str,
    batch: int | None = None,
    clock: Callable[[], float] | None = None,
) -> Callable[[], dict[str, object]]:
    """``tidings publish --push --now NOW [--channel C …]`` in ``root``, as a child's work;
    ``batch`` results to a commit (the default when None), reading time from ``clock``
    (the real one when None)."""

    def work() -> dict[str, object]:
        from tidings.jobs.publish import Options, publish

        env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
        extra: dict[str, object] = {}
        if batch is not None:
            extra["batch"] = batch
        if clock is not None:
            extra["clock"] = clock
        opts = Options(now=now, push=True, only=frozenset(channels), env=env, **extra)  # type: ignore[arg-type]
        report = publish(root, opts)
        return {
            "exit_code": report.exit_code,
            "outcomes": [[o.post_id, o.channel, o.result, o.detail] for o in report.outcomes],
            "warnings": report.warnings,
        }

    return work
