"""How a check runs a student's function and explains what went wrong.

A check is a ``Task`` (what is compared, against which reference) and a list
of ``Case`` (fixed inputs). ``grade`` runs the student's code on every case,
compares the outputs with convlab's reference (shape first, then values) and,
when something is wrong, raises ``Failure`` with a message for the student:
the case, what differs, and the hints of ``convlab.grading.hints`` whose
deliberately wrong reference gives the same results as the student's code,
or whose pattern matches the exception the student's code raised.

Everything a student reads goes through ``convlab.i18n._`` when it is shown,
so messages follow ``convlab.set_language``. Hints are shown in the language
the student chose, or in English and in Vietnamese when no language was
chosen (``hint_lines``): in nbgrader's autograde the notebook runs in a
fresh kernel, and only the student's own ``set_language`` call, if any, has
run before the tests.
"""
import contextlib
import copy
import functools
import os
import re
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

import convlab
from convlab.grading import hints
from convlab.i18n import LANGUAGES, N_, _, chosen_language, translate

# Frames in these folders are not the student's code (see ``_student_line``).
_LIBRARY_DIRS = tuple(os.path.dirname(module.__file__) + os.sep
                      for module in (np, convlab))
# The largest arrays printed in full in a message (e.g. the lecture's 7x7 map;
# only vectors and single maps).
_PRINTED_SIZE = 64
# One line of hint, translated (in one language or both) by ``hint_lines``.
HINT = N_("Hint: {hint}")


class Failure(Exception):
    """A check failed; the message is for the student."""


class WrongReturn(Exception):
    """The student's function returned something of the wrong kind (not an
    exception of the student's code: the message says what was expected)."""


@dataclass
class Case:
    """One input of a check.

    args: the arguments, by name, in the order the function takes them;
    title: a few words on where the case comes from ("the lecture's ...");
    show_values: describe small arrays by their values, not only their shapes.
    """
    args: dict
    title: str = ""
    show_values: bool = False

    def label(self):
        parts = [_describe(name, value, self.show_values)
                 for name, value in self.args.items()]
        text = ", ".join(part for part in parts if part)
        return ": ".join(part for part in (self.title, text) if part)

    def copy_of_args(self):
        """Fresh copies of the arguments: no function sees another's changes."""
        return copy.deepcopy(list(self.args.values()))


@dataclass
class Task:
    """What one check compares.

    name: the function's name as the student knows it ("conv_forward_naive");
    outputs: the names of the compared results, e.g. ("out",) or ("dx", "dw", "db");
    reference: convlab's answer, called with a case's arguments, returns a
      tuple of outputs (or raises: then the student's function must raise a
      ValueError too);
    hints: the key of this task's mistakes in ``hints.MISTAKES``;
    shape_only: compare shapes, not values (e.g. randomly initialised weights);
    integer: the outputs must be Python or NumPy ints;
    explain_shape(case, output): words added when an output has the wrong shape;
    explain_values(case, output, got): words added when its values are wrong.
    """
    name: str
    outputs: tuple
    reference: Callable
    hints: str = ""
    shape_only: bool = False
    integer: bool = False
    rtol: float = 1e-5
    atol: float = 1e-7
    explain_shape: Optional[Callable] = None
    explain_values: Optional[Callable] = None


@dataclass
class Outcome:
    """What a function did on one case: returned ``values`` or raised ``error``."""
    values: Optional[tuple] = None
    error: Optional[BaseException] = None
    where: Optional[traceback.FrameSummary] = field(default=None, repr=False)

    @property
    def returned(self):
        return self.error is None


def run(function, case, student=False):
    """Call ``function`` on fresh copies of the case's arguments.

    Exceptions become an Outcome: the student's are reported, and a wrong
    reference of the hint table may raise just like the mistake it copies.
    """
    try:
        with quiet():
            values = function(*case.copy_of_args())
    except Exception as error:  # noqa: BLE001 (any error of the code under test)
        return Outcome(error=error, where=_student_line(error) if student else None)
    return Outcome(values=tuple(values))


