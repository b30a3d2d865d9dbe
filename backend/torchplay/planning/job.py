"""A job request planned once: checked against everything it needs, every decision made.

`plan_job` answers "will this run?" with either a `PlannedJob` or a `SpecError` whose
`loc` points into the request. It touches no real tensors: shapes are checked on the meta
device. The server plans a job when it is created and stores the plan; the trainer, the
predictor, the exporters and the CLI read the plan and never plan again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from torchplay.planning.dataset import DatasetPlan, plan_dataset
from torchplay.planning.devices import DeviceKind, available_devices, device_kind, placement
from torchplay.planning.memory import memory_budget, planned_memory
from torchplay.planning.model import ModelPlan, ModelReport, plan_model
from torchplay.planning.objective import accepts_output, check_loss, check_pos_weight, loop_warnings, output_warning
from torchplay.planning.threads import useful_threads
from torchplay.spec import LOSSES_BY_TASK, GanSpec, JobCreate, ModelSpec, SpecError
from torchplay.spec.errors import Loc, SpecWarning
from torchplay.spec.job import DEFAULT_CHECKPOINT_EVERY
from torchplay.spec.layers import Residual
from torchplay.spec.limits import Limits
from torchplay.spec.snapshots import snapshot_kind

if TYPE_CHECKING:
    from torchplay.settings import Settings


class PlannedJob(BaseModel):
    """Everything decided about a job before it runs; serialisable, stored with the job."""

    model_config = ConfigDict(extra="forbid")

    request: JobCreate = Field(
        description="The request normalised: every default, the data seed, task, loss, "
        "checkpoint_every and every inferred layer size filled in."
    )
    input_shape: list[int] = Field(description="One sample of the dataset, batch excluded (GAN: the data's).")
    output_shape: list[int] | None = Field(description="The model's output per sample; null for a GAN.")
    classes: list[str] | None = Field(description="Class names of a classification dataset.")
    snapshot_kind: str | None = Field(description="The kind of the job's prediction snapshots.")
    device_kind: DeviceKind = Field(description="What the executor must provide: cpu, cuda or mps.")
    models: dict[str, ModelReport] = Field(description='Per net ("model"; GAN: "generator", "discriminator").')
    total_params: int
    warnings: list[SpecWarning] = Field(default_factory=list, description="Unusual but valid choices.")
    memory_mb: float | None = Field(None, description="Estimated training memory (MB; a GPU's share for cuda).")
    eval_rows: int | None = Field(
        None, description="Rows per forward pass without gradients (evaluation, snapshots), sized to memory."
    )
    memory_budget_mb: int | None = Field(
        None, description="What the worker may reach (RSS; cuda: allocated GPU memory) before the job is failed."
    )
    max_threads: int | None = Field(
        None, description="Torch threads worth giving the job (1: its batches are too small to split); null: any."
    )

    @model_validator(mode="after")
    def _decided(self) -> PlannedJob:
        job = self.request
        if job.task is None or job.loss is None or job.checkpoint_every is None or job.dataset.seed is None:
            raise ValueError("a planned request has its task, loss, checkpoint_every and data seed filled in")
        return self

    @property
    def task(self) -> str:
        assert self.request.task is not None  # `_decided` guarantees it
        return self.request.task

    @property
    def loss(self) -> str:
        assert self.request.loss is not None
        return self.request.loss

    @property
    def checkpoint_every(self) -> int:
        assert self.request.checkpoint_every is not None
        return self.request.checkpoint_every

    @property
    def data_seed(self) -> int:
        assert self.request.dataset.seed is not None
        return self.request.dataset.seed

    def spec(self, net: str) -> ModelSpec:
        """A net's spec, every size filled in."""
        model = self.request.model
        return getattr(model, net) if isinstance(model, GanSpec) else model

    def placement(self, pinned: bool = True) -> str:
        """The torch device to train on here (`pinned`: honour a `cuda:N` the job named)."""
        return placement(self.request.device, self.device_kind, pinned)

    def record(self) -> dict[str, Any]:
        """What the job record shows of the plan."""
        return self.model_dump(include={"input_shape", "output_shape", "classes", "snapshot_kind", "total_params"}) | {
            "warnings": [w.model_dump() for w in self.warnings],
            "memory_mb": self.memory_mb,
        }


