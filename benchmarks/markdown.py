"""The benchmark reports are Markdown: one file, docs/benchmarks.md, whose
"## " sections each benchmark replaces in place (``write_sections``)."""
import re


def _sections(text):
    """(the text before the first "## " heading, {heading: section text})."""
    parts = re.split(r"^(?=## )", text, flags=re.M)
    return parts[0], {part.split("\n", 1)[0]: part.rstrip("\n") + "\n" for part in parts[1:]}


def write_sections(path, text):
    """Write the Markdown ``text`` to ``path`` without losing the "## " sections
    of the file that ``text`` does not have (another benchmark's: ``make
    bench`` writes the whole report, ``make bench-grading`` its "## Grading a
    class"). A whole report (text before its first section) comes first,
    then the file's other sections; sections alone replace theirs in place
    or are added at the end."""
    try:
        with open(path, encoding="utf-8") as f:
            old_preamble, old = _sections(f.read())
    except FileNotFoundError:
        old_preamble, old = "# Benchmarks\n", {}
    preamble, new = _sections(text)
    if preamble.strip():
        merged = dict(new, **{h: b for h, b in old.items() if h not in new})
    else:
        preamble = old_preamble
        merged = dict(old, **new)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join([preamble.strip() + "\n"] + list(merged.values())))
