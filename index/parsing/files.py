"""Finding and reading article files without following anything out of where they were put.

A folder's articles are its regular files with an article suffix: a symlink is followed only while
its target stays inside the folder, special files (FIFOs, devices, sockets) are skipped without being
opened, and a name that is not valid UTF-8 is skipped with a warning, since it could be neither shown
nor stored. A single file is opened without blocking and checked to be a regular file before a byte
is read: a FIFO named `.txt` would otherwise block forever, a link to /dev/zero read until memory ran
out.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from index.errors import UnsupportedDocument

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
ARTICLE_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES


def shown(path: Path | str) -> str:
    """A path as it can be printed and stored: bytes that are not UTF-8 appear as \\xNN."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="backslashreplace")
    return text


def has_printable_name(path: Path) -> bool:
    """False for a name holding bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    return shown(path) == os.fspath(path)


def iter_folder(folder: Path) -> list[Path]:
    """Article files below a folder, sorted; hidden files, sidecars, links out and special files skipped."""
    root = folder.resolve()
    files = []
    for directory, subdirectories, names in os.walk(folder, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(names):
            path = Path(directory) / name
            if name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if not has_printable_name(path):
                logger.warning("skipping %s: its name is not valid UTF-8; rename it", shown(path))
                continue
            if within(path, root) and is_regular(path):
                files.append(path)
    return files


def within(path: Path, root: Path) -> bool:
    """True when the path, its symlinks followed, stays inside `root`; a link out is logged."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling or looping link
        return False
    if target.is_relative_to(root):
        return True
    logger.warning("skipping %s: it links to %s, outside the folder", shown(path), shown(target))
    return False


def is_regular(path: Path) -> bool:
    """A regular file (after links): never a FIFO, device or socket, which are not even opened."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if stat.S_ISREG(mode):
        return True
    logger.warning("skipping %s: not a regular file", shown(path))
    return False


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of one regular file, at most `limit`; UnsupportedDocument otherwise."""
    name = shown(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise UnsupportedDocument("cannot read {name}: {reason}", name=name, reason=error.strerror) from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UnsupportedDocument("{name} is not a regular file (a pipe, device or socket)", name=name)
        if info.st_size > limit:
            raise UnsupportedDocument(
                "{name} is larger than {size} MB", name=name, size=limit // 1024 // 1024
            )
        os.set_blocking(descriptor, True)
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise UnsupportedDocument(
                "cannot read {name}: {reason}", name=name, reason=error.strerror
            ) from None
    if len(data) > limit:  # it grew while being read
        raise UnsupportedDocument("{name} is larger than {size} MB", name=name, size=limit // 1024 // 1024)
    return data
