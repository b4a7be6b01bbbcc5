"""The real `dossier bot` process against the loopback fake Telegram: answered updates/s and reply latency.

Usage: python bench/bot_bench.py [--chats 200] [--questions 3] [--data-dir DIR]

Each chat is one user. "closed" runs have every user ask a question, wait for the answer, then ask
the next; the "burst" run queues every question at once. Latency runs from the moment a question is
queued at the fake Telegram to the moment the bot's sendMessage with its answer reaches it, so it
includes the long poll. Every answer is checked against its question, and no update may be lost.
The fake server runs in this process, the bot in its own: both share the machine's cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from answer_bench import machine, percentile  # noqa: E402  (bench/ is the script's own folder)

from tests.fake_telegram import FakeBotApi  # noqa: E402

# Each question and a phrase only its answer's text (not its sources) contains, to match reply to question.
QUESTIONS = [
    ("Which companies signed the geological exploration agreement?", "Kazgeology"),
    ("Who is the president of Belarus?", "Lukashenko"),
    ("How many general processes were developed?", "88 general processes"),
    ("When was the Digital Office created?", "February 2018"),
]


@dataclass
class Run:
    """One scenario: what was asked when, and when each answer arrived."""

    chats: int
    per_chat: int
    asked: dict[tuple[int, int], float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    wrong: int = 0
    elapsed: float = 0.0

    @property
    def total(self) -> int:
        return self.chats * self.per_chat


def start_bot(telegram: FakeBotApi, data_dir: Path, send_rate: float, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(
        DOSSIER_DATA_DIR=str(data_dir),
        DOSSIER_TELEGRAM_TOKEN=telegram.token,
        DOSSIER_TELEGRAM_BASE_URL=telegram.base_url,
        DOSSIER_RATE_LIMIT_PER_MINUTE="1000",  # the users here are benchmarks, not abusers
    )
    command = [sys.executable, "-m", "bot", "bot", "--send-rate", str(send_rate)]
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr)
    if not telegram.wait_for(lambda: bool(telegram.commands), timeout=60):
        process.kill()
        raise SystemExit(f"the bot did not start; see {log}")
    return process


def ask(telegram: FakeBotApi, run: Run, chat: int, k: int) -> None:
    question = QUESTIONS[(chat + k) % len(QUESTIONS)][0]
    run.asked[(chat, k)] = time.time()
    telegram.push_message(chat, question)


def drive(telegram: FakeBotApi, run: Run, first_chat: int, burst: bool, timeout: float) -> Run:
    """Asks, collects the answers as they arrive, and asks each chat's next question (closed loop)."""
    chats = range(first_chat, first_chat + run.chats)
    seen = len(telegram.calls_to("sendMessage"))
    replies: dict[int, list[str]] = {chat: [] for chat in chats}
    started = time.time()
    for chat in chats:
        for k in range(run.per_chat if burst else 1):
            ask(telegram, run, chat, k)
    while len(run.latencies) < run.total and time.time() < started + timeout:
        time.sleep(0.002)  # polling: a wait_for predicate would scan the call list under the fake's lock
        calls = telegram.calls_to("sendMessage")
        for call in calls[seen:]:
            chat = int(call.params["chat_id"])
            if chat not in replies:
                continue
            k = len(replies[chat])
            replies[chat].append(str(call.params.get("text")).split("\n\n<b>Sources</b>")[0])
            run.latencies.append(call.at - run.asked[(chat, k)])
            if not burst and k + 1 < run.per_chat:
                ask(telegram, run, chat, k + 1)
        seen = len(calls)
    run.elapsed = max(time.time() - started, 1e-9)
    run.wrong = sum(_unmatched(chat, texts, run.per_chat) for chat, texts in replies.items())
    return run


def _unmatched(chat: int, texts: list[str], per_chat: int) -> int:
    """Questions of this chat without their answer (in a burst, answers may arrive in any order)."""
    expected = [QUESTIONS[(chat + k) % len(QUESTIONS)][1] for k in range(per_chat)]
    missing = 0
    for phrase in expected:
        found = next((t for t in texts if phrase in t), None)
        if found is None:
            missing += 1
        else:
            texts = [t for t in texts if t is not found]
    return missing


def scenario(
    telegram: FakeBotApi,
    data_dir: Path,
    send_rate: float,
    burst: bool,
    first_chat: int,
    shape: Run,
    timeout: float,
) -> Run:
    log = Path(tempfile.mkstemp(prefix="dossier-bot-bench-", suffix=".log")[1])
    bot = start_bot(telegram, data_dir, send_rate, log)
    try:
        drive(telegram, Run(20, 1), first_chat, burst=True, timeout=30)  # warm-up: connections, caches
        run = drive(telegram, shape, first_chat + 100, burst, timeout)
    finally:
        bot.terminate()
        bot.wait(30)
    return run


def ensure_index(data_dir: Path) -> None:
    if not (data_dir / "dossier.sqlite3").exists():
        env = {**os.environ, "DOSSIER_DATA_DIR": str(data_dir)}
        subprocess.run(
            [sys.executable, "-m", "bot", "index", "build", "seeds"], cwd=ROOT, env=env, check=True
        )


def report(rows: list[tuple[str, Run]], lost: int, errors: int) -> None:
    print(f"machine: {machine()}")
    print("the fake Telegram runs in the benchmark process, the bot in its own; they share the cores\n")
    header = (
        f"{'scenario':<52}{'answers':>8}{'wrong':>6}{'updates/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    )
    print(header)
    for name, run in rows:
        ms = [v * 1000 for v in run.latencies] or [0.0]
        rate = len(run.latencies) / run.elapsed
        print(
            f"{name:<52}{len(run.latencies):>4}/{run.total:<4}{run.wrong:>5}{rate:>11.1f}"
            f"{percentile(ms, 0.5):>9.1f}{percentile(ms, 0.95):>9.1f}{max(ms):>9.1f}"
        )
    print(f"\nupdates left unconfirmed at the fake: {lost}; Bot API calls that failed: {errors}")
    best = max(len(r.latencies) / r.elapsed for _, r in rows)
    print(f"best answered updates/s: {best:.1f} (target >= 50)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--questions", type=int, default=3, help="questions per chat")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed per scenario")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="dossier-bot-bench-"))
    ensure_index(data_dir)
    n = f"{args.chats} chats x {args.questions}"
    scenarios = [
        ("one chat, 30 questions in turn (unloaded)", 30.0, False, Run(1, 30)),
        (f"closed loop, {n}, --send-rate 30 (default)", 30.0, False, Run(args.chats, args.questions)),
        (f"closed loop, {n}, --send-rate 0 (uncapped)", 0.0, False, Run(args.chats, args.questions)),
        (f"burst, {n} queued at once, --send-rate 0", 0.0, True, Run(args.chats, args.questions)),
    ]
    rows = []
    with FakeBotApi() as telegram:
        for i, (name, send_rate, burst, shape) in enumerate(scenarios):
            first_chat = 10_000 * (i + 1)
            rows.append(
                (name, scenario(telegram, data_dir, send_rate, burst, first_chat, shape, args.timeout))
            )
        lost = len(telegram.pending_updates)
        # A stopped bot's last long poll is ended by the next bot's with 409 Conflict: that one is expected.
        errors = sum(1 for c in telegram.calls if c.status not in (200, None) and c.method != "getUpdates")
    report(rows, lost, errors)


if __name__ == "__main__":
    main()
