"""Re-verification in a sandbox: honest, blank and hostile a2 submissions."""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from convlab.classroom import protocol, sandbox
from convlab.classroom.protocol import decode, encode
from convlab.classroom.reverify import CHECKS, reverify_notebook as reverify
from convlab.classroom.sandbox import StudentError

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "a2_convolution" / "a2_convolution.ipynb"
BLANK = ROOT / "assignments" / "a2_convolution" / "a2_convolution.ipynb"
A2 = CHECKS["a2_convolution"]


def submission(tmp_path, edits=(), source=SOLUTION):
    """A copy of ``source`` where the solution cell of each (grade_id, text)
    gets ``text`` appended."""
    notebook = nbformat.read(source, as_version=4)
    for grade_id, text in edits:
        cell = next(c for c in notebook.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        cell.source += "\n" + text
    path = tmp_path / "submitted" / "a2_convolution.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def results(path, names=None, **kwargs):
    checks = [c for c in A2 if names is None or c[0].__name__ in names]
    return {r.check: r for r in reverify(path, checks, **kwargs)}


def test_student_cells_leave_out_the_tests():
    notebook = nbformat.read(SOLUTION, as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id")
           for c in sandbox.student_cells(notebook)]
    assert "setup" in ids and "conv_forward_naive" in ids
    assert None in ids                    # the student's own cell: the language
    assert not any(i and i.startswith("test_") for i in ids)


def test_serialisation_round_trip():
    value = (np.arange(6, dtype=np.int32).reshape(2, 3), np.float32(1.5), np.int64(7),
             np.array([True, False]), np.linspace(0, 1, 4, dtype=np.float16),
             [1, (2, 3, None), {"pad": 1, 2: "two"}], None, 1.0, "s", True,
             np.zeros((0, 3)), float("nan"))
    payload = encode({"kind": "result"}, value)
    header, back = decode(payload[8:])
    assert header["kind"] == "result"
    assert type(back) is tuple and len(back) == len(value)
    for a, b in zip(value[:5], back[:5]):
        assert type(a) is type(b) and np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)
    assert back[5] == [1, (2, 3, None), {"pad": 1, 2: "two"}]
    assert back[6:10] == (None, 1.0, "s", True) and type(back[9]) is bool
    assert back[10].shape == (0, 3) and np.isnan(back[11])


@pytest.mark.parametrize("value", [object(), {1, 2}, np.array([object()]), (1, [lambda: 0])])
def test_serialisation_refuses_objects(value):
    with pytest.raises(protocol.SerialisationError, match="cannot be checked"):
        encode({}, value)


def test_malformed_messages_are_refused():
    with pytest.raises(protocol.ProtocolError):
        decode(b"\x00\x00\x00\x02{}")
    payload = encode({}, (1,))[8:].replace(b'"t"', b'"x"')
    with pytest.raises(protocol.ProtocolError):
        decode(payload)


def test_honest_submission_passes(tmp_path):
    found = results(submission(tmp_path))
    assert len(found) == len(A2) and all(r.passed for r in found.values()), found


def test_blank_submission_fails_with_the_reason():
    found = results(BLANK)
    for r in found.values():
        assert not r.passed and "NotImplementedError" in r.message, r


def test_importing_the_reference_is_refused(tmp_path):
    path = submission(tmp_path, [("conv_forward_naive",
                                  "from convlab.layers import conv_forward_naive as "
                                  "conv_forward_naive")])
    found = results(path, {"check_conv_forward_naive", "check_zero_pad"})
    assert not found["check_conv_forward_naive"].passed
    assert "not allowed" in found["check_conv_forward_naive"].message
    assert found["check_zero_pad"].passed


def test_monkeypatched_numpy_does_not_help(tmp_path):
    path = submission(tmp_path, [("conv_forward_naive", """\
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: np.array(True)
np.testing.assert_allclose = lambda *a, **k: None
_honest = conv_forward_naive
def conv_forward_naive(x, w, b, stride=1, pad=0):
    out, cache = _honest(x, w, b, stride, pad)
    return out + 1, cache
""")])
    found = results(path, {"check_conv_forward_naive", "check_zero_pad"})
    assert not found["check_conv_forward_naive"].passed
    assert "wrong values" in found["check_conv_forward_naive"].message
    assert found["check_zero_pad"].passed


