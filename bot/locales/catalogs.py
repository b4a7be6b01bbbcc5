"""`make catalogs` (python -m bot.locales.catalogs): the messages marked in bot/ into dossier.pot, merged
into each language's .po (a new message gets an empty translation, for a translator to fill), and each
.po compiled into the .mo the bot reads. Compiled catalogs are committed beside their sources, so an
installation needs no build step; tests/test_catalogs.py fails when either is behind the code.
"""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import COMMENT_TAG, CORE_KEYWORDS, DEFAULT_LANGUAGE, DOMAIN, KEYWORDS, LANGUAGES, LOCALES

SOURCES = LOCALES.parent  # bot/
ROOT = SOURCES.parent
CORE = ROOT / "index"
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
TRANSLATED = tuple(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)
WIDTH = 100  # wrap long messages as the code is wrapped


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def core_errors() -> set[str]:
    """The names of DossierError and of every class in index/ that derives from it."""
    bases: dict[str, set[str]] = {}
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
    found = {"DossierError"}
    while grown := {name for name, of in bases.items() if of & found} - found:
        found |= grown
    return found


def core_keywords() -> dict[str, tuple[int, ...] | None]:
    return {**CORE_KEYWORDS, **dict.fromkeys(sorted(core_errors()))}


def extract() -> Catalog:
    """Every message the code marks, with its translator comments and the files it is in: bot/'s
    gettext calls, and the core's error templates and step labels."""
    catalog = Catalog(project="dossier", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for folder, keywords in ((SOURCES, KEYWORDS), (CORE, core_keywords())):
        found = extract_from_dir(
            folder, keywords=keywords, comment_tags=(COMMENT_TAG,), strip_comment_tags=True
        )
        for filename, line, message, comments, context in found:
            location = (str(Path(folder.name) / filename), line)  # written without the line: it moves
            catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


def write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    """The .mo of a catalog (fuzzy translations left out, as gettext would)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def messages(catalog: Catalog) -> dict[object, object]:
    """Message id -> translation, the header left out: what two catalogs must agree on."""
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def update() -> dict[str, tuple[int, int]]:
    """Extract, merge and compile; returns each language's (translated, total) messages."""
    template = extract()
    if TEMPLATE.exists():  # an unchanged template keeps its date, so a rerun changes no file
        before = read(TEMPLATE)
        if set(messages(before)) == set(messages(template)):
            template.creation_date = before.creation_date
    write(template, TEMPLATE)
    counts = {}
    for language in TRANSLATED:
        path = po_path(language)
        catalog = read(path, language) if path.exists() else Catalog(locale=language, domain=DOMAIN)
        # A message whose English changed keeps its old translation marked fuzzy: left out of the .mo
        # (English is shown) and failing tests/test_catalogs.py until a translator checks it.
        catalog.update(template, update_creation_date=False)
        write(catalog, path)
        path.with_suffix(".mo").write_bytes(compiled(catalog))
        done = sum(1 for m in catalog if m.id and not m.fuzzy and all(_strings(m.string)))
        counts[language] = (done, len(template))
    return counts


def _strings(string: object) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, tuple | list) else (str(string or ""),)


def main() -> int:
    for language, (done, total) in update().items():
        print(f"{po_path(language).relative_to(ROOT)}: {done} of {total} messages translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
