"""A published archive: the directory one writer fills and every copy follows, by revision.

    <dir>/CURRENT.json                    what is published now: the base, the deltas after it
    <dir>/bases/base-<seq>-<revision>/    a full copy: the database and its compacted segment
    <dir>/deltas/delta-<from>-<to>.sqlite the documents changed between two document log positions
    <dir>/models/                         the model's ONNX export, for copies that cannot make it

The writer publishes after each change: a delta, or a new base after a compaction or a rebuild
(copies then switch to it rather than replay every change). Files appear under temporary names and
are renamed into place, CURRENT.json last, so a copy never reads half a file; old bases and their
deltas are kept for one more base, so a copy in the middle of following never finds them gone.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from index.archive import Archive
from index.config import MODELS_DIR, IndexSettings
from index.embedding import Embedder
from index.errors import CorruptIndex, IndexNotBuilt
from index.shipping import OutOfSequence

logger = logging.getLogger(__name__)

CURRENT = "CURRENT.json"
KEEP_BASES = 2


def read_current(folder: Path) -> dict[str, Any] | None:
    """What `folder` publishes now, or None if nothing yet."""
    try:
        return dict(json.loads((folder / CURRENT).read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise CorruptIndex("{path} cannot be read ({reason})", path=folder / CURRENT, reason=error) from None


def publish(archive: Archive, folder: Path) -> str:
    """Bring the published copy in `folder` up to `archive`; says what was written ('' if nothing)."""
    with _publishing(folder):
        current = read_current(folder)
        mine = archive.manifest
        rebuilt = current is None or any(current.get(k) != mine.get(k) for k in ("segment", "built_at"))
        if rebuilt:
            state, written = _publish_base(archive, folder, mine)
        else:
            assert current is not None
            state, written = _publish_delta(archive, folder, current)
            if not written:
                return ""
        _write_current(folder, state)
        _prune(folder, state)
        _publish_models(archive.settings, folder)
        return written


def _publish_base(archive: Archive, folder: Path, mine: dict[str, str]) -> tuple[dict[str, Any], str]:
    work = folder / "bases" / f".partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    exported = archive.export_base(work)
    name = f"base-{exported.seq:012d}-{exported.revision[:12]}"
    target = folder / "bases" / name
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    keys = ("model", "dimension", "format_version")
    state = {
        "base": name,
        "base_seq": exported.seq,
        "seq": exported.seq,
        "revision": exported.revision,
        "segment": exported.segment,
        "built_at": exported.built_at,
        "deltas": [],
        "bases": [*((read_current(folder) or {}).get("bases", [])), name][-KEEP_BASES:],
        **{k: mine.get(k) for k in keys},
    }
    return state, f"base {name}"


def _publish_delta(archive: Archive, folder: Path, current: dict[str, Any]) -> tuple[dict[str, Any], str]:
    (folder / "deltas").mkdir(parents=True, exist_ok=True)
    work = folder / "deltas" / f".partial-{os.getpid()}.sqlite"
    work.unlink(missing_ok=True)
    exported = archive.export_changes(int(current["seq"]), work)
    if exported is None:
        return current, ""
    name = f"delta-{int(current['seq']):012d}-{exported.seq:012d}.sqlite"
    work.rename(folder / "deltas" / name)
    state = {
        **current,
        "seq": exported.seq,
        "revision": exported.revision,
        "deltas": [*current["deltas"], name],
    }
    return state, f"delta {name}"


def _write_current(folder: Path, state: dict[str, Any]) -> None:
    work = folder / f".{CURRENT}.{os.getpid()}"
    work.write_text(json.dumps(state, indent=1))
    with open(work, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(work, folder / CURRENT)


def _prune(folder: Path, state: dict[str, Any]) -> None:
    """Bases beyond the newest KEEP_BASES go, with the deltas that only they needed."""
    kept = set(state["bases"])
    oldest = min((int(name.split("-")[1]) for name in kept), default=0)
    for base in (folder / "bases").glob("base-*"):
        if base.name not in kept:
            shutil.rmtree(base, ignore_errors=True)
    for delta in (folder / "deltas").glob("delta-*.sqlite"):
        if int(delta.stem.split("-")[2]) <= oldest:
            delta.unlink(missing_ok=True)


def _publish_models(settings: IndexSettings, folder: Path) -> None:
    """The ONNX export, once: copies in an image without torch cannot make it themselves."""
    source, target = settings.models_dir, folder / MODELS_DIR
    if source.is_dir() and not target.exists():
        work = folder / f".{MODELS_DIR}.{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(source, work)
        work.rename(target)


@contextmanager
def _publishing(folder: Path) -> Iterator[None]:
    """One publisher at a time (`dossier index add` may run beside the bot)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".publishing", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# Following