def test_monkeypatched_grading_is_irrelevant(tmp_path):
    path = submission(tmp_path, [("conv_forward_naive", """\
from convlab import grading
grading.check_conv_forward_naive = lambda f: None
def conv_forward_naive(x, w, b, stride=1, pad=0):
    return np.zeros(1), None
""")])
    found = results(path, {"check_conv_forward_naive"})
    assert not found["check_conv_forward_naive"].passed
    assert "wrong shape" in found["check_conv_forward_naive"].message


def test_drawings_are_not_made_and_matplotlib_not_imported(tmp_path):
    # a2's notebook draws with convlab.viz; in the sandbox those calls return
    # None and cost nothing, and the functions are checked all the same.
    path = submission(tmp_path, [("zero_pad", """\
import sys
def drawn_while_checked():
    return viz.conv_step(np.ones((5, 5)), np.ones((3, 3)), 0, 0), sorted(
        m for m in sys.modules if m.startswith("matplotlib"))
""")])
    with sandbox.Sandbox(path) as box:
        assert box.call("drawn_while_checked") == (None, [])
    found = results(path, {"check_zero_pad", "check_conv_forward_naive"})
    assert all(r.passed for r in found.values()), found


def test_files_next_to_the_notebook_shadow_nothing(tmp_path):
    path = submission(tmp_path)
    (path.parent / "numpy.py").write_text("raise SystemExit('fake numpy')\n")
    (path.parent / "convlab").mkdir()
    (path.parent / "convlab" / "__init__.py").write_text("raise SystemExit('fake')\n")
    found = results(path, {"check_zero_pad", "check_conv_forward_naive"})
    assert all(r.passed for r in found.values()), found


def test_infinite_loop_times_out_and_the_rest_is_checked(tmp_path):
    path = submission(tmp_path, [("zero_pad", """\
def zero_pad(x, pad):
    while True:
        try:
            pass
        except Exception:
            pass
""")])
    found = results(path, {"check_zero_pad", "check_conv_output_size",
                           "check_conv_param_count"}, timeout=2)
    assert not found["check_zero_pad"].passed
    assert "took longer than 2 s" in found["check_zero_pad"].message
    assert found["check_conv_output_size"].passed and found["check_conv_param_count"].passed


def test_a_loop_that_swallows_the_alarm_is_killed(tmp_path):
    path = submission(tmp_path, [("zero_pad", """\
def zero_pad(x, pad):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
""")])
    found = results(path, {"check_zero_pad", "check_conv_param_count"}, timeout=1)
    assert "took longer than 1 s" in found["check_zero_pad"].message
    assert found["check_conv_param_count"].passed


def test_os_exit_ends_the_process_and_the_rest_is_checked(tmp_path):
    path = submission(tmp_path, [("zero_pad", "def zero_pad(x, pad):\n    import os\n"
                                              "    os._exit(1)\n")])
    found = results(path, {"check_conv_output_size", "check_zero_pad",
                           "check_conv_param_count"})
    assert not found["check_zero_pad"].passed
    assert "process ended" in found["check_zero_pad"].message
    assert found["check_conv_output_size"].passed and found["check_conv_param_count"].passed


@pytest.mark.parametrize("bomb", ["np.ones(10**11)", "[0] * 10**10"])
def test_memory_bomb_fails_clearly(tmp_path, bomb):
    path = submission(tmp_path, [("zero_pad", f"def zero_pad(x, pad):\n    return {bomb}\n")])
    found = results(path, {"check_zero_pad", "check_conv_param_count"}, memory_mb=1024)
    assert not found["check_zero_pad"].passed
    assert "MemoryError" in found["check_zero_pad"].message
    assert found["check_conv_param_count"].passed


def test_a_broken_cell_does_not_lose_the_others(tmp_path):
    path = submission(tmp_path, [("conv_single_step", "1 / 0")])
    with sandbox.Sandbox(path, timeout=10) as box:
        assert any("ZeroDivisionError" in error for _, error in box.cell_errors)
        assert box.function("conv_param_count")(3, 10, 5) == 760
        with pytest.raises(ValueError):   # the student's ValueError stays one
            box.function("conv_output_size")(3, 5)
        with pytest.raises(StudentError, match="does not define"):
            box.function("nothing_here")()
    found = results(path)
    assert all(r.passed for r in found.values()), found


