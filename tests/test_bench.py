"""The benchmark harness runs and reports (timings are never asserted)."""
import argparse

import numpy as np

from convlab import bench


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
    output = tmp_path / "bench.md"
    args = argparse.Namespace(repeats=2, no_naive=False, output=str(output))
    monkeypatch.setattr(bench.time, "sleep", lambda s: None)
    assert bench.command(args) == 0
    text = output.read_text()
    assert "| tiny |" in text and "| tiny pool |" in text
    assert "Naive vs fast" in text and "GEMM efficiency" in text
    assert "| tiny training | 100 | 50 |" in text
    assert np.isfinite(float(text.split("GEMM efficiency of the fast conv, median over the "
                                        "suite: **")[1].split("%")[0]))
