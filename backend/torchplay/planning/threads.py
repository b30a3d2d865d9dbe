"""How many cores one job's batches can use.

Torch splits an op across its intra-op threads; for a batch of a few thousand numbers the
split costs more than it saves (each op waits for every thread at its end), and on a busy
machine, where the other thread may not be running, an op can wait a whole time slice:
the 2-16-16-2 spiral MLP at batch 32 trains several times slower on two threads than on
one there. So a job whose batches are that small trains on one core, whatever is free.
"""

from __future__ import annotations

SMALL_BATCH_MACS = 2**20  # parameters × rows of one batch: about the multiply-adds of its forward pass
SMALL_BATCH_MB = 1.0  # one batch's saved activations


def useful_threads(total_params: int, batch_rows: int, activations_mb: float) -> int | None:
    """1 for a job whose batches are too small to split; None: as many as it is given."""
    if total_params * batch_rows < SMALL_BATCH_MACS and activations_mb < SMALL_BATCH_MB:
        return 1
    return None


def threads_per_job(cores: int, running: int, useful: int | None = None) -> int:
    """Every core for a lone job; an even share (at least one) while several run; never
    more than the job can use (`PlannedJob.max_threads`)."""
    share = max(1, cores // max(1, running))
    return share if useful is None else max(1, min(share, useful))
