"""Publishing many due posts: one claim commit, results in batches (issue 20, the publish row).

Real git (a bare remote on disk and clones of it); writers run as forked children
(tests/builders/forked.py), killed or stopped at the step boundaries a batch adds: after the
batch claim is pushed (``claimed``), mid-sends (``sent#N``: after the N-th part went out,
nothing recorded), after a result is written but not committed (``recorded#N``) and after a
batch of results is pushed (``landed``). The local channel ``one`` (an outbox folder every
clone shares) plays the platform and counts what was sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from builders.forked import at, fork, publisher
from builders.posts import post
from builders.remotes import clone, git, remote_file, remote_log
from builders.workspaces import published

NOW = at("2026-12-10 09:05")
LATER = NOW + timedelta(minutes=15)  # the next scheduled run: the crashed run's lease is over


def ids(n: int) -> list[str]:
    return [f"2026/12/n{i}" for i in range(n)]


def setup(tmp: Path, n: int = 5) -> tuple[Path, Path]:
    files: dict[str, str | bytes] = {
        "brand/channels.yaml": (
            f"channels:\n  one:\n    platform: outbox\n    path: {tmp / 'server-one'}\n"
        ),
        # the base fixture's post goes to channels this brand lacks: replace it
        "content/posts/2026/12/hello.md": post(
            "one", title="Hello", at="2026-12-20 09:00", parts=("Later.",), media=()
        ),
    }
    for i, pid in enumerate(ids(n)):
        files[f"content/posts/{pid}.md"] = post(
            "one", title=f"Note {i}", parts=(f"Note number {i} from the studio.",), media=()
        )
    return published(tmp, files)


def sent(tmp: Path) -> Counter[str]:
    log = tmp / "server-one" / "sent.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter(json.loads(line)["post"] for line in lines)


def states(remote: Path, n: int = 5) -> dict[str, str]:
    out = {}
    for pid in ids(n):
        text = remote_file(remote, f"ledger/{pid}.yaml")
        out[pid] = yaml.safe_load(text)["channels"]["one"]["state"] if text else "none"
    return out


def results(remote: Path) -> list[str]:
    """The remote's commits after the claim, oldest first."""
    log = remote_log(remote)[::-1]
    return log[log.index("publish: claim 5 job(s)") + 1 :]


def test_one_claim_commit_then_results_in_batches_of_the_count(tmp_path: Path) -> None:
    remote, work = setup(tmp_path)
    a = fork(
        publisher(work, NOW, batch=2, clock=lambda: 0.0), tmp_path / "a.json"
    )  # no time passes
    assert a.code == 0, a.result
    assert sent(tmp_path) == Counter(ids(5))
    assert set(states(remote).values()) == {"published"}
    assert results(remote) == [
        "publish: 2 results (2 published)",
        "publish: 2 results (2 published)",
        "publish: 2026/12/n4 on one: published",
    ]


def test_a_batch_lands_when_its_oldest_result_is_old_enough(tmp_path: Path) -> None:
    """With a count no run reaches, time alone closes batches: on a clock where each send
    takes 4 s, the batch begun by the first result is 12 s old at the fourth and lands."""
    remote, work = setup(tmp_path)

    def clock() -> float:  # 4 s for every part sent so far
        return 4.0 * sum(sent(tmp_path).values())

    a = fork(publisher(work, NOW, batch=1000, clock=clock), tmp_path / "a.json")
    assert a.code == 0, a.result
    assert set(states(remote).values()) == {"published"}
    assert results(remote) == [
        "publish: 4 results (4 published)",
        "publish: 2026/12/n4 on one: published",
    ]


def test_the_batch_claim_is_on_the_remote_before_anything_is_sent(tmp_path: Path) -> None:
    remote, work = setup(tmp_path)
    a = fork(publisher(work, NOW, batch=2), tmp_path / "a.json", crash="claimed")
    assert a.code == -signal.SIGKILL
    assert set(states(remote).values()) == {"pending"}
    assert remote_log(remote)[0] == "publish: claim 5 job(s)"
    assert not sent(tmp_path)

    b = fork(publisher(clone(remote, tmp_path / "b"), LATER), tmp_path / "b.json")
    assert b.code == 0, b.result
    assert sent(tmp_path) == Counter(ids(5))
    assert set(states(remote).values()) == {"published"}


