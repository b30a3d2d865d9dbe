"""A job request checked against everything a job needs, before any job starts.

`plan_job` answers "will this run?" with either a `JobPlan` (the request normalised,
every default and inferred size filled in) or a `SpecError` whose `loc` points into
the request. It touches no real tensors: shapes are checked on the meta device.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from torchplay import data
from torchplay.models import ModelPlan, plan_model
from torchplay.spec import LOSSES_BY_TASK, GanSpec, JobCreate, ModelSpec, SpecError
from torchplay.spec.layers import Residual
from torchplay.spec.limits import Limits
from torchplay.training.devices import available_devices


@dataclass
class DatasetPlan:
    name: str
    task: str
    params: BaseModel
    input_shape: list[int]
    classes: list[str] | None


@dataclass
class JobPlan:
    request: JobCreate  # normalised: defaults, data seed, task, loss and sizes filled in
    dataset: DatasetPlan
    models: dict[str, ModelPlan]  # "model", or "generator" and "discriminator"

    @property
    def total_params(self) -> int:
        return sum(plan.total_params for plan in self.models.values())


def plan_dataset(ref_name: str, params: dict[str, Any], limits: Limits, data_dir: Path | None) -> DatasetPlan:
    try:
        entry = data.get_dataset(ref_name, data_dir)
    except KeyError:
        names = ", ".join(item["name"] for item in data.catalogue(data_dir))
        raise SpecError(("dataset", "name"), f"unknown dataset {ref_name!r}; choose one of: {names}") from None
    try:
        validated = data.validate_params(ref_name, params, data_dir)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SpecError(("dataset", "params", *first["loc"]), first["msg"], first["type"]) from None
    samples = getattr(validated, "samples", None)
    if isinstance(samples, int) and samples > limits.max_samples:
        raise SpecError(
            ("dataset", "params", "samples"),
            f"{samples:,} samples is over the limit max_samples={limits.max_samples:,}",
            "limit_exceeded",
        )
    return DatasetPlan(entry.name, entry.task, validated, list(entry.input_shape(validated)), entry.classes(validated))


def plan_job(
    request: JobCreate, limits: Limits, data_dir: Path | None = None, devices: Sequence[str] | None = None
) -> JobPlan:
    """Validate and normalise a job request; raise `SpecError` pointing at the first problem.

    `devices`: what a job may name where it will run (a Ray cluster's GPUs); default: here."""
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
    task = request.task or ("gan" if is_gan else dataset.task)
    _check_task(task, dataset, is_gan)
    loss = request.loss or LOSSES_BY_TASK[task][0]
    if loss not in LOSSES_BY_TASK[task]:
        raise SpecError(("loss",), f"{loss} does not fit task {task!r}; use one of: {', '.join(LOSSES_BY_TASK[task])}")

    models: dict[str, ModelPlan] = {}
    if isinstance(request.model, GanSpec):
        gan = request.model
        _check_layer_count(gan.generator, ("model", "generator"), limits)
        _check_layer_count(gan.discriminator, ("model", "discriminator"), limits)
        models["generator"] = plan_model(
            gan.generator, [gan.latent_dim], loc=("model", "generator"), max_params=limits.max_params
        )
        _check_output(models["generator"], dataset.input_shape, ("model", "generator"), "the data's shape")
        models["discriminator"] = plan_model(
            gan.discriminator, dataset.input_shape, loc=("model", "discriminator"), max_params=limits.max_params
        )
        _check_output(models["discriminator"], [1], ("model", "discriminator"), "one real/fake logit")
        model_spec: ModelSpec | GanSpec = GanSpec(
            generator=models["generator"].spec, discriminator=models["discriminator"].spec, latent_dim=gan.latent_dim
        )
    else:
        _check_layer_count(request.model, ("model",), limits)
        plan = plan_model(request.model, dataset.input_shape, max_params=limits.max_params)
        _check_output(plan, _expected_output(task, dataset), ("model",), _output_reason(task, dataset))
        models["model"] = plan
        model_spec = plan.spec
    total = sum(plan.total_params for plan in models.values())
    if total > limits.max_params:
        raise SpecError(
            ("model",),
            f"model has {total:,} parameters, over the limit max_params={limits.max_params:,}",
            "limit_exceeded",
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
            "model": model_spec,
            "task": task,
            "loss": loss,
        }
    )
    return JobPlan(request=normalised, dataset=dataset, models=models)


def _check_task(task: str, dataset: DatasetPlan, is_gan: bool) -> None:
    if (task == "gan") != is_gan:
        if is_gan:
            raise SpecError(("task",), "a generator/discriminator model needs task 'gan'")
        raise SpecError(("model",), 'task \'gan\' needs {"generator": …, "discriminator": …, "latent_dim": …}')
    allowed = {
        "classification": {"classification", "binary", "reconstruction", "gan"},
        "regression": {"regression", "reconstruction"},
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
    return [1]


def _output_reason(task: str, dataset: DatasetPlan) -> str:
    if task == "classification":
        return f"one score per class ({len(dataset.classes or [])} classes in {dataset.name!r})"
    if task == "reconstruction":
        return "the input's shape (an autoencoder rebuilds its input)"
    if task == "binary":
        return "one logit (binary task)"
    return "one value per sample (regression target)"


def _check_output(plan: ModelPlan, expected: list[int], loc: tuple[str, ...], reason: str) -> None:
    if plan.output_shape == expected:
        return
    last = len(plan.spec.layers) - 1
    field = _size_field(plan.spec.layers[last])
    where = (*loc, "layers", last, *((field,) if field else ()))
    raise SpecError(
        where, f"the model outputs {plan.output_shape} but must output {expected}: {reason}", "output_mismatch"
    )


def _size_field(layer: BaseModel) -> str | None:
    for name in ("out_features", "out_channels", "hidden_size", "embedding_dim"):
        if name in type(layer).model_fields:
            return name
    return None


def _count_layers(layers: list[Any]) -> int:
    return sum(1 + (_count_layers(layer.layers) if isinstance(layer, Residual) else 0) for layer in layers)


def _check_layer_count(spec: ModelSpec, loc: tuple[str, ...], limits: Limits) -> None:
    count = _count_layers(spec.layers)
    if count > limits.max_layers:
        raise SpecError(
            (*loc, "layers"), f"{count:,} layers is over the limit max_layers={limits.max_layers:,}", "limit_exceeded"
        )
