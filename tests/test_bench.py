"""The benchmark harness runs and reports (timings are never asserted)."""
import argparse

import numpy as np

from benchmarks import layers as bench
from benchmarks.markdown import write_sections
from convlab.commands.bench import command


def test_median_times_runs_every_function():
    calls = {"a": 0, "b": 0}

    def count(name):
        def fn():
            calls[name] += 1
        return fn

    times = bench.median_times({"a": count("a"), "b": count("b")}, repeats=4, rounds=2,
                               warmup=1, pause=0)
    assert set(times) == {"a", "b"} and all(t >= 0 for t in times.values())
    assert calls == {"a": 6, "b": 6}  # 2 rounds x (1 warm-up + 2 timed)


def test_report_on_a_tiny_suite(monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "CONV_SUITE", [("tiny", (2, 3, 8, 8), (4, 3, 3, 3), 1, 1)])
    monkeypatch.setattr(bench, "POOL_SUITE", [("tiny pool", (2, 3, 8, 8), 2, 2)])
    monkeypatch.setattr(bench, "TRAINING_SUITE", [("tiny training", "digits", (1, 8, 8), 100, 50)])
    demo = bench.demo_case
    monkeypatch.setattr(bench, "demo_case", lambda: demo(epochs=1))
    output = tmp_path / "bench.md"
    args = argparse.Namespace(repeats=2, no_naive=False, output=str(output))
    monkeypatch.setattr(bench.time, "sleep", lambda s: None)
    assert command(args) == 0
    text = output.read_text()
    assert "| tiny |" in text and "| tiny pool |" in text
    assert "Naive vs fast" in text and "GEMM efficiency" in text
    assert "| tiny training | 100 | 50 |" in text
    assert "## `convlab demo`" in text and "1 epochs, seed 0: test accuracy **" in text
    assert np.isfinite(float(text.split("GEMM efficiency of the fast conv, median over the "
                                        "suite: **")[1].split("%")[0]))


def test_writing_the_report_keeps_the_other_benchmarks_sections(tmp_path):
    path = tmp_path / "benchmarks.md"
    write_sections(path, "# Benchmarks\n\nrun 1\n\n## Convolution\n\nold conv\n")
    grading = "## Grading a class\n\n1.7x\n"
    write_sections(path, grading)
    assert path.read_text().endswith(grading) and "old conv" in path.read_text()
    write_sections(path, "# Benchmarks\n\nrun 2\n\n## Convolution\n\nnew conv\n"
                               "\n## `convlab demo`\n\n98.9%\n")
    text = path.read_text()
    assert "run 2" in text and "new conv" in text and "98.9%" in text and grading in text
    assert "run 1" not in text and "old conv" not in text
    assert text.index("## `convlab demo`") < text.index("## Grading a class")
    write_sections(path, "## Grading a class\n\n1.8x\n")
    assert path.read_text() == text.replace("1.7x", "1.8x")


def test_grading_report_keeps_the_best_of_each_side_and_compares_scores():
    from benchmarks import grading
    scores = {"alice": 27.0, "bob": 12.0}
    rounds = [((90.0, 90.0, scores), (50.0, 44.0, scores)),
              ((80.0, 80.0, scores), (45.0, 40.0, scores))]
    peer, parallel = (grading.best(r[side] for r in rounds) for side in (0, 1))
    assert peer[0] == 80.0 and parallel[0] == 45.0
    honest = (peer, (100.0, 95.0, scores), (101.0, 96.0, scores), parallel)
    looping = ((400.0, 400.0, scores), (80.0, 75.0, scores))
    text, same = grading.report(2, 1, 2, honest, looping, rounds)
    assert same and "**2.00x** for autograde + re-verification" in text  # 80 / 40
    assert "**1.78x** for the whole command" in text     # 80 / 45
    assert "peer 90.0, 80.0 s; --jobs 2 50.0, 45.0 s" in text
    assert "identical scores in all 6 runs: **yes**" in text
    assert "-0.50 s per student" in text                 # (100 - 101) / 2
    rounds[0] = (rounds[0][0], (50.0, 44.0, {**scores, "bob": 0.0}))
    text, same = grading.report(2, 1, 2, honest, looping, rounds)
    assert not same and "bob: [12.0, 0.0, 12.0, 12.0, 12.0, 12.0]" in text
