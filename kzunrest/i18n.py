"""Languages of the interface: message catalogues (gettext, through Babel) and Babel's dates
and numbers.

A translator is chosen per session (``Text(lang)``), never installed process-wide: Streamlit
serves every viewer from one process, and a global ``_`` would show one viewer's language to
another. Core functions that write words (the map's day summaries, the GIF, the snapshot) take
a ``Text``; English is the default.

The catalogues are the ``.po`` files under ``kzunrest/locale/`` (``make messages`` extracts
and merges them with ``pybabel``); they are compiled in memory with Babel's own compiler (what
``pybabel compile`` runs) the first time a language is used, so a fresh clone needs no build
step and no binary ``.mo`` files are committed.

>>> Text("ru").date(dt.date(2022, 1, 5), "long")
'5 января 2022\u202fг.'
>>> Text("kk").number(10000)
'10\\xa0000'
>>> Text("xx").gettext("Play")
'[[Play]]'
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import os
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages import mofile, pofile

DOMAIN = "kzunrest"
LOCALE_DIR = Path(__file__).parent / "locale"
# The interface's languages, each named in itself (the language control shows these).
LANGUAGES = {"en": "English", "kk": "Қазақша", "ru": "Русский"}
DEFAULT = "en"
# A pseudo-language for tests: every message wrapped in [[...]], so text that escaped the
# catalogues shows up as bare English. Offered only when this variable is set.
PSEUDO = "xx"
PSEUDO_ENV = "KZUNREST_PSEUDO_LANG"

# Date styles: an explicit pattern for English (the app's wording before it had languages),
# a CLDR skeleton or named format elsewhere: each language orders day, month and year its way.
_DATE_STYLES = {
    "day": ("EEE dd MMM y", "yMMMEd"),  # Wed 05 Jan 2022
    "full": ("EEEE dd MMMM y", "full"),  # Wednesday 05 January 2022
    "day_month": ("dd MMMM", "MMMMd"),  # 05 January
    "long": ("d MMMM y", "long"),  # 5 January 2022
    "d_month": ("d MMMM", "MMMMd"),  # 5 January
    "short": ("dd MMM", "MMMd"),  # 05 Jan
    "weekday_short": ("EEE dd MMM", "MMMEd"),  # Wed 05 Jan
}


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for a marker
    """Mark a message for extraction where it is defined; translate it where it is shown."""
    return message


def languages() -> dict[str, str]:
    """The languages offered: English, Kazakh and Russian (and the pseudo-language in tests)."""
    if os.environ.get(PSEUDO_ENV):
        return {**LANGUAGES, PSEUDO: "[[pseudo]]"}
    return dict(LANGUAGES)


def from_locale(tag: str | None) -> str:
    """The interface language for a browser locale (``kk-KZ``, ``ru``): Kazakh or Russian when
    the browser asks for them, else English.

    >>> from_locale("ru-RU"), from_locale("kk"), from_locale("de-DE"), from_locale(None)
    ('ru', 'kk', 'en', 'en')
    """
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT


class _Pseudo(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return f"[[{message}]]"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"[[{singular if n == 1 else plural}]]"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang``, compiled once per process (read-only, shared by sessions)."""
    if lang == PSEUDO:
        return _Pseudo()
    path = po_path(lang)
    if lang == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = pofile.read_po(fh, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Text:
    """One viewer's language: messages, dates and numbers."""

    lang: str = DEFAULT

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang if self.lang in LANGUAGES else DEFAULT)

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def date(self, day: dt.date, style: str = "day") -> str:
        pattern, skeleton = _DATE_STYLES[style]
        if self.lang == PSEUDO:
            return f"[[{dates.format_date(day, pattern, locale='en')}]]"
        if self.lang == DEFAULT:
            return dates.format_date(day, pattern, locale="en")
        if skeleton in ("full", "long", "medium"):  # CLDR's own formats of the language
            return dates.format_date(day, skeleton, locale=self.locale)
        return dates.format_skeleton(skeleton, day, locale=self.locale)

    def number(self, value: float | int) -> str:
        return numbers.format_decimal(value, locale=self.locale)


ENGLISH = Text()

# Words of the data's vocabularies shown as labels (ACLED's event types, the figures'
# metrics, phases): listed here so the catalogues carry them; ``Text.term`` translates a
# known term and leaves any other value (another dataset's own words) as it is.
TERMS = (
    N_("Protests"), N_("Riots"), N_("Battles"), N_("Violence against civilians"),
    N_("Explosions/Remote violence"), N_("Strategic developments"), N_("Unclassified"),
    N_("deaths"), N_("injured"), N_("detained"), N_("security_deaths"),
    N_("security_injured"), N_("arriving"), N_("present"), N_("leaving"), N_("nationwide"),
)


def term(text: Text, value: str) -> str:
    """A vocabulary word in ``text``'s language (as it is when the catalogue lacks it)."""
    return text.gettext(value) if value in TERMS else value
