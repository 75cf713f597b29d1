import os

import pytest
from hypothesis import HealthCheck, settings

import convlab

# Naive loops and numerical gradients are slow: no per-example deadline.
settings.register_profile(
    "convlab", deadline=None, max_examples=100,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough", deadline=None, max_examples=400,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "convlab"))


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch):
    """Every test starts in English, whatever the machine's CONVLAB_LANG."""
    monkeypatch.delenv("CONVLAB_LANG", raising=False)
    convlab.set_language(None)
    yield
    convlab.set_language(None)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (tests/browsing.py), for a module."""
    from browsing import chromium
    with chromium() as launched:
        yield launched
