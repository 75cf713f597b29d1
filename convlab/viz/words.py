"""The words of a figure, in English and Vietnamese at once.

The course's rule for figures: every title, axis label, legend and colour
bar label is written in both languages, "English / Tiếng Việt", whatever
``convlab.set_language`` says (the messages of errors follow the chosen
language; a figure is read by everyone in the room).

- ``bilingual(english, vietnamese)``: the two halves joined, e.g.
  ``bilingual("input volume", "khối đầu vào")``;
- ``bilingual(N_("input"))``: the Vietnamese half taken from convlab's
  catalog (how convlab's own figures do it, so that a figure and a message
  say a term the same way);
- ``untranslated(fig)``: the words of a figure that have no Vietnamese, to
  check a figure (the tests run it on every figure of the course).
"""

import gettext
import re
import unicodedata

from convlab.i18n import DOMAIN, LOCALE_DIR

# Both halves on one line when they are this short together, else one per line.
ONE_LINE = 44
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")

_vietnamese_catalog = None


def N_(message):
    """Mark ``message`` for the catalog without translating it; returns it as is.

    pybabel collects the messages in ``N_(...)`` as it does those in
    ``_(...)``: ``bilingual(N_("input"))`` finds its Vietnamese there.
    """
    return message


def bilingual(english, vietnamese=None):
    """Figure words in both languages: "English / Tiếng Việt".

    Inputs:
    - english: the English words; may hold ``{placeholders}`` for a
      ``.format(...)`` after the call (both halves get the same ones)
    - vietnamese: the Vietnamese words; None takes the translation of
      ``english`` from convlab's Vietnamese catalog (mark ``english`` with
      ``N_`` so that ``make translations`` collects it)

    Returns one string: the two halves on one line, separated by " / ",
    when they are short (at most 44 characters together) and have one line
    each; otherwise English on the first line(s), Vietnamese below. Words
    that are the same in both languages are written once.

    >>> bilingual("input volume", "khối đầu vào")
    'input volume / khối đầu vào'
    """
    if vietnamese is None:
        vietnamese = _catalog().gettext(english)
    if vietnamese == english:
        return english
    # A {placeholder} counts as a short number.
    length = len(_PLACEHOLDER.sub("000", english + vietnamese))
    if length <= ONE_LINE and "\n" not in english + vietnamese:
        return f"{english} / {vietnamese}"
    return f"{english}\n{vietnamese}"


def _catalog():
    global _vietnamese_catalog
    if _vietnamese_catalog is None:
        _vietnamese_catalog = gettext.translation(DOMAIN, localedir=LOCALE_DIR,
                                                  languages=["vi"], fallback=True)
    return _vietnamese_catalog


# --- Checking a figure -------------------------------------------------------

# A word that needs a translation: three letters or more, not a name with
# digits or capitals inside (conv1, FC6, ReLU, LeNet).
_WORD = re.compile(r"(?<![\w$\\])[A-Za-z][a-z]{2,}(?![\w$])")
# Words the course writes the same in both languages (course/glossary.md),
# and names.
SAME_IN_BOTH = {
    "epoch", "epochs", "gradient", "perceptron", "widget", "pixel", "pixels", "softmax",
    "adaline", "madaline", "sobel", "neocognitron", "cifar", "mnist", "digits",
}


def has_vietnamese(text):
    """True when ``text`` has a Vietnamese letter (a Latin letter with its marks: ă, đ, ộ, ...)."""
    return any(ord(ch) > 127 and ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")
               for ch in unicodedata.normalize("NFC", text))


def needs_vietnamese(text):
    """True when ``text`` has English words (not names, not terms kept in English) and no Vietnamese.

    A text has Vietnamese when it has a Vietnamese letter, or the " / " of
    ``bilingual`` (some Vietnamese words have no marks: "thanh", "thang log").
    """
    words = [w for w in _WORD.findall(text) if w.lower() not in SAME_IN_BOTH]
    return bool(words) and not has_vietnamese(text) and " / " not in text


def figure_words(fig):
    """Every title, axis label, legend text and colour bar label of a figure, as strings."""
    figures = [fig] + list(fig.subfigs)
    # matplotlib keeps the figure's titles in these attributes (None until set).
    texts = [getattr(f, name, None) for f in figures
             for name in ("_suptitle", "_supxlabel", "_supylabel")]
    legends = [legend for f in figures for legend in f.legends]
    for ax in fig.get_axes():
        texts += [ax.xaxis.label, ax.yaxis.label]
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        legends.append(ax.get_legend())
    for legend in legends:
        if legend is not None:
            texts += [legend.get_title()] + list(legend.get_texts())
    words = []
    for text in texts:
        if text is not None and not isinstance(text, str):
            text = text.get_text() if text.get_visible() else ""
        if text and text.strip():
            words.append(text)
    return words


def untranslated(fig):
    """The words of ``fig`` (titles, labels, legends) that need Vietnamese and have none.

    An empty list means the figure follows the course's rule. A text passes
    when it has a Vietnamese letter or " / ", or no English word that needs one:
    "input volume 32x32x3" fails, "input volume / khối đầu vào 32x32x3",
    "conv1", "d = 0" and "epoch" pass.
    """
    return [text for text in figure_words(fig) if needs_vietnamese(text)]