def plan_job(
    request: JobCreate,
    limits: Limits,
    data_dir: Path | None = None,
    *,
    devices: Sequence[str] | None = None,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
) -> PlannedJob:
    """Validate and normalise a job request; raise `SpecError` pointing at the first problem.

    `devices`: what a job may name where it will run (a Ray cluster's GPUs); default: here.
    `checkpoint_every`: the server's default for jobs that do not say."""
    if request.epochs > limits.max_epochs:
        raise SpecError(
            ("epochs",),
            f"{request.epochs:,} epochs is over the limit max_epochs={limits.max_epochs:,}",
            "limit_exceeded",
        )
    if request.batch_size is not None and request.batch_size > limits.max_batch_size:
        raise SpecError(
            ("batch_size",),
            f"batch size {request.batch_size:,} is over the limit max_batch_size={limits.max_batch_size:,}",
            "limit_exceeded",
        )
    devices = available_devices() if devices is None else tuple(devices)
    if request.device not in ("auto", *devices):
        raise SpecError(
            ("device",),
            f"device {request.device!r} is not available here; available: auto, {', '.join(devices)}",
        )
    dataset = plan_dataset(request.dataset.name, request.dataset.params, limits, data_dir)
    is_gan = isinstance(request.model, GanSpec)
    task, loss, warnings = task_and_loss(request, dataset)
    nets = plan_networks(request.model, dataset.input_shape, limits)
    warnings += output_checks(request, dataset, nets, task)
    if isinstance(request.model, GanSpec):
        model: ModelSpec | GanSpec = request.model.model_copy(
            update={"generator": nets["generator"].spec, "discriminator": nets["discriminator"].spec}
        )
    else:
        model = nets["model"].spec

    kind = device_kind(request.device, devices)
    memory = planned_memory(
        nets,
        limits,
        kind,
        optimizer=request.optimizer,
        batch_size=request.batch_size,
        rows=dataset.samples,
        test_fraction=request.dataset.test_fraction,
        sample_values=math.prod(dataset.input_shape),
    )
    normalised = request.model_copy(
        update={
            "name": request.name or f"{request.dataset.name}-{'gan' if is_gan else task}",
            "dataset": request.dataset.model_copy(
                update={
                    "params": dataset.params.model_dump(),
                    "seed": request.dataset.seed if request.dataset.seed is not None else request.seed,
                }
            ),
            "model": model,
            "task": task,
            "loss": loss,
            "checkpoint_every": request.checkpoint_every or checkpoint_every,
        }
    )
    return PlannedJob(
        request=normalised,
        input_shape=dataset.input_shape,
        output_shape=None if is_gan else nets["model"].output_shape,
        classes=dataset.classes if dataset.task != "regression" or task in ("classification", "binary") else None,
        snapshot_kind=snapshot_kind(task, tuple(dataset.input_shape)),
        device_kind=kind,
        models={net: plan.report() for net, plan in nets.items()},
        total_params=sum(plan.total_params for plan in nets.values()),
        memory_mb=memory.device_mb if kind == "cuda" else memory.total_mb,
        eval_rows=memory.eval_rows,
        memory_budget_mb=memory_budget(limits, kind),
        warnings=warnings,
        max_threads=useful_threads(
            sum(plan.total_params for plan in nets.values()), memory.batch_rows, memory.activations_mb
        ),
    )


def plan_under(settings: Settings, request: JobCreate, devices: Sequence[str] | None = None) -> PlannedJob:
    """`plan_job` under a server's (or the CLI's) settings: their limits, data folder and
    default checkpoint interval."""
    return plan_job(
        request, settings.limits, settings.data_dir, devices=devices, checkpoint_every=settings.checkpoint_every
    )


def plan_networks(model: ModelSpec | GanSpec, input_shape: Sequence[int], limits: Limits) -> dict[str, ModelPlan]:
    """Each net of a model checked against the data's shape and the size limits: "model",
    or a GAN's generator (fed its latent noise) and discriminator (fed data)."""
    if isinstance(model, GanSpec):
        inputs = {"generator": [model.latent_dim], "discriminator": list(input_shape)}
        specs = {"generator": model.generator, "discriminator": model.discriminator}
        locs: dict[str, Loc] = {net: ("model", net) for net in specs}
    else:
        inputs, specs, locs = {"model": list(input_shape)}, {"model": model}, {"model": ("model",)}
    plans = {}
    for net, spec in specs.items():
        _check_layer_count(spec, locs[net], limits)
        plans[net] = plan_model(spec, inputs[net], loc=locs[net], max_params=limits.max_params)
    total = sum(plan.total_params for plan in plans.values())
    if total > limits.max_params:
        raise SpecError(
            ("model",),
            f"model has {total:,} parameters, over the limit max_params={limits.max_params:,}",
            "limit_exceeded",
        )
    return plans


