"""A running bot answering while articles stream in from another process. Prints a table; not a test.

Usage: python bench/follow_bench.py --data-dir DIR [--before 30] [--stream 60] [--every 2] [--add-to DIR2]

The real `dossier bot` runs over DIR (an archive bench/scale_bench.py built) and long-polls the
loopback fake Telegram; one user asks questions in turn, each as soon as the previous answer
arrives. For `--before` seconds nothing else happens; then `dossier index add` adds one new article
every `--every` seconds for `--stream` seconds, each in a process of its own, as a newsroom's script
would, while the user keeps asking. Latency runs from the question reaching the fake Telegram to the
answer reaching it. At the end the added articles are removed again, so DIR can be measured again.
With --add-to, the same stream goes into another archive the bot does not follow: the control that
shows what the adding processes alone cost the bot on a machine of two cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.answer_bench import machine, percentile  # noqa: E402
from bench.bot_bench import start_bot  # noqa: E402
from bench.newslike import Newsroom  # noqa: E402
from bench.scale_bench import POOL, cli  # noqa: E402
from tests.fake_telegram import FakeBotApi  # noqa: E402

CHAT = 4242
PACE = 0.25  # seconds from one question to the next at least: within the bench's rate limit of 1000/min


def ask_until(
    telegram: FakeBotApi, questions: list[str], stop: float, asked: int
) -> list[tuple[float, float]]:
    """(asked at, seconds to answer) for each question, asked one after another until `stop`."""
    answered = []
    while time.time() < stop:
        seen = len(telegram.calls_to("sendMessage"))
        started = time.time()
        telegram.push_message(CHAT, questions[asked % len(questions)])
        asked += 1
        while len(telegram.calls_to("sendMessage")) == seen:
            if time.time() > started + 60:
                raise SystemExit("the bot did not answer within 60 s")
            time.sleep(0.002)
        answered.append((started, telegram.calls_to("sendMessage")[seen].at - started))
        time.sleep(max(0.0, started + PACE - time.time()))
    return answered


def stream(
    data_dir: Path, newsroom: Newsroom, every: float, seconds: float, added: list[tuple[float, float, str]]
) -> None:
    """Adds one article per `every` seconds with the real CLI: (started at, wall seconds, doc id)."""
    folder = Path(tempfile.mkdtemp(prefix="dossier-follow-"))
    start = time.time()
    for n in range(int(seconds / every)):
        time.sleep(max(0.0, start + n * every - time.time()))
        path = newsroom.write(20_000_000 + n, folder)
        at = time.time()
        wall, out, _ = cli(data_dir, "index", "add", str(path))
        added.append((at, wall, out.split()[1]))


def memory(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def row(name: str, answers: list[tuple[float, float]], limit: float) -> str:
    ms = [a[1] * 1000 for a in answers]
    slow = sum(m > limit for m in ms)
    return (
        f"{name:<34}{len(ms):>8}{percentile(ms, 0.5):>9.1f}{percentile(ms, 0.95):>9.1f}"
        f"{max(ms):>9.1f}{slow:>17}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--before", type=float, default=30)
    parser.add_argument("--stream", type=float, default=60)
    parser.add_argument("--every", type=float, default=2)
    parser.add_argument("--add-to", type=Path, help="stream into this archive instead (the control)")
    args = parser.parse_args()
    target = args.add_to or args.data_dir
    newsroom = Newsroom(POOL)
    questions = newsroom.questions(20)
    log = Path(tempfile.mkstemp(prefix="dossier-follow-bench-", suffix=".log")[1])
    added: list[tuple[float, float, str]] = []
    with FakeBotApi() as telegram:
        bot = start_bot(telegram, args.data_dir, 0.0, log)
        try:
            # Warm-up: the first search maps the segment, the first look at the archive records
            # every article as already announced.
            ask_until(telegram, questions, time.time() + 10, 0)
            started_memory = memory(bot.pid)
            before = ask_until(telegram, questions, time.time() + args.before, 0)
            writer = threading.Thread(target=stream, args=(target, newsroom, args.every, args.stream, added))
            writer.start()
            during = ask_until(telegram, questions, time.time() + args.stream + 3, 0)
            writer.join()
            after = ask_until(telegram, questions, time.time() + 10, 0)
            final_memory = memory(bot.pid)
        finally:
            bot.terminate()
            bot.wait(30)
    for _, _, doc_id in added:
        cli(target, "index", "remove", doc_id)
    p50 = percentile([a[1] * 1000 for a in before], 0.5)
    print(f"machine: {machine()}; bot log {log}")
    print(f"the bot's archive: {args.data_dir}; one user asks in turn")
    print(f"{len(added)} articles added to {target}, one per {args.every:g} s\n")
    print(f"{'phase':<34}{'answers':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'> 3x p50 before':>17}")
    print(row("before the stream", before, 3 * p50))
    print(row(f"during {len(added)} adds", during, 3 * p50))
    print(row("after the stream", after, 3 * p50))
    walls = sorted(w for _, w, _ in added)
    print(f"\n`dossier index add` wall: p50 {percentile(walls, 0.5):.2f} s, max {max(walls):.2f} s")
    print(f"bot memory VmRSS/VmHWM: {started_memory[0]:.0f}/{started_memory[1]:.0f} MiB after warm-up, "
          f"{final_memory[0]:.0f}/{final_memory[1]:.0f} MiB at the end")  # fmt: skip


if __name__ == "__main__":
    main()
