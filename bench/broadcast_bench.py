"""A new article broadcast by the real `dossier bot` process to N subscribers on the loopback fake Telegram.

Usage: python bench/broadcast_bench.py [--subscribers 1000,10000]

For each N: a fresh copy of the seed index and N private-chat subscribers; the bot starts, then
`dossier index add` (another process) adds an article, and the bot announces it. The fake Telegram
enforces Telegram's documented limits (30 messages/s overall, 1/s per chat) and answers 429 to any
message beyond them. Printed: the send rate between the first and last notice, duplicates and losses
(chats with more than one or no notice), 429s received, and the bot's peak memory (VmHWM) before and
after the broadcast, so memory growth with N is visible. Takes about N/30 seconds per N.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from answer_bench import machine  # noqa: E402  (bench/ is the script's own folder)

from bot.state.subscriptions import open_subscription_store  # noqa: E402
from tests.fake_telegram import FakeBotApi  # noqa: E402

ARTICLE = """Kazakhstan opens its first grain terminal on the Caspian coast

AKTAU – Kazakhstan opened a grain terminal in the port of Aktau on Monday that can load 1.5 million tonnes
of wheat a year onto ships bound for Iran and Azerbaijan.

The terminal was built in 14 months by a consortium of three companies, the Ministry of Agriculture said.

Officials expect exports through the Caspian to double by 2027.
"""


def peak_memory_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_index(data_dir: Path) -> None:
    if not (data_dir / "dossier.sqlite3").exists():
        env = {**os.environ, "DOSSIER_DATA_DIR": str(data_dir)}
        subprocess.run(
            [sys.executable, "-m", "bot", "index", "build", "seeds"], cwd=ROOT, env=env, check=True
        )


def add_article(article: Path, env: dict[str, str], data_dir: Path) -> float:
    """`dossier index add` in its own process; returns the moment the article was committed."""
    index = sqlite3.connect(f"file:{data_dir / 'dossier.sqlite3'}?mode=ro", uri=True)
    revision = "SELECT value FROM manifest WHERE key = 'revision'"
    before = index.execute(revision).fetchone()
    cli = subprocess.Popen(
        [sys.executable, "-m", "bot", "index", "add", str(article)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    while index.execute(revision).fetchone() == before:
        if cli.poll() is not None:
            raise SystemExit("dossier index add failed")
        time.sleep(0.02)
    committed = time.time()
    cli.wait()
    index.close()
    return committed


def run(subscribers: int, seed_dir: Path) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="dossier-broadcast-"))
    data_dir = work / "data"
    shutil.copytree(seed_dir, data_dir, symlinks=True)
    chats = list(range(1_000_000, 1_000_000 + subscribers))
    store = open_subscription_store(data_dir / "bot.sqlite3")
    for chat in chats:
        store.subscribe(chat)
    with FakeBotApi(enforce_limits=True) as telegram:
        for chat in chats:
            telegram.add_chat(chat, "private")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
        env.update(
            DOSSIER_DATA_DIR=str(data_dir),
            DOSSIER_TELEGRAM_TOKEN=telegram.token,
            DOSSIER_TELEGRAM_BASE_URL=telegram.base_url,
        )
        with (work / "bot.log").open("wb") as log:
            bot = subprocess.Popen([sys.executable, "-m", "bot", "bot"], cwd=ROOT, env=env, stderr=log)
        try:
            deadline = time.time() + 60
            while not store.is_initialised():  # the bot's first look at the index: the baseline
                if time.time() > deadline or bot.poll() is not None:
                    raise SystemExit(f"the bot did not start; see {work / 'bot.log'}")
                time.sleep(0.2)
            before = peak_memory_mib(bot.pid)
            article = work / "grain.txt"
            article.write_text(ARTICLE)
            added = add_article(article, env, data_dir)
            timeout = added + subscribers / 20 + 60
            while store.outbox_counts().get("pending", 1) and time.time() < timeout:
                time.sleep(1)
            after = peak_memory_mib(bot.pid)
        finally:
            bot.terminate()
            bot.wait(60)
        sent = [c for c in telegram.calls_to("sendMessage") if c.status == 200]
        refused = sum(c.status == 429 for c in telegram.calls_to("sendMessage"))
    per_chat = Counter(int(c.params["chat_id"]) for c in sent)
    duration = sent[-1].at - sent[0].at if len(sent) > 1 else float("nan")
    shutil.rmtree(work)
    return {
        "subscribers": subscribers,
        "sent": len(sent),
        "first_after": sent[0].at - added if sent else float("nan"),
        "seconds": duration,
        "rate": (len(sent) - 1) / duration if len(sent) > 1 else float("nan"),
        "duplicates": sum(n > 1 for n in per_chat.values()),
        "lost": sum(per_chat.get(chat, 0) == 0 for chat in chats),
        "refused": refused,
        "peak_before": before,
        "peak_after": after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", default="1000,10000")
    parser.add_argument("--data-dir", type=Path, help="a built seed index to copy (default: build one)")
    args = parser.parse_args()
    seed_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="dossier-broadcast-seed-"))
    ensure_index(seed_dir)
    print(f"machine: {machine()}")
    print("the fake Telegram (enforcing 30 messages/s, 1/s per chat) runs here, the bot in its own process\n")
    print(
        f"{'subscribers':>11}{'sent':>7}{'first s':>9}{'total s':>9}{'msg/s':>7}{'dupes':>7}{'lost':>6}"
        f"{'429s':>6}{'peak MiB before':>17}{'after':>7}"
    )
    for n in (int(v) for v in args.subscribers.split(",")):
        r = run(n, seed_dir)
        print(
            f"{r['subscribers']:>11}{r['sent']:>7}{r['first_after']:>9.1f}{r['seconds']:>9.1f}{r['rate']:>7.1f}"
            f"{r['duplicates']:>7}{r['lost']:>6}{r['refused']:>6}{r['peak_before']:>17.0f}{r['peak_after']:>7.0f}"
        )


if __name__ == "__main__":
    main()
