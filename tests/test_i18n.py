"""The translation catalogs: complete, in sync with the code, compiled."""
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import convlab
from convlab.i18n import LANGUAGES, LOCALE_DIR

PACKAGE = Path(convlab.__file__).parent
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# Terms of ../shared/glossary.md: an English word in a message -> the
# Vietnamese term its translation must use.
GLOSSARY = {
    "filter": "bộ lọc",
    "stride": "bước trượt",
    "padding": "đệm số 0",
    "bias": "độ lệch",
    "channels": "kênh",
    "input volume": "khối đầu vào",
}


def read_catalog(path):
    with open(path, "rb") as f:
        return read_po(f)


def messages_in_code():
    return {found[2] for found in extract_from_dir(str(PACKAGE))}


def test_template_lists_exactly_the_messages_in_the_code():
    template = {m.id for m in read_catalog(LOCALE_DIR / "convlab.pot") if m.id}
    assert template == messages_in_code(), "run `make translations`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_message(language):
    catalog = read_catalog(LOCALE_DIR / language / "LC_MESSAGES" / "convlab.po")
    assert {m.id for m in catalog if m.id} == messages_in_code(), "run `make translations`"


def vietnamese():
    return [m for m in read_catalog(LOCALE_DIR / "vi" / "LC_MESSAGES" / "convlab.po") if m.id]


@pytest.mark.parametrize("message", vietnamese(), ids=lambda m: m.id[:40])
def test_vietnamese_translation_is_complete(message):
    assert message.string, "untranslated"
    assert not message.fuzzy, "fuzzy: check the translation, then remove the flag"
    assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id))
    for english, term in GLOSSARY.items():
        if re.search(rf"\b{english}\b", message.id):
            assert term in message.string, f"{english!r} is {term!r} in the glossary"


def test_glossary_spelling():
    for message in vietnamese():
        assert "trường thu cảm" not in message.string  # the glossary: "trường thụ cảm"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_is_up_to_date(language):
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(folder / "convlab.po"))
    assert (folder / "convlab.mo").read_bytes() == compiled.getvalue(), \
        "run `make translations`"


def test_catalogs_ship_with_the_package():
    import tomllib
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]["convlab"]
    assert "locale/*/LC_MESSAGES/*.mo" in data