def copy_settings(settings: IndexSettings, home: Path, base: str) -> IndexSettings:
    """Where an installed copy of `base` lives: home/<base>, sharing home's parent's model export."""
    return replace(settings, data_dir=home / base)


def install_base(source: Path, home: Path, settings: IndexSettings, current: dict[str, Any]) -> IndexSettings:
    """Copy the published base into `home` (once) and return the settings that open it."""
    name = current["base"]
    target = home / name
    if not (target / "dossier.sqlite3").exists():
        work = home / f".partial-{name}-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(source / "bases" / name, work)
        work.rename(target)
    models = target / MODELS_DIR
    if not models.exists():
        shared = settings.data_dir / MODELS_DIR  # the copy uses the export of the data directory
        if not shared.exists() and (source / MODELS_DIR).is_dir():
            shutil.copytree(source / MODELS_DIR, shared)
        models.symlink_to(shared.resolve() if shared.exists() else shared)
    return copy_settings(settings, home, name)


def newest_installed(home: Path, settings: IndexSettings) -> IndexSettings | None:
    installed = sorted(p.name for p in home.glob("base-*") if (p / "dossier.sqlite3").exists())
    return copy_settings(settings, home, installed[-1]) if installed else None


def open_copy(source: Path, home: Path, settings: IndexSettings, embedder: Embedder | None = None) -> Archive:
    """The archive a copy answers from: the newest installed base, or the published one installed now."""
    home.mkdir(parents=True, exist_ok=True)
    current = read_current(source)
    installed = newest_installed(home, settings)
    if current is not None and (installed is None or installed.data_dir.name < current["base"]):
        installed = install_base(source, home, settings, current)
    if installed is None:
        raise IndexNotBuilt(
            "nothing is published in {source} yet; the writer publishes with: dossier index publish",
            source=source,
        )
    archive = Archive.open(installed, embedder, readonly=False)
    follow(archive, source, home)
    return archive


def follow(archive: Archive, source: Path, home: Path) -> str:
    """Bring a copy up to what `source` publishes now; says what it did ('' if nothing).

    A newer base (published after the writer compacted or rebuilt) is installed and switched to;
    then the deltas after the copy's position are applied in order.
    """
    current = read_current(source)
    if current is None:
        return ""
    done = []
    if archive.settings.data_dir.name < current["base"]:
        archive.switch_to(install_base(source, home, _home_settings(archive, home), current))
        done.append(f"switched to {current['base']}")
    for name in current["deltas"]:
        if int(name.split("-")[1]) < archive.shipped:
            continue  # applied already, or before this copy's base
        path = source / "deltas" / name
        try:
            if not path.exists():
                raise OutOfSequence("{name} is missing", name=name)
            archive.apply_changes(path)
        except OutOfSequence as gap:  # a change is missing: the next base brings this copy up to date
            logger.warning("cannot follow %s (%s); waiting for the writer's next base", source, gap)
            break
        done.append(f"applied {name}")
    if done:
        _remove_old_copies(home, keep=archive.settings.data_dir.name)
    return "; ".join(done)


def _home_settings(archive: Archive, home: Path) -> IndexSettings:
    """The settings whose data directory holds `home` (the copy's own data directory)."""
    return replace(archive.settings, data_dir=home.parent)


def _remove_old_copies(home: Path, keep: str) -> None:
    for copy in home.glob("base-*"):
        if copy.name != keep:
            shutil.rmtree(copy, ignore_errors=True)
