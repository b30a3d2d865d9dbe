"""Fixtures for the in-process training tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture
def one_thread() -> Iterator[None]:
    # In-process jobs get one thread, like a worker on a two-core machine running two jobs
    # (`planning.threads.threads_per_job`); on a busy machine two spinning threads cost 20× more.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