def test_student_output_does_not_break_the_protocol(tmp_path):
    path = submission(tmp_path, [("zero_pad", """\
import sys, os
print("noise")
_pad = zero_pad
def zero_pad(x, pad):
    print("x" * 100000); sys.stdout.write("more"); os.write(1, b"raw")
    return _pad(x, pad)
""")])
    found = results(path, {"check_zero_pad"})
    assert found["check_zero_pad"].passed, found


def test_unserialisable_return_is_explained(tmp_path):
    path = submission(tmp_path, [("zero_pad", "def zero_pad(x, pad):\n    return object()\n")])
    found = results(path, {"check_zero_pad"})
    assert "object of type object, which cannot be checked" in found["check_zero_pad"].message


def test_read_notebook_gives_the_cells_nbformat_gives(tmp_path):
    by_nbformat = [c.source for c in sandbox.student_cells(nbformat.read(SOLUTION, as_version=4))]
    by_json = [c["source"] for c in sandbox.student_cells(sandbox.read_notebook(SOLUTION))]
    assert by_json == by_nbformat and len(by_json) > 3
    old = tmp_path / "old.ipynb"
    old.write_text('{"nbformat": 3, "worksheets": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="not an nbformat 4 notebook"):
        sandbox.read_notebook(old)


def test_forked_process_is_fresh_isolated_and_its_signals_are_named(tmp_path, monkeypatch):
    # Sandboxes are forks of one zygote: each must still start in an empty
    # folder of its own, without the grader's environment, under its limits,
    # and say which signal ended it.
    monkeypatch.setenv("CONVLAB_GRADER_SECRET", "x")
    path = submission(tmp_path, [("conv_param_count", """\
import os, resource, signal, sys
def where():
    return os.getcwd(), sorted(os.listdir(".")), sorted(os.environ), \\
        resource.getrlimit(resource.RLIMIT_AS)[0]
def crash():
    os.kill(os.getpid(), signal.SIGSEGV)
""")])
    folders = []
    for _ in range(2):
        with sandbox.Sandbox(path, timeout=10, memory_mb=1500) as box:
            folder, files, names, memory = box.function("where")()
            folders.append(folder)
            assert files == [] and memory == 1500 * 2 ** 20
            assert "CONVLAB_GRADER_SECRET" not in names and "MPLBACKEND" in names
            with pytest.raises(StudentError, match="crashed \\(SIGSEGV\\)"):
                box.function("crash")()
            assert box.dead
            box.restart()
            assert box.function("conv_param_count")(3, 10, 5) == 760
    assert folders[0] != folders[1]


def test_reverification_hints_follow_the_students_language(tmp_path):
    """The hints of the re-verification (in the feedback's notes) are in the
    language the student chose in the notebook, or in both."""
    from convlab import i18n
    from convlab.classroom.demo_class import MISTAKES, with_mistake
    from convlab.grading.hints import CONV_BIAS

    wrong = with_mistake(nbformat.read(SOLUTION, as_version=4),
                         *MISTAKES["a2_convolution"]["no_bias"])
    forward = [(c, n) for c, n in CHECKS["a2_convolution"]
               if c.__name__ == "check_conv_forward_naive"]
    english, vietnamese = i18n.translate(CONV_BIAS, "en"), i18n.translate(CONV_BIAS, "vi")
    assert english != vietnamese
    for language, shown in (("vi", {vietnamese}), (None, {english, vietnamese})):
        notebook = nbformat.from_dict(wrong)
        if language:
            notebook.cells.insert(1, nbformat.v4.new_code_cell(
                f'import convlab\nconvlab.set_language("{language}")'))
        path = tmp_path / f"{language}.ipynb"
        nbformat.write(notebook, path)
        (result,) = reverify(path, forward, timeout=30)
        assert not result.passed
        assert {text for text in (english, vietnamese) if text in result.message} == shown
    assert i18n.chosen_language() is None          # the grader's own language is back
