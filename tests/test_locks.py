"""The locks say what pyproject.toml asks for: every direct dependency pinned within its range, nothing
else asked for, no orphan, every pin hashed, one version per package, and CPU torch only.

These read the files only (no index is asked), so they run offline; `make lock` fixes what they find.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# lock -> the extras of pyproject.toml it holds (each lock also holds the base dependencies)
LOCKS = {"serve": [], "runtime": ["export"], "dev": ["export", "dev"]}
# The environment the locks are resolved for (Makefile: uv pip compile --python-version 3.11 ...).
TARGET = {"python_version": "3.11", "sys_platform": "linux", "platform_machine": "x86_64"}
ROOT_NAME = "dossier (pyproject.toml)"
FIX = "; run: make lock"


@dataclass
class Pin:
    version: str
    hashes: int = 0
    via: list[str] = field(default_factory=list)


def read_lock(name: str) -> dict[str, Pin]:
    """name -> its pin, hash count and the packages it is there for (uv's `# via` comments)."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    in_via = False
    for line in (ROOT / "requirements" / f"{name}.lock").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line):
            current = pins[canonicalize_name(match.group(1))] = Pin(match.group(2))
            in_via = False
        elif current is not None and "--hash=sha256:" in line:
            current.hashes += 1
        elif current is not None and (match := re.match(r"^\s+# via ?(.*)$", line)):
            in_via = True
            if match.group(1):
                current.via.append(match.group(1).strip())
        elif current is not None and in_via and (match := re.match(r"^\s+#\s+(\S.*)$", line)):
            current.via.append(match.group(1).strip())
    return pins


def direct_requirements(extras: list[str]) -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    requirements = (Requirement(line) for line in lines)
    return {
        canonicalize_name(r.name): r
        for r in requirements
        if r.marker is None or r.marker.evaluate({**TARGET, "extra": ""})
    }


@pytest.mark.parametrize("lock", LOCKS)
def test_every_direct_dependency_is_pinned_within_its_range(lock: str) -> None:
    pins = read_lock(lock)
    for name, requirement in direct_requirements(LOCKS[lock]).items():
        assert name in pins, f"{name} is in pyproject.toml but not in requirements/{lock}.lock{FIX}"
        assert requirement.specifier.contains(pins[name].version, prereleases=True), (
            f"requirements/{lock}.lock pins {name}=={pins[name].version}, outside {requirement}{FIX}"
        )


@pytest.mark.parametrize("lock", LOCKS)
def test_the_lock_asks_for_nothing_pyproject_does_not_and_has_no_orphans(lock: str) -> None:
    pins = read_lock(lock)
    direct = direct_requirements(LOCKS[lock])
    claimed_direct = {name for name, pin in pins.items() if ROOT_NAME in pin.via}
    assert claimed_direct == set(direct), f"requirements/{lock}.lock's direct dependencies differ{FIX}"
    needed, frontier = set(direct), list(direct)
    dependants = {name: [canonicalize_name(v.split()[0]) for v in pin.via] for name, pin in pins.items()}
    while frontier:
        parent = frontier.pop()
        for name, parents in dependants.items():
            if parent in parents and name not in needed:
                needed.add(name)
                frontier.append(name)
    assert set(pins) == needed, f"orphans in requirements/{lock}.lock: {sorted(set(pins) - needed)}{FIX}"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_its_hashes(lock: str) -> None:
    unhashed = [name for name, pin in read_lock(lock).items() if not pin.hashes]
    assert not unhashed, f"requirements/{lock}.lock has pins without hashes: {unhashed}{FIX}"


def test_each_lock_extends_the_previous_one_with_the_same_versions() -> None:
    serve, runtime, dev = (read_lock(name) for name in LOCKS)
    for smaller, larger, names in ((serve, runtime, "serve/runtime"), (runtime, dev, "runtime/dev")):
        assert set(smaller) <= set(larger), f"{names}: {sorted(set(smaller) - set(larger))}{FIX}"
        differing = sorted(n for n in smaller if smaller[n].version != larger[n].version)
        assert not differing, f"{names} pin different versions of {differing}{FIX}"


def test_only_the_cpu_build_of_torch_is_locked_and_the_image_runtime_has_none() -> None:
    for lock in LOCKS:
        pins = read_lock(lock)
        cuda = sorted(n for n in pins if n.startswith(("nvidia-", "cuda-")) or n == "triton")
        assert not cuda, f"requirements/{lock}.lock pulls CUDA packages: {cuda}"
        if "torch" in pins:
            assert pins["torch"].version.endswith("+cpu")
    assert not {"torch", "sentence-transformers", "transformers"} & set(read_lock("serve"))
