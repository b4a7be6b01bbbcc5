"""The message catalogs against the code: every message the bot or the CLI can say is in dossier.pot, and
each language translates every one of them, keeping what must not change (placeholders, commands,
emoji). A new message without its translations fails here; `python -m bot.locales.catalogs` merges it in.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Message

from bot.i18n import KEYWORDS, LANGUAGES, fill, translator
from bot.locales.catalogs import SOURCES, TEMPLATE, TRANSLATED, compiled, extract, messages, po_path, read

PLACEHOLDER = re.compile(r"\{(\w*)\}|%[sd]")
COMMAND = re.compile(r"(?<![\w/])/[a-z_]+\b")  # /ask, /digest: Telegram commands, never translated


def keys(template: object) -> set[str]:
    return {m if isinstance(m, str) else m[0] for m in messages(template)}  # type: ignore[arg-type]


def forms(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, tuple | list) else [str(string or "")]


def ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [str(message.id)]


def marked_calls() -> Iterator[tuple[Path, int, ast.expr]]:
    """(file, line, first argument) of every call of a gettext keyword (tr.html(...), N_(...)) in bot/."""
    for path in sorted(SOURCES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in KEYWORDS:
                    yield path, node.lineno, node.args[0]


def constants() -> dict[tuple[Path, str], ast.expr]:
    """Every module-level NAME = value in bot/, by module and name."""
    found: dict[tuple[Path, str], ast.expr] = {}
    for path in SOURCES.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[path, target.id] = node.value
    return found


def named(argument: ast.expr, where: Path, defined: dict[tuple[Path, str], ast.expr]) -> list[ast.expr]:
    """The constants a message argument names: texts.GONE, TITLES.get(...), REASONS[i], or GONE (this
    module's if it defines one, else an imported one: any module's of that name)."""
    base = argument
    while isinstance(base, ast.Call | ast.Subscript) or (
        isinstance(base, ast.Attribute) and not base.attr.isupper()
    ):
        base = base.func if isinstance(base, ast.Call) else base.value
    if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name):  # texts.GONE
        return [v for (path, name), v in defined.items() if name == base.attr and path.stem == base.value.id]
    if not isinstance(base, ast.Name):
        return []
    if (where, base.id) in defined:
        return [defined[where, base.id]]
    return [v for (_, name), v in defined.items() if name == base.id]


def unmarked_strings(value: ast.expr) -> list[str]:
    """The English strings in a constant's value that are not inside N_(...) (dict keys aside)."""
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "N_":
        return []
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.Dict):
        return [s for v in value.values for s in unmarked_strings(v)]
    if isinstance(value, ast.Tuple | ast.List):
        return [s for v in value.elts for s in unmarked_strings(v)]
    if isinstance(value, ast.Call):  # BotCommand("start", N_("...")): the command name stays English
        return [s for v in value.args[1:] for s in unmarked_strings(v)]
    return []


def test_the_template_holds_every_message_the_code_marks_and_no_other() -> None:
    in_code, in_template = keys(extract()), keys(read(TEMPLATE))
    assert in_code - in_template == set(), "new messages: run python -m bot.locales.catalogs"
    assert in_template - in_code == set(), "messages no longer used: run python -m bot.locales.catalogs"


def test_every_message_the_code_looks_up_is_in_the_template() -> None:
    """Babel extracts only literal messages; this finds the ones it cannot see, such as a gettext call
    nested in another's arguments or a constant that was never marked with N_."""
    template, defined = keys(read(TEMPLATE)), constants()
    missing = []
    for where, line, argument in marked_calls():
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            strings = [argument.value]
        else:
            strings = [s for value in named(argument, where, defined) for s in unmarked_strings(value)]
        missing += [
            f"{where.relative_to(SOURCES.parent)}:{line}: {s!r}" for s in strings if s not in template
        ]
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    catalog = read(po_path(language), language)
    template = read(TEMPLATE)
    translated = {m.id: m for m in catalog if m.id}
    untranslated = [
        str(t.id)
        for t in template
        if t.id
        and (
            t.id not in translated
            or translated[t.id].fuzzy
            or not all(s.strip() for s in forms(translated[t.id]))
        )
    ]
    assert untranslated == [], f"{len(untranslated)} messages have no {LANGUAGES[language]} translation"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_commands_and_emoji(language: str) -> None:
    wrong = []
    for message in read(po_path(language), language):
        if not message.id:
            continue
        english = " ".join(ids(message))
        kept = {
            "placeholders": lambda text: sorted(set(PLACEHOLDER.findall(text))),
            "commands": lambda text: sorted(set(COMMAND.findall(text))),
            "emoji": lambda text: sorted({c for c in text if unicodedata.category(c) == "So"}),
        }
        for form in forms(message):
            if not form:
                continue  # reported by test_every_message_is_translated
            wrong += [f"{english!r}: {what}" for what, of in kept.items() if of(form) != of(english)]
            names = {name: 1 for name in re.findall(r"\{(\w+)\}", english)}
            try:
                fill(form, names)  # a stray brace or a new {name} would raise when the bot sends it
            except (KeyError, IndexError, ValueError) as error:
                wrong.append(f"{english!r}: {error!r}")
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_the_bot_reads_is_its_source_compiled(language: str) -> None:
    path: Path = po_path(language)
    assert path.with_suffix(".mo").read_bytes() == compiled(read(path, language)), (
        "run python -m bot.locales.catalogs"
    )
    assert translator(language).language == language
