"""Parse the lecture's architecture pattern into a list of layers.

The lecture writes ConvNets as [(CONV-RELU)*N-POOL?]*M-(FC-RELU)*K-SOFTMAX.
A spec is that pattern with numbers, e.g. "[(CONV-RELU)*2-POOL]*2-(FC-RELU)*1-FC":

    spec   := term ("-" term)*
    term   := factor ("*" count)?
    factor := LAYER | "(" spec ")" | "[" spec "]"
    LAYER  := CONV | RELU | POOL | FC | SOFTMAX     (any case)

parse_spec expands the repetitions: "(CONV-RELU)*2-FC" gives
["conv", "relu", "conv", "relu", "fc"].
"""
import re

from convlab.errors import ShapeError
from convlab.i18n import _

LAYERS = ("CONV", "RELU", "POOL", "FC", "SOFTMAX")
TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_]+)|(?P<count>\d+)|(?P<symbol>[-*()\[\]?])|(?P<bad>\S))")
CLOSING = {"(": ")", "[": "]"}


class SpecError(ShapeError):
    """A spec string that is not a valid network description."""


def parse_spec(spec):
    """The layer kinds a spec describes, in order (lowercase, no "softmax")."""
    if not isinstance(spec, str):
        raise TypeError(_("spec must be a string such as {example}, got {type}.").format(
            example='"[(CONV-RELU)*2-POOL]*2-(FC-RELU)*1-FC"', type=type(spec).__name__))
    tokens = _tokenize(spec)
    kinds, position = _sequence(spec, tokens, 0)
    if position < len(tokens):
        _fail(spec, tokens[position][1], _("expected '-' or the end of the spec"))
    return _check_order(spec, kinds)


def _tokenize(spec):
    tokens, position = [], 0
    while position < len(spec):
        match = TOKEN.match(spec, position)
        if match.group("bad"):
            _fail(spec, match.start("bad"), _("unexpected character {char!r}").format(
                char=match.group("bad")))
        kind = match.lastgroup
        tokens.append((match.group(kind), match.start(kind), kind))
        position = match.end()
        if not spec[position:].strip():
            break
    return tokens


def _sequence(spec, tokens, i):
    kinds, i = _term(spec, tokens, i)
    while i < len(tokens) and tokens[i][0] == "-":
        more, i = _term(spec, tokens, i + 1)
        kinds += more
    return kinds, i


def _term(spec, tokens, i):
    kinds, i = _factor(spec, tokens, i)
    if i < len(tokens) and tokens[i][0] == "*":
        if i + 1 >= len(tokens) or tokens[i + 1][2] != "count":
            where = tokens[i + 1][1] if i + 1 < len(tokens) else len(spec)
            _fail(spec, where, _("expected a number of repetitions after '*' (N, M "
                                 "and K of the lecture's pattern are numbers)"))
        count = int(tokens[i + 1][0])
        if count < 1:
            _fail(spec, tokens[i + 1][1], _("a block must be repeated at least once"))
        kinds, i = kinds * count, i + 2
    if i < len(tokens) and tokens[i][0] == "?":
        _fail(spec, tokens[i][1], _("'?' marks an optional layer in the lecture's "
                                    "pattern: write the layer or leave it out"))
    return kinds, i


def _factor(spec, tokens, i):
    if i >= len(tokens):
        _fail(spec, len(spec), _("expected a layer or a group"))
    text, where, kind = tokens[i]
    if text in CLOSING:
        kinds, j = _sequence(spec, tokens, i + 1)
        if j >= len(tokens) or tokens[j][0] != CLOSING[text]:
            _fail(spec, tokens[j][1] if j < len(tokens) else len(spec),
                  _("expected {closing!r} to close the {opening!r} at position "
                    "{start}").format(closing=CLOSING[text], opening=text, start=where))
        return kinds, j + 1
    if kind == "name":
        if text.upper() not in LAYERS:
            _fail(spec, where, _("unknown layer {name!r}: expected one of {layers}").format(
                name=text, layers=", ".join(LAYERS)))
        return [text.lower()], i + 1
    _fail(spec, where, _("expected a layer or a group, got {token!r}").format(token=text))


def _check_order(spec, kinds):
    if "softmax" in kinds:
        if kinds.count("softmax") > 1 or kinds[-1] != "softmax":
            _fail(spec, spec.upper().find("SOFTMAX"),
                  _("SOFTMAX can only be the last layer"))
        kinds = kinds[:-1]
    if not kinds or kinds[-1] != "fc":
        _fail(spec, len(spec), _("the last layer must be FC, the layer that gives the "
                                 "class scores"))
    first_fc = kinds.index("fc")
    if any(k in ("conv", "pool") for k in kinds[first_fc:]):
        upper = spec.upper()
        after_fc = [upper.find(k, upper.find("FC")) for k in ("CONV", "POOL")]
        _fail(spec, min((p for p in after_fc if p >= 0), default=0),
              _("CONV and POOL layers must come before the first FC layer"))
    return kinds


def _fail(spec, position, problem):
    position = max(0, position)
    raise SpecError(_("invalid spec: {problem}, at position {position}:\n"
                      "    {spec}\n    {pointer}").format(
        problem=problem, position=position, spec=spec, pointer=" " * position + "^"))
