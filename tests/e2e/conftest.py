"""Fixtures shared by the CLI end-to-end tests (tests/conftest.py has the moto server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_sample


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A copy of the sample catalogue (jobs/ and jobs.yaml); returns its jobs.yaml."""
    return copy_sample(tmp_path)
