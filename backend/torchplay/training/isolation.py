"""What one job may change in its process and the next must not inherit.

A worker process runs job after job. Torch keeps process-wide state (the default dtype,
grad mode, thread count, RNG, backend flags, compiled graphs); `ProcessState` records it
once, before any job, and `fresh_start` puts it back before each one, so a seeded job
trains the same, bit for bit, on a fresh worker and on one that ran a hundred jobs.
"""

from __future__ import annotations

import gc
import random
import sys
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ProcessState:
    default_dtype: torch.dtype
    grad_enabled: bool
    deterministic: bool
    anomaly: bool
    matmul_precision: str
    cudnn_benchmark: bool
    cudnn_deterministic: bool

    @classmethod
    def capture(cls) -> ProcessState:
        return cls(
            default_dtype=torch.get_default_dtype(),
            grad_enabled=torch.is_grad_enabled(),
            deterministic=torch.are_deterministic_algorithms_enabled(),
            anomaly=torch.is_anomaly_enabled(),
            matmul_precision=torch.get_float32_matmul_precision(),
            cudnn_benchmark=torch.backends.cudnn.benchmark,
            cudnn_deterministic=torch.backends.cudnn.deterministic,
        )

    def fresh_start(self, threads: int) -> None:
        """This state again, `threads` intra-op threads, every RNG re-seeded (cheap: the
        first epoch waits for it; the slow part, freeing memory, is `tidy`, run when the
        last job ended)."""
        torch.set_default_dtype(self.default_dtype)
        torch.set_grad_enabled(self.grad_enabled)
        torch.use_deterministic_algorithms(self.deterministic)
        torch.autograd.set_detect_anomaly(self.anomaly)
        torch.set_float32_matmul_precision(self.matmul_precision)
        torch.backends.cudnn.benchmark = self.cudnn_benchmark
        torch.backends.cudnn.deterministic = self.cudnn_deterministic
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        # A job seeds what it uses; these make whatever it forgot start the same way too.
        torch.manual_seed(0)
        random.seed(0)
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed(0)

    @staticmethod
    def tidy() -> None:
        """The last job's leftovers freed (compiled graphs, garbage, cached GPU blocks): run
        after a job ends, while the worker waits for the next, not before the next starts,
        where a collection of a torch process's objects costs a tenth of a second or more."""
        if "torch._dynamo" in sys.modules:  # compiled graphs hold the last job's modules
            torch._dynamo.reset()
        gc.collect()
        if torch.cuda.is_initialized():
            torch.cuda.empty_cache()
