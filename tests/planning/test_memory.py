"""The memory estimate against torch itself: optimizer state and saved activations counted
on real tensors, a real worker's peak, and the refusal of a job that cannot fit."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from benchmarks.memory_estimate import measured_peak_mb, planned
from pydantic import TypeAdapter
from torch import nn

from tests.conftest import spiral_job
from torchplay.models.builder import build_model
from torchplay.planning import plan_job, plan_networks
from torchplay.planning.memory import (
    ACTIVATION_SAFETY,
    EVAL_CHUNK,
    MB,
    estimate_memory,
    optimizer_buffers,
    saved_bytes,
)
from torchplay.spec import JobCreate, SpecError
from torchplay.spec.job import OptimizerSpec
from torchplay.spec.limits import Limits
from torchplay.training import run_job

CNN = [
    {"type": "Conv2d", "out_channels": 8, "kernel_size": 3},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 5},
]
# Two 1024-channel convs on 28×28 images, 32 768 at a time: hundreds of GB of activations.
WIDE_CONVS = {
    "dataset": {"name": "shapes", "params": {"samples": 60_000}},
    "model": {
        "layers": [
            {"type": "Conv2d", "out_channels": 1024, "kernel_size": 3, "padding": 1},
            {"type": "ReLU"},
            {"type": "Conv2d", "out_channels": 1024, "kernel_size": 3, "padding": 1},
            {"type": "Flatten"},
            {"type": "Linear", "out_features": 5},
        ]
    },
    "batch_size": 32_768,
}


def test_a_batch_that_cannot_fit_is_refused_naming_memory_and_what_to_lower() -> None:
    with pytest.raises(SpecError) as refused:
        plan_job(JobCreate.model_validate(WIDE_CONVS), Limits(max_train_memory_mb=16_000))
    (error,) = refused.value.errors
    assert error["loc"] == ["batch_size"] and error["type"] == "limit_exceeded"
    assert "memory" in error["msg"] and "max_train_memory_mb=16,000 MB" in error["msg"]
    assert "lower batch_size" in error["msg"] and "channels" in error["msg"]
    needed = float(error["msg"].split("about ")[1].split(" MB")[0].replace(",", ""))
    assert needed > 100_000  # 32 768 × 2 × 1024 × 28 × 28 floats kept for backward alone: 200 GB


def test_a_wide_model_at_a_small_batch_is_evaluated_in_fewer_rows_and_trains() -> None:
    layers = [{"type": "Conv2d", "out_channels": 512, "kernel_size": 3, "padding": 1}, {"type": "ReLU"}, *CNN[3:]]
    request = {"dataset": {"name": "shapes", "params": {"samples": 64}}, "model": {"layers": layers}, "epochs": 1}
    plan = plan_job(JobCreate.model_validate({**request, "batch_size": 8}), Limits())
    # 512 × 28 × 28 floats a layer: 1.6 MB a row, so 8192 rows at once would be 13 GB.
    assert plan.eval_rows is not None and 10 < plan.eval_rows < EVAL_CHUNK
    events: list[Any] = []
    assert run_job(plan, events.append) == "completed", events[-1]


def test_parameters_over_the_limit_point_at_the_model() -> None:
    wide = spiral_job(model={"layers": [{"type": "Linear", "out_features": 4096}, {"type": "Linear", "out_features": 4096},
                                        {"type": "Linear", "out_features": 2}]})  # fmt: skip
    with pytest.raises(SpecError) as refused:
        plan_job(JobCreate.model_validate(wide), Limits(max_train_memory_mb=400))
    assert refused.value.errors[0]["loc"] == ["model"]


@pytest.mark.parametrize("optimizer", [{"type": "SGD"}, {"type": "SGD", "momentum": 0.9}, {"type": "Adam"},
                                       {"type": "AdamW"}, {"type": "RMSprop"}, {"type": "RMSprop", "momentum": 0.5},
                                       {"type": "Adagrad"}])  # fmt: skip
def test_optimizer_buffers_are_what_torch_keeps(optimizer: dict[str, Any]) -> None:
    spec = TypeAdapter(OptimizerSpec).validate_python(optimizer)
    model = nn.Linear(7, 3)
    kwargs = spec.model_dump(exclude={"type"})
    torch_optimizer = getattr(torch.optim, spec.type)(model.parameters(), **kwargs)
    model(torch.randn(4, 7)).sum().backward()
    torch_optimizer.step()
    kept = sum(t.numel() for state in torch_optimizer.state.values() for t in state.values() if t.dim() > 0)
    assert kept == optimizer_buffers(spec) * sum(p.numel() for p in model.parameters())


def test_saved_activations_on_meta_match_a_real_forward() -> None:
    plan = planned({"dataset": {"name": "shapes", "params": {"samples": 64}}, "model": {"layers": CNN}})
    spec = plan.spec("model")
    real = build_model(spec)
    own = {p.untyped_storage().data_ptr() for p in real.parameters()}
    counted: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        if tensor.untyped_storage().data_ptr() not in own:
            counted[tensor.untyped_storage().data_ptr()] = tensor.untyped_storage().nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        real(torch.randn(16, 1, 28, 28))
    assert saved_bytes(build_model(spec, "meta"), [1, 28, 28], 16) == sum(counted.values())


SMALL = {
    "mlp": {
        "dataset": {"name": "random-classes", "params": {"samples": 4000, "features": 784, "classes": 10}},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 512},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 10},
            ]
        },
        "batch_size": 1024,
    },
    "cnn": {"dataset": {"name": "shapes", "params": {"samples": 1000}}, "model": {"layers": CNN}, "batch_size": 256},
}


@pytest.mark.parametrize("case", sorted(SMALL))
def test_the_estimate_is_within_twice_a_real_workers_peak(case: str) -> None:
    request = {**SMALL[case], "epochs": 2}
    estimate = planned(request).memory_mb
    assert estimate is not None
    peak, status = measured_peak_mb(request)
    assert status == "completed"
    assert 0.5 < peak / estimate < 2, (case, estimate, peak)


def test_a_gans_discriminator_counts_twice_its_generator_once() -> None:
    net = [{"type": "Linear", "out_features": 64}, {"type": "ReLU"}]
    gan = {"generator": {"layers": [*net, {"type": "Linear", "out_features": 2}]},
           "discriminator": {"layers": [*net, {"type": "Linear", "out_features": 1}]}}  # fmt: skip
    plan = planned({"dataset": {"name": "ring", "params": {"samples": 256}}, "model": gan, "batch_size": 128})
    nets = plan_networks(plan.request.model, plan.input_shape, Limits())
    generator = saved_bytes(build_model(nets["generator"].spec, "meta"), [8], 128)  # latent_dim 8
    discriminator = saved_bytes(build_model(nets["discriminator"].spec, "meta"), [2], 128)
    kept = estimate_memory(
        nets, optimizer=plan.request.optimizer, batch_size=128, rows=256, test_fraction=0.0, sample_values=2
    )
    # Real and fake halves both go through the discriminator before its step.
    assert kept.activations_mb == round((generator + 2 * discriminator) * ACTIVATION_SAFETY / MB, 1)
