"""Write the example brand's metrics history: made-up, deterministic snapshots.

    .venv/bin/python tools/dev/make_example_metrics.py [--root .] [--seed 6]

The example brand (Lumen & Grain Studio) has never really been published, so its
``metrics/`` folder is example data: one snapshot a day from 1 December 2026 to 31 January
2027, as ``tidings metrics`` would write it if every December and January post had gone out
on Mastodon and Bluesky at its scheduled time. The other network channels are ``skipped``
as in a run without their credentials.

The numbers follow simple, plausible rules so the dashboards have something to say: client
stories and images do better than offers, evenings better than mornings, counts grow
quickly in a post's first days and then settle, followers grow a little every day and a
little more on days with posts. Mastodon does not report quotes here (a server before 4.5:
``null``, never 0); neither platform reports views. Competitor accounts from
``brand/competitors.yaml`` get readings too. Running it again gives the same files; it
replaces every snapshot under ``metrics/`` (the example audit in ``metrics/audits/``
stays).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import shutil
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from tidings.core.platforms import is_local
from tidings.metrics.snapshots import (
    ChannelReading,
    CompetitorReading,
    PostReading,
    Snapshot,
    dump_snapshot,
    parse_snapshot,
    snapshot_path,
)
from tidings.platforms.base import AccountCounts, Counts
from tidings.workspace.loader import load_workspace

FIRST, LAST = date(2026, 12, 1), date(2027, 1, 31)
READ = ("mastodon", "bluesky")
COLLECT_AT = time(6, 10)  # the metrics workflow's morning run, brand's time
TAG_WEIGHT = {
    "client-stories": 1.6,
    "behind-the-scenes": 1.3,
    "tips": 1.1,
    "studio-news": 0.9,
    "offers": 0.7,
}
TYPE_WEIGHT = {"image": 1.3, "thread": 1.15, "link": 0.85, "text": 1.0}
PLATFORM_SCALE = {"mastodon": 14.0, "bluesky": 9.0}
START_FOLLOWERS = {"mastodon": 640, "bluesky": 212}
DAILY_GROWTH = {"mastodon": 3.1, "bluesky": 1.4}


def _stable(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:8], "big")


def _remote_id(platform: str, post: str) -> str:
    n = _stable(platform, post)
    if platform == "mastodon":
        return str(113_000_000_000_000_000 + n % 10**15)
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    rkey = "".join(alphabet[(n >> (5 * i)) & 31] for i in range(13))
    return f"at://did:plc:examplelumengrain00000/app.bsky.feed.post/3l{rkey}"


def _hour_weight(hour: int) -> float:
    return 1.35 if 17 <= hour <= 20 else 1.1 if 11 <= hour <= 13 else 0.85


def _kind(post: object, channel: str) -> str:
    from tidings.metrics.export import post_type

    return post_type(post, channel)  # type: ignore[arg-type]


def build(root: Path, seed: int) -> list[Snapshot]:
    ws, _ = load_workspace(root)
    assert ws.brand is not None
    tz = ws.brand.timezone
    rng = random.Random(seed)
    jobs = []  # (post id, channel, platform, published_at, final counts)
    for post in sorted(ws.posts.values(), key=lambda p: p.id):
        if post.draft:
            continue
        for cid in post.channels:
            channel = ws.channels.get(cid)
            at = post.when(cid)
            if channel is None or channel.platform not in READ or at is None:
                continue
            local = at.astimezone(tz)
            if not FIRST <= local.date() <= LAST:
                continue
            weight = math.prod(TAG_WEIGHT.get(t, 1.0) for t in post.tags) or 1.0
            weight *= TYPE_WEIGHT[_kind(post, cid)] * _hour_weight(local.hour)
            weight *= 1.15 if local.weekday() >= 5 else 1.0
            total = PLATFORM_SCALE[channel.platform] * weight * rng.uniform(0.7, 1.3)
            final = {
                "likes": total * 0.62,
                "reposts": total * 0.22,
                "replies": total * 0.12,
                "quotes": total * 0.04,
            }
            published = (at + timedelta(seconds=rng.randint(1, 9))).astimezone(UTC)
            jobs.append((post.id, cid, channel.platform, published, final))
    network = sorted(cid for cid, ch in ws.channels.items() if not is_local(ch.platform))
    followers = {cid: float(START_FOLLOWERS.get(ws.channels[cid].platform, 0)) for cid in network}
    competitors = [
        (c.name, a.platform, a.handle, 300 + _stable(a.handle) % 900, 2 + _stable(c.name) % 5)
        for c in ws.competitors
        for a in c.accounts
    ]
    snapshots = []
    day = FIRST
    while day <= LAST:
        collected = datetime.combine(day, COLLECT_AT, tz).astimezone(UTC)
        channels: dict[str, ChannelReading] = {}
        for cid in network:
            platform = ws.channels[cid].platform
            if platform not in READ:  # as a run without this channel's credentials says
                var = next(iter(ws.channels[cid].credentials.values()), "its credentials")
                why = f"channel {cid!r} needs the environment variable {var}, which is not set"
                channels[cid] = ChannelReading(cid, platform, "skipped", error=why)
                continue
            posts = []
            new_today = 0
            for pid, jcid, _, published, final in jobs:
                if jcid != cid or published > collected:
                    continue
                age = (collected - published).total_seconds() / 86400
                new_today += age < 1
                share = 1 - math.exp(-age / 1.4)
                n = {k: int(v * share) for k, v in final.items()}
                if platform == "mastodon":
                    raw = {
                        "favourites_count": n["likes"],
                        "reblogs_count": n["reposts"],
                        "replies_count": n["replies"],
                    }
                    counts = Counts(n["likes"], n["reposts"], n["replies"], None, None, raw)
                else:
                    raw = {
                        "likeCount": n["likes"],
                        "repostCount": n["reposts"],
                        "replyCount": n["replies"],
                        "quoteCount": n["quotes"],
                        "bookmarkCount": n["likes"] // 6,
                    }
                    counts = Counts(n["likes"], n["reposts"], n["replies"], n["quotes"], None, raw)
                posts.append(PostReading(pid, cid, _remote_id(platform, pid), published, counts))
            followers[cid] += DAILY_GROWTH[platform] * rng.uniform(0.4, 1.6) + 2.5 * new_today
            count = int(followers[cid])
            raw_account = (
                {
                    "followers_count": count,
                    "following_count": 180,
                    "statuses_count": 410 + len(posts),
                }
                if platform == "mastodon"
                else {"followersCount": count, "followsCount": 40, "postsCount": 388 + len(posts)}
            )
            channels[cid] = ChannelReading(
                cid, platform, "ok", AccountCounts(count, raw_account), tuple(posts)
            )
        readings = []
        for name, platform, handle, base, per_week in competitors:
            offset = (day - FIRST).days
            readings.append(
                CompetitorReading(
                    name,
                    platform,
                    handle,
                    "ok",
                    base + offset * (1 + _stable(handle, "g") % 3),
                    40,
                    round(per_week * rng.uniform(0.85, 1.15), 1),
                    round((8 + _stable(handle, "e") % 12) * rng.uniform(0.8, 1.2), 1),
                )
            )
        snapshots.append(
            Snapshot(
                day,
                collected,
                ws.settings.metrics_window_days,
                channels,
                snapshot_path(day),
                tuple(readings),
            )
        )
        day += timedelta(days=1)
    return snapshots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    snapshots = build(args.root, args.seed)
    for year in sorted((args.root / "metrics").glob("[0-9][0-9][0-9][0-9]")):
        shutil.rmtree(year)  # the snapshots only: metrics/audits/ is the audit's example
    for snapshot in snapshots:
        text = dump_snapshot(snapshot)
        parse_snapshot(text, snapshot.path, validate=True)  # the schema accepts it
        path = args.root / snapshot.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(snapshots)} snapshots to {args.root / 'metrics'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
