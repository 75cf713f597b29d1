"""Messages in the student's language: English (default) or Vietnamese.

Messages are looked up in standard gettext catalogs kept in
``convlab/locale/<lang>/LC_MESSAGES/convlab.po`` (compiled to ``.mo``).
Choose the language with ``convlab.set_language("vi")`` or the environment
variable ``CONVLAB_LANG=vi``. Until one of them chooses, messages are in
English, and the hints of the assignments' checks come in both languages
(``chosen_language`` is None), as the course text does.
"""
import gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "convlab"
LANGUAGES = ("en", "vi")

_language = None      # None: not chosen yet, read CONVLAB_LANG on first use
_translations = {}    # language -> gettext translation, loaded once


def set_language(language=None):
    """Use ``language`` ("en" or "vi") for convlab's messages.

    ``set_language(None)`` goes back to the ``CONVLAB_LANG`` environment
    variable (English when it is not set).
    """
    global _language
    if language is not None and language not in LANGUAGES:
        # Said in both languages: the user may not read the one they mistyped.
        raise ValueError(
            f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}"
            f" / ngôn ngữ không hợp lệ {language!r}: hãy chọn một trong {', '.join(LANGUAGES)}"
        )
    _language = language


def chosen_language():
    """The language chosen with ``set_language`` or ``CONVLAB_LANG``: "en" or
    "vi"; None when neither chose one (the language is unknown)."""
    if _language is not None:
        return _language
    from_env = os.environ.get("CONVLAB_LANG", "").strip().lower()[:2]
    return from_env if from_env in LANGUAGES else None


def get_language():
    """The language messages are shown in now: "en" or "vi" (English when
    none was chosen)."""
    return chosen_language() or "en"


def _translation(language):
    if language not in _translations:
        _translations[language] = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)
    return _translations[language]


def translate(message, language):
    """``message`` in ``language`` ("en" or "vi"), whatever language is chosen."""
    return _translation(language).gettext(message)


def _(message):
    """Translate ``message`` into the current language."""
    return translate(message, get_language())


def N_(message):
    """Mark ``message`` for the translation catalogs without translating it:
    it is translated when it is shown (``_`` or ``translate``)."""
    return message