@pytest.mark.parametrize(
    ("step", "on_remote"),
    [
        # the first batch (n0, n1) landed, n2 went out and nothing recorded it
        ("sent#3", ["published", "published", "pending", "pending", "pending"]),
        # n2's result written, not committed
        ("recorded#3", ["published", "published", "pending", "pending", "pending"]),
        # right after the first batch was pushed
        ("landed", ["published", "published", "pending", "pending", "pending"]),
        # right after the second
        ("landed#2", ["published"] * 4 + ["pending"]),
    ],
)
@pytest.mark.parametrize("fresh_clone", [False, True], ids=["same-checkout", "new-checkout"])
def test_a_crash_between_batches_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, step: str, on_remote: list[str], fresh_clone: bool
) -> None:
    remote, work = setup(tmp_path)
    a = fork(publisher(work, NOW, batch=2), tmp_path / "a.json", crash=step)
    assert a.code == -signal.SIGKILL
    assert list(states(remote).values()) == on_remote
    assert all(n == 1 for n in sent(tmp_path).values())

    again = clone(remote, tmp_path / "again") if fresh_clone else work
    b = fork(publisher(again, LATER, batch=2), tmp_path / "b.json")
    assert b.code == 0, b.result
    assert sent(tmp_path) == Counter(ids(5)), "a post was sent twice or never"
    assert set(states(remote).values()) == {"published"}
    for pid in ids(5):  # what went out is recorded where it went
        text = remote_file(remote, f"ledger/{pid}.yaml")
        assert text is not None
        parts = yaml.safe_load(text)["channels"]["one"]["parts"]
        assert [p["id"] for p in parts] == [f"{pid}#0"]


def test_another_run_leaves_claimed_jobs_alone_while_the_lease_holds(tmp_path: Path) -> None:
    remote, work = setup(tmp_path)
    a = fork(publisher(work, NOW, batch=2), tmp_path / "a.json", pause="sent")
    assert a.status == "stopped"
    b = fork(
        publisher(clone(remote, tmp_path / "b"), NOW + timedelta(minutes=2)), tmp_path / "b.json"
    )
    assert b.code == 0, b.result
    outcomes = b.result["outcomes"]
    assert {o[2] for o in outcomes} == {"in progress"}, outcomes  # type: ignore[union-attr,index]
    a.finish()
    assert a.code == 0, a.result
    assert sent(tmp_path) == Counter(ids(5))
    assert set(states(remote).values()) == {"published"}


def test_a_run_stalled_past_its_lease_sends_nothing_another_run_took_over(tmp_path: Path) -> None:
    """A stops after its first send for 11 minutes (its clock moves on as a real process's
    would). B, a run in another clone, finds A's lease over, takes the jobs over with a
    lease of its own and reconciles them: it finds n0 sent, and sends the rest. When A goes
    on, half its lease has passed: it renews the leases before sending again, the push
    conflicts with B's records, and A sends nothing more."""
    remote, work = setup(tmp_path)
    offset = tmp_path / "offset"
    offset.write_text("0")

    def clock() -> float:
        return time.time() + float(offset.read_text())

    a = fork(publisher(work, NOW, clock=clock), tmp_path / "a.json", pause="sent")
    assert a.status == "stopped"
    offset.write_text(str(11 * 60))
    b = fork(
        publisher(clone(remote, tmp_path / "b"), NOW + timedelta(minutes=11)), tmp_path / "b.json"
    )
    assert b.code == 0, b.result
    assert set(states(remote).values()) == {"published"}
    a.finish()
    assert a.code in (0, 1), a.result
    assert sent(tmp_path) == Counter(ids(5)), "a post was sent twice"
    assert set(states(remote).values()) == {"published"}


def test_a_big_run_shows_a_summary_not_every_published_row(tmp_path: Path) -> None:
    remote, work = setup(tmp_path, n=55)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tidings",
            "--root",
            str(work),
            "publish",
            "--push",
            "--now",
            "2026-12-10 09:05",
            "--now-for-real",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "55 published" in done.stdout
    assert "55 published not listed" in done.stdout
    assert "n17" not in done.stdout
    assert "publish: claim 55 job(s)" in remote_log(remote)
    assert git(work, "status", "--porcelain") == ""


def test_the_command_is_told_the_progress_after_each_job(tmp_path: Path) -> None:
    _remote, work = setup(tmp_path, n=3)

    def work_() -> dict[str, object]:
        from tidings.jobs.publish import Options, publish

        told: list[tuple[int, int]] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
        opts = Options(now=NOW, push=True, env=env, progress=lambda d, t: told.append((d, t)))
        return {"exit_code": publish(work, opts).exit_code, "told": told}

    child = fork(work_, tmp_path / "a.json")
    assert child.code == 0, child.result
    assert child.result["told"] == [[1, 3], [2, 3], [3, 3]]