@contextlib.contextmanager
def quiet():
    """No warning reaches stderr: NumPy's floating-point warnings are off and
    every other warning is ignored (nbgrader counts stderr output against a
    cell)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def grade(task, program, cases):
    """Run ``program`` (the student's code, called like ``task.reference``)
    on every case; return the number of cases or raise Failure."""
    expected = [run(task.reference, case) for case in cases]
    got = [run(program, case, student=True) for case in cases]
    for number, (case, want, have) in enumerate(zip(cases, expected, got), 1):
        problem = _problem(task, case, want, have)
        if problem is None:
            continue
        header = _("{name} fails in case {number} of {total}: {case}.").format(
            name=task.name, number=number, total=len(cases), case=case.label())
        messages = matching_hints(task, cases, expected, got, number - 1)
        if not have.returned:
            messages += error_hints(have.error)
        lines = [header, problem] + hint_lines(dict.fromkeys(messages))
        raise Failure("\n".join(lines))
    return len(cases)


def hint_lines(messages):
    """The lines that show hint ``messages`` (English msgids): "Hint: ..." in
    the language the student chose, or, when none was chosen, each hint in
    English and then in Vietnamese, as the course text does."""
    chosen = chosen_language()
    languages = (chosen,) if chosen else LANGUAGES
    return [translate(HINT, language).format(hint=translate(message, language))
            for message in messages for language in languages]


def passed(name, count):
    """The one line a successful check prints."""
    return _("{name}: {count} cases passed").format(name=name, count=count)


def check(function):
    """Decorate a public check: run it quietly, print its one-line summary
    on success, and turn a Failure into an AssertionError raised right here
    (a short traceback: the student's cell, then this line)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with quiet():
                summary = function(*args, **kwargs)
        except Failure as failure:
            message = str(failure)
        else:
            print(summary)
            return None
        raise AssertionError(message) from None
    return wrapper


def require_function(name, value):
    """The argument of a check must be the student's function (or class)."""
    if not callable(value):
        raise Failure(_("The check needs your {name} itself (a function or a class), "
                        "got {type}.").format(name=name, type=type(value).__name__))
    return value


def unpack(function, result, count, layout):
    """The student's ``result``, checked to be a tuple (or list) of ``count``
    values; ``count`` None means a single value."""
    name = getattr(function, "__name__", repr(function))
    if result is None:
        raise WrongReturn(_("{name} returned None: did you forget the return "
                            "statement?").format(name=name))
    if count is None:
        if isinstance(result, (tuple, list)):
            raise WrongReturn(_("{name} must return {layout}, got a {type} of {count} "
                                "values.").format(name=name, layout=layout,
                                                  type=type(result).__name__,
                                                  count=len(result)))
        return result
    if not isinstance(result, (tuple, list)) or len(result) != count:
        raise WrongReturn(_("{name} must return {layout}, got {got}.").format(
            name=name, layout=layout, got=_kind_of(result)))
    return tuple(result)


# --- Comparing one case ------------------------------------------------------

def _problem(task, case, want, have):
    """What is wrong with the student's outcome, in words, or None."""
    if not want.returned:
        return _expected_error(want, have)
    if not have.returned:
        return describe_error(have)
    problems = (_shape_problem, _type_problem, _value_problem)
    for find in problems:
        for index, output in enumerate(task.outputs):
            problem = find(task, case, output, want.values[index], have.values[index])
            if problem:
                return problem
    return None


def _expected_error(want, have):
    reason = str(want.error)
    if have.returned:
        got = ", ".join(_short(value) for value in have.values)
        return _("Expected a ValueError, because {reason} Your function returned "
                 "{got} instead.").format(reason=_sentence(reason), got=got)
    if isinstance(have.error, ValueError):
        return None
    if isinstance(have.error, WrongReturn):
        return str(have.error)
    return _("Expected a ValueError, because {reason} Your function raised {type} "
             "instead: {message}").format(reason=_sentence(reason),
                                          type=type(have.error).__name__,
                                          message=have.error)


def describe_error(outcome):
    """What the student's code raised (or returned that cannot be used), and where."""
    if isinstance(outcome.error, WrongReturn):
        return str(outcome.error)
    message = _("Your code raised {type}: {message}").format(
        type=type(outcome.error).__name__, message=outcome.error)
    if outcome.where is not None:
        message += "\n" + _("(in {function}, line {line}: {code})").format(
            function=outcome.where.name, line=outcome.where.lineno,
            code=(outcome.where.line or "").strip())
    return message


def _shape_problem(task, case, output, want, have):
    array = _as_array(have)
    if array is None:
        return _("{output} must be a number or a NumPy array of numbers, got "
                 "{type}.").format(output=output, type=type(have).__name__)
    want_shape = np.shape(want)
    if array.shape == want_shape:
        return None
    message = _("{output} has the wrong shape: expected {expected}, got {got}.").format(
        output=output, expected=want_shape, got=array.shape)
    if task.explain_shape is not None:
        extra = task.explain_shape(case, output)
        if extra:
            message += "\n" + extra
    return message


def _type_problem(task, case, output, want, have):
    if not task.integer or _is_int(have):
        return None
    return _("{output} must be a whole number (an int), got {value!r} of type "
             "{type}.").format(output=output, value=have, type=type(have).__name__)


def _value_problem(task, case, output, want, have):
    if task.shape_only:
        return None
    got, want = _as_array(have), np.asarray(want, dtype=np.float64)
    close = np.isclose(got, want, rtol=task.rtol, atol=task.atol)
    if close.all():
        return None
    if want.ndim == 0:
        expected, got_text = _two_numbers(want, got)
        message = _("{output} is wrong: expected {expected}, got {got}.").format(
            output=output, expected=expected, got=got_text)
    else:
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        expected, got_text = _two_numbers(want[index], got[index])
        message = _("{output} has wrong values: {count} of {total} differ. The first "
                    "is {output}{index}: expected {expected}, got {got}.").format(
            output=output, count=int((~close).sum()), total=close.size,
            index=list(index), expected=expected, got=got_text)
        if want.size <= _PRINTED_SIZE and _squeezed(want).ndim <= 2:
            message += "\n" + _("Expected {output}:\n{expected}\nYour {output}:\n"
                                "{got}").format(output=output, expected=_table(want),
                                                got=_table(got))
    if not np.isfinite(got).all() and np.isfinite(want).all():
        message += "\n" + _("{output} contains nan or inf: a number overflowed "
                            "somewhere.").format(output=output)
    if task.explain_values is not None:
        extra = task.explain_values(case, output, got)
        if extra:
            message += "\n" + extra
    return message


# --- Hints -------------------------------------------------------------------

def matching_hints(task, cases, expected, got, failed):
    """The messages of the mistakes that explain the student's results.

    A mistake explains them when its wrong reference gives the student's
    (wrong) results in at least one case and never disagrees with a result
    the student's code returned (where the student's code raised, it raised
    the same kind of error, or tells nothing). If no mistake explains every
    case, the mistakes that give the results the student's code returned in
    the failed case.
    """
    everywhere, here = [], []
    for mistake in hints.MISTAKES.get(task.hints, ()):
        positions = [task.outputs.index(name) for name in mistake.outputs] \
            if mistake.outputs else list(range(len(task.outputs)))
        evidence = contradicted = False
        for index, case in enumerate(cases):
            verdict = _compare_mistake(task, mistake, case, expected[index],
                                       got[index], positions)
            if verdict == "contradicts":
                contradicted = True
            if verdict == "explains":
                evidence = True
                if index == failed and got[index].returned:
                    here.append(mistake.message)
        if evidence and not contradicted:
            everywhere.append(mistake.message)
    return list(dict.fromkeys(everywhere or here))


def error_hints(error):
    """The messages of ``hints.ERRORS`` that explain ``error``, an exception
    the student's code raised (e.g. a TypeError from a float size)."""
    return [hint.message for hint in hints.ERRORS
            if isinstance(error, hint.error) and re.search(hint.pattern, str(error))]


def _compare_mistake(task, mistake, case, want, have, positions):
    """'explains', 'contradicts' or 'neutral': mistake vs the student's outcome."""
    if isinstance(have.error, WrongReturn):
        return "neutral"
    wrong = run(mistake.wrong, case)
    if not have.returned:
        same_error = not wrong.returned and type(wrong.error) is type(have.error)
        return "explains" if same_error and want.returned else "neutral"
    if not wrong.returned or not _same(task, have, wrong, positions):
        return "contradicts"
    return "neutral" if _same(task, have, want, positions) else "explains"


def _same(task, a, b, positions):
    """Two outcomes that both returned agree on the outputs at ``positions``."""
    if not (a.returned and b.returned):
        return False
    for i in positions:
        x, y = _as_array(a.values[i]), _as_array(b.values[i])
        if x is None or y is None or x.shape != y.shape:
            return False
        if task.integer and _is_int(a.values[i]) != _is_int(b.values[i]):
            return False
        if not task.shape_only and not np.allclose(x, y, rtol=task.rtol,
                                                   atol=task.atol, equal_nan=True):
            return False
    return True


# --- Formatting --------------------------------------------------------------

def _as_array(value):
    """A float array of ``value``, a size-1 array as a number, or None."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array.reshape(()) if array.size == 1 and array.ndim > 0 else array


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _short(value):
    """A number or small array as a student would write it; else its shape."""
    if isinstance(value, (int, np.integer, bool, np.bool_)):
        return str(value)
    array = _as_array(value)
    if array is None:
        return repr(value)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    if array.size <= 6:
        return _table(array)
    return _("an array of shape {shape}").format(shape=array.shape)


def _two_numbers(a, b):
    """Two numbers with as many digits as it takes to see that they differ."""
    a, b = float(a) + 0.0, float(b) + 0.0   # + 0.0: no "-0"
    for digits in (6, 9, 12, 17):
        texts = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if texts[0] != texts[1]:
            break
    return texts


def _squeezed(array):
    """A single example's single map, (1, 1, H, W) -> (H, W)."""
    array = np.asarray(array)
    while array.ndim > 2 and array.shape[0] == 1:
        array = array[0]
    return array


def _table(array):
    """An array printed in full (a single map without its (1, 1) axes)."""
    array = _squeezed(array) + 0.0   # + 0.0: no "-0."
    return np.array2string(array, precision=4, suppress_small=True, max_line_width=100)


def _describe(name, value, show_values):
    if isinstance(value, np.ndarray):
        if show_values and value.size <= 6:
            return f"{name}={_table(value)}"
        return f"{name} {value.shape}"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{name}={value:g}" if isinstance(value, (float, np.floating)) \
            else f"{name}={value}"
    return ""


def _kind_of(value):
    if isinstance(value, np.ndarray):
        return _("a NumPy array of shape {shape}").format(shape=value.shape)
    if isinstance(value, (tuple, list)):
        return _("a {type} of {count} values").format(type=type(value).__name__,
                                                      count=len(value))
    return type(value).__name__


def _sentence(text):
    text = text.strip()
    return text if text.endswith(".") else text + "."


def _student_line(error):
    """The last line of the traceback outside NumPy and convlab: the student's."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if not frame.filename.startswith(_LIBRARY_DIRS):
            return frame
    return None
