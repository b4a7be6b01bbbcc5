"""Resident memory of a running `dossier bot`: after start-up, after questions, after an `index add`.

Usage: python bench/bot_memory_bench.py [--data-dir DIR]
The real bot process long-polls the loopback fake Telegram over a copy of the seed index; the table
gives VmRSS (now) and VmHWM (peak) from /proc at each step, and how many times each index file is open.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from answer_bench import ensure_index, machine  # noqa: E402  (bench/ is the script's own folder)

from tests.fake_telegram import FakeBotApi  # noqa: E402

QUESTIONS = ["Who is the president of Belarus?", "How many general processes were developed?"]
NEW_ARTICLE = """Kazakhstan opens a new rail terminal

The terminal in Dostyk handles 400 containers a day, the ministry said on Monday.
Officials expect the volume to double by 2027."""


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def open_index_files(pid: int) -> int:
    """Open descriptors on the index database (each SQLite connection holds one)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        count += target.endswith("dossier.sqlite3")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    source = args.data_dir or Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    ensure_index(source)
    work = Path(tempfile.mkdtemp(prefix="dossier-membench-"))
    data_dir = work / "data"
    shutil.copytree(source, data_dir, symlinks=True)
    rows = []
    with FakeBotApi() as telegram:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
        env.update(
            DOSSIER_DATA_DIR=str(data_dir),
            DOSSIER_TELEGRAM_TOKEN=telegram.token,
            DOSSIER_TELEGRAM_BASE_URL=telegram.base_url,
        )
        with (work / "bot.log").open("wb") as log:
            bot = subprocess.Popen([sys.executable, "-m", "bot", "bot"], cwd=ROOT, env=env, stderr=log)
        try:
            if not telegram.wait_for(lambda: bool(telegram.commands), timeout=60):
                raise SystemExit(f"the bot did not start; see {work / 'bot.log'}")
            time.sleep(3)
            rows.append(("started", *memory(bot.pid), open_index_files(bot.pid)))
            for chat, question in enumerate(QUESTIONS, 1):
                telegram.push_message(chat, question)
                telegram.wait_for_messages(chat, 1, 30)
            time.sleep(1)
            rows.append(("answered 2 questions", *memory(bot.pid), open_index_files(bot.pid)))
            article = work / "new.txt"
            article.write_text(NEW_ARTICLE)
            subprocess.run(
                [sys.executable, "-m", "bot", "index", "add", str(article)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            time.sleep(6)  # the bot follows the index every 2 s
            telegram.push_message(9, "How many containers does the Dostyk terminal handle?")
            telegram.wait_for_messages(9, 1, 30)
            rows.append(("after an index add + question", *memory(bot.pid), open_index_files(bot.pid)))
        finally:
            bot.terminate()
            bot.wait(20)
    print(f"machine: {machine()}\n")
    print(f"{'step':<32}{'VmRSS MiB':>11}{'VmHWM MiB':>11}{'index db fds':>14}")
    for step, rss, hwm, fds in rows:
        print(f"{step:<32}{rss:>11.0f}{hwm:>11.0f}{fds:>14}")


if __name__ == "__main__":
    main()
