"""Replicas: answered updates/s with 1, 2 and 3 `dossier bot` replicas, and the broadcast rate of two.

Usage: python bench/replicas_bench.py [--questions 600] [--subscribers 900] [--replicas 1,2,3]

Each replica is a real `dossier bot` process in webhook mode on one PostgreSQL (started here in a
temporary directory), behind a loopback round-robin balancer; Telegram is the loopback fake, which
delivers updates to the balancer as Telegram delivers them to a webhook. Questions: the send cap is
lifted (--send-rate 0, as against a local Bot API server) and every question of 200 chats is queued
at once; answered/s counts from the first update delivered to the last answer received. Broadcast:
two replicas, the fake enforcing Telegram's limits, one new article to N subscribers; the table
gives the broadcast's rate, the most messages accepted in any one-second window, and the 429s.
All processes share this machine's cores (noted with its load).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from answer_bench import ensure_index, machine  # noqa: E402  (bench/ is the script's own folder)

from tests.fake_telegram import FakeBotApi  # noqa: E402
from tests.support.archive import copy_index, run_dossier  # noqa: E402
from tests.support.balancer import Balancer  # noqa: E402
from tests.support.bot import BotProcess, bot_env, free_port  # noqa: E402
from tests.support.postgres import PostgresServer, create_database  # noqa: E402

QUESTIONS = [
    "Which companies signed the geological exploration agreement?",
    "Who is the president of Belarus?",
    "How many general processes were developed?",
    "When was the Digital Office created?",
]
ARTICLE = (
    "Kazakhstan opens rail terminal number {n} at Dostyk\n\n"
    "DOSTYK – The new rail terminal at Dostyk handles {n}00 containers a day, the transport ministry said.\n\n"
    "Officials expect the volume to double by 2027.\n"
)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start_replicas(
    count: int, telegram: FakeBotApi, data_dir: Path, database_url: str, work: Path, name: str, *args: str
) -> tuple[list[BotProcess], Balancer, list[dict[str, str]]]:
    ports = [free_port() for _ in range(count)]
    balancer = Balancer(ports).start()
    envs, replicas = [], []
    for n, port in enumerate(ports):
        env = bot_env(
            data_dir,
            telegram,
            database_url=database_url,
            webhook_url=f"http://127.0.0.1:{balancer.port}/telegram",
            webhook_listen="127.0.0.1",
            webhook_port=str(port),
            rate_limit_per_minute="1000",
        )
        envs.append(env)
        replicas.append(
            BotProcess(env, work / f"{name}-replica-{n}.log", "bot", *args).start(lambda p=port: listening(p))
        )
    return replicas, balancer, envs


def questions(count: int, total: int, data_dir: Path, base_url: str, work: Path) -> float:
    """Answered updates per second with `count` replicas, the send cap lifted."""
    with FakeBotApi() as telegram:
        replicas, balancer, _ = start_replicas(
            count,
            telegram,
            data_dir,
            create_database(base_url),
            work,
            f"questions-{count}",
            "--send-rate",
            "0",
        )
        try:
            time.sleep(2)
            chats = range(1, 201)
            started = time.monotonic()
            for k in range(total):
                telegram.push_message(chats[k % len(chats)], QUESTIONS[k % len(QUESTIONS)])
            telegram.wait_for(lambda: len(telegram.calls_to("sendMessage")) >= total, timeout=600)
            elapsed = time.monotonic() - started
            answered = len(telegram.calls_to("sendMessage"))
        finally:
            for replica in replicas:
                replica.stop()
            balancer.stop()
    return answered / elapsed


def broadcast(
    subscribers: int, data_dir: Path, base_url: str, work: Path, kill_after: int = 0
) -> dict[str, float]:
    """A broadcast by two replicas; with `kill_after`, the leader is killed (SIGKILL) after that many."""
    chats = list(range(10_000, 10_000 + subscribers))
    with FakeBotApi(enforce_limits=True) as telegram:
        for chat in chats:
            telegram.add_chat(chat, "private")
        url = create_database(base_url)
        name = f"broadcast-{'kill' if kill_after else 'steady'}"
        replicas, balancer, envs = start_replicas(2, telegram, data_dir, url, work, name)
        try:
            from bot.state.subscriptions import open_subscription_store

            store = open_subscription_store(url)
            for chat in chats:
                store.subscribe(chat)
            time.sleep(4)  # the leader records the archive's baseline
            article = work / f"{name}.txt"  # a new article each run: the archive is shared
            article.write_text(ARTICLE.format(n=len(name)))
            added = run_dossier(envs[0], "index", "add", str(article))
            if added.returncode != 0:
                raise SystemExit(f"index add failed: {added.stderr}")
            killed_at = None
            if kill_after:
                telegram.wait_for(lambda: len(telegram.sent_messages()) >= kill_after, timeout=subscribers)
                leader = next(
                    r for r in replicas if r.process is not None and r.process.pid == leader_pid(url)
                )
                assert leader.process is not None
                leader.process.kill()
                killed_at = time.time()
            telegram.wait_for(lambda: all(telegram.sent_messages(c) for c in chats), timeout=subscribers)
            time.sleep(2)
        finally:
            for replica in replicas:
                replica.stop()
            balancer.stop()
        calls = [
            c for c in telegram.calls_to("sendMessage") if "New article" in str(c.params.get("text", ""))
        ]
    accepted = sorted(c.at for c in calls if c.status == 200)
    window = max((sum(1 for t in accepted if s <= t < s + 1) for s in accepted), default=0)
    received = [len(telegram.sent_messages(c)) for c in chats]
    result = {
        "sent": len(accepted),
        "rate": (len(accepted) - 1) / (accepted[-1] - accepted[0]) if len(accepted) > 1 else 0.0,
        "max_per_second": window,
        "refused": sum(c.status == 429 for c in calls),
        "lost": sum(n == 0 for n in received),
        "duplicates": sum(n - 1 for n in received if n > 1),
    }
    if killed_at is not None:
        before = [t for t in accepted if t <= killed_at]
        after = [t for t in accepted if t > killed_at]
        result["before_kill"] = len(before)
        result["gap"] = (after[0] - killed_at) if after else float("nan")
    return result


def leader_pid(url: str) -> int | None:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT holder FROM leases WHERE name = 'leader'").fetchone()
    return int(row[0].split(":")[1]) if row else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--subscribers", type=int, default=900)
    parser.add_argument("--replicas", default="1,2,3")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dossier-replicas-"))
    seed = work / "seed"
    ensure_index(seed)
    data_dir = copy_index(seed, work / "data")
    server = PostgresServer().start()
    try:
        rows = [
            (n, questions(n, args.questions, data_dir, server.base_url, work))
            for n in map(int, args.replicas.split(","))
        ]
        steady = broadcast(args.subscribers, data_dir, server.base_url, work)
        killed = broadcast(
            args.subscribers, data_dir, server.base_url, work, kill_after=args.subscribers // 3
        )
    finally:
        server.stop()
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}\n")
    print(f"{'replicas':<10}{'answered updates/s':>20}")
    for count, per_second in rows:
        print(f"{count:<10}{per_second:>20.1f}")
    print(f"\nbroadcast by 2 replicas to {args.subscribers} subscribers (Telegram's limits enforced)")
    print(
        f"{'run':<24}{'sent':>6}{'msg/s':>7}{'max in 1 s':>11}{'429s':>6}{'lost':>6}{'repeated':>9}{'gap':>8}"
    )
    for name, row in (("steady", steady), ("leader killed mid-way", killed)):
        gap = f"{row['gap']:.1f} s" if "gap" in row else "-"
        print(
            f"{name:<24}{row['sent']:>6.0f}{row['rate']:>7.1f}{row['max_per_second']:>11.0f}"
            f"{row['refused']:>6.0f}{row['lost']:>6.0f}{row['duplicates']:>9.0f}{gap:>8}"
        )
    if "before_kill" in killed:
        print(f"(killed after {killed['before_kill']:.0f} notices; gap: from the kill to the next notice)")


if __name__ == "__main__":
    main()