def task_and_loss(request: JobCreate, dataset: DatasetPlan) -> tuple[str, str, list[SpecWarning]]:
    """The job's task and loss (defaults filled in), refused where torch could not train them;
    warnings for what runs but is unusual."""
    is_gan = isinstance(request.model, GanSpec)
    task = request.task or ("gan" if is_gan else dataset.task)
    _check_task(task, dataset, is_gan)
    loss = request.loss or LOSSES_BY_TASK[task][0]
    return task, loss, [] if is_gan else check_loss(task, loss, request.loss_params)


def output_checks(request: JobCreate, dataset: DatasetPlan, nets: dict[str, ModelPlan], task: str) -> list[SpecWarning]:
    """Each net's output against what its loss needs, and the loop's settings: a `SpecError`
    where torch would refuse them, warnings where they run but may surprise."""
    warnings: list[SpecWarning] = []
    if isinstance(request.model, GanSpec):
        _check_output(nets["generator"], dataset.input_shape, ("model", "generator"), "the data's shape")
        _check_output(nets["discriminator"], [1], ("model", "discriminator"), "one real/fake logit")
    else:
        warnings += _check_output(
            nets["model"], _expected_output(task, dataset), ("model",), _output_reason(task, dataset), task, dataset
        )
        check_pos_weight(request.loss_params, nets["model"].output_shape)
    return warnings + loop_warnings(request, dataset.samples, isinstance(request.model, GanSpec))


def _check_task(task: str, dataset: DatasetPlan, is_gan: bool) -> None:
    if (task == "gan") != is_gan:
        if is_gan:
            raise SpecError(("task",), "a generator/discriminator model needs task 'gan'")
        raise SpecError(("model",), 'task \'gan\' needs {"generator": …, "discriminator": …, "latent_dim": …}')
    allowed = {
        "classification": {"classification", "binary", "reconstruction", "gan"},
        # Whole-number targets (typed ones) are class labels as well as values.
        "regression": {"regression", "reconstruction"} | ({"classification", "binary"} if dataset.classes else set()),
        "gan": {"gan", "reconstruction"},
    }.get(dataset.task, {dataset.task})
    if task not in allowed:
        raise SpecError(
            ("task",),
            f"dataset {dataset.name!r} is a {dataset.task} dataset; task must be one of: {', '.join(sorted(allowed))}",
        )
    if task == "binary" and len(dataset.classes or []) != 2:
        raise SpecError(("task",), f"task 'binary' needs 2 classes; {dataset.name!r} has {len(dataset.classes or [])}")


def _expected_output(task: str, dataset: DatasetPlan) -> list[int]:
    if task == "classification":
        return [len(dataset.classes or [])]
    if task == "reconstruction":
        return dataset.input_shape
    return [dataset.target_width] if task == "regression" else [1]


def _output_reason(task: str, dataset: DatasetPlan) -> str:
    if task == "classification":
        return f"one score per class ({len(dataset.classes or [])} classes in {dataset.name!r})"
    if task == "reconstruction":
        return "the input's shape (an autoencoder rebuilds its input)"
    if task == "binary":
        return "one logit (binary task)"
    if dataset.target_width > 1:
        return f"one value per target column ({dataset.target_width} in {dataset.name!r})"
    return "one value per sample (regression target)"


def _check_output(
    plan: ModelPlan,
    expected: list[int],
    loc: Loc,
    reason: str,
    task: str | None = None,
    dataset: DatasetPlan | None = None,
) -> list[SpecWarning]:
    """The net's output against what the loss needs: a 422 if torch would refuse it, a
    warning if it runs but is unusual (more class scores than classes)."""
    last = len(plan.spec.layers) - 1
    field = _size_field(plan.spec.layers[last])
    where = (*loc, "layers", last, *((field,) if field else ()))
    if plan.output_shape == expected:
        return []
    if task is not None and dataset is not None and accepts_output(task, plan.output_shape, expected):
        warning = output_warning(task, plan.output_shape, expected[0], where, dataset.name)
        return [warning] if warning else []
    raise SpecError(
        where, f"the model outputs {plan.output_shape} but must output {expected}: {reason}", "output_mismatch"
    )


def _size_field(layer: BaseModel) -> str | None:
    for name in ("out_features", "out_channels", "hidden_size", "embedding_dim"):
        if name in type(layer).model_fields:
            return name
    return None


def _count_layers(layers: Sequence[Any]) -> int:
    return sum(1 + (_count_layers(layer.layers) if isinstance(layer, Residual) else 0) for layer in layers)


def _check_layer_count(spec: ModelSpec, loc: Loc, limits: Limits) -> None:
    count = _count_layers(spec.layers)
    if count > limits.max_layers:
        raise SpecError(
            (*loc, "layers"), f"{count:,} layers is over the limit max_layers={limits.max_layers:,}", "limit_exceeded"
        )
