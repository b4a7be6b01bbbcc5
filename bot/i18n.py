"""The languages Dossier speaks to readers, and its messages in each: gettext catalogs made with Babel.

English is the source language: every message is written in English where it is used and marked
for extraction (`Translator.gettext`, `.ngettext`, `.html`, `.nhtml`, or `N_` where it is only
defined); each other language has bot/locales/<code>/LC_MESSAGES/dossier.po, compiled to the .mo
beside it that is read here. `make catalogs` extracts, merges and compiles (bot/locales/catalogs.py).
"""

from __future__ import annotations

import datetime as dt
import gettext
import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from index.errors import DossierError

# Each language's name in that language (the /language buttons); English first, the default.
LANGUAGES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
DEFAULT_LANGUAGE = "en"
DOMAIN = "dossier"
LOCALES = Path(__file__).with_name("locales")
# How messages are marked in the code, as Babel's keyword specs (which arguments are the message).
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "gettext": None,
    "ngettext": (1, 2),
    "html": None,
    "nhtml": (1, 2),
    "N_": None,
}
# The core (index/) imports no gettext: its messages are the templates of the errors it raises
# (index/errors.py) and the labels of its long steps (index/progress.py), extracted by these names.
CORE_KEYWORDS: dict[str, tuple[int, ...] | None] = {"task": None}
COMMENT_TAG = "TRANSLATORS:"  # a comment starting so, just above a message, is shown to translators


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is only defined; it is translated where it is shown."""
    return message


# TRANSLATORS: how the bot writes an article's date, as a Babel (CLDR) pattern: d is the day, MMMM the
# month's name, y the year, text in 'quotes' is kept as it is. English gives "17 July 2020".
DATE_PATTERN = N_("d MMMM y")


class Html(str):
    """Telegram HTML that is already safe (escaped, balanced): filled into a message as it is."""

    __slots__ = ()


def fill(template: str, values: dict[str, object]) -> Html:
    """A plain-text template as Telegram HTML, each {placeholder} filled with its value escaped
    (an Html value as it is). Templates hold no markup: rendering adds it around escaped text."""
    safe = {
        name: value if isinstance(value, Html) else html.escape(str(value)) for name, value in values.items()
    }
    return Html(html.escape(template, quote=False).format(**safe))


@dataclass(frozen=True)
class Translator:
    """What Dossier says in one language."""

    language: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """The message in this language, as plain text (buttons, alerts, the command menu)."""
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    def html(self, message: str, **values: object) -> Html:
        """The message in this language as Telegram HTML, its placeholders filled (see `fill`)."""
        return fill(self.gettext(message), values)

    def nhtml(self, singular: str, plural: str, n: int, **values: object) -> Html:
        """The form for `n` as Telegram HTML; {count} is filled with `n` unless `values` say otherwise."""
        return fill(self.ngettext(singular, plural, n), {"count": n, **values})

    def error(self, error: DossierError) -> str:
        """A core error in this language: its template translated and filled with its values (see
        index/errors.py); the English sentence where the catalogs do not have it."""
        translated = self.gettext(error.template)
        if not error.values:
            return translated
        try:
            return translated.format(**error.values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: English
            return str(error)

    def date(self, value: dt.date) -> str:
        """'17 July 2020', '17 июля 2020 г.', '2020 ж. 17 шілде'."""
        from babel.dates import format_date  # 70 ms to import: only where dates are written

        return format_date(value, self.gettext(DATE_PATTERN), locale=self.language)


ENGLISH = Translator(DEFAULT_LANGUAGE, gettext.NullTranslations())


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


@cache
def translator(language: str) -> Translator:
    """The language's translator (English for any language Dossier does not speak).

    Raises DossierError when a catalog is missing, which only a broken installation causes."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        return ENGLISH
    path = catalog_path(language)
    try:
        with path.open("rb") as file:
            return Translator(language, gettext.GNUTranslations(file))
    except OSError as error:
        raise DossierError(
            f"the {LANGUAGES[language]} message catalog {path} cannot be read ({error.strerror}); "
            "reinstall dossier, or run: make catalogs"
        ) from None


def language_of(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language to speak to someone whose Telegram app reports `code` (an IETF tag: 'ru', 'kk',
    'en-US'); `default` for anything Dossier does not speak."""
    primary = (code or "").replace("_", "-").split("-")[0].casefold()
    return primary if primary in LANGUAGES else default
