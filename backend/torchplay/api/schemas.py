"""The shapes of the API's answers that are the API's own (catalogues, system, predictions).

Job records and events are the wire vocabulary's (`spec.records`, `spec.events`); these
describe the rest, so the OpenAPI document tells the truth about every answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from torchplay.spec.errors import SpecWarning
from torchplay.spec.events import FindingEvent
from torchplay.spec.limits import Limits


class Health(BaseModel):
    status: str


class Param(BaseModel):
    """One field of a layer, optimizer or scheduler, for the page's forms."""

    name: str
    type: str = Field(description="integer, number, boolean, string, array or layers.")
    default: Any
    required: bool
    minimum: int | float | None
    maximum: int | float | None
    exclusive_minimum: bool
    enum: list[Any] | None
    description: str
    description_zh: str | None = Field(None, description="The description in 简体中文 (layers' parameters).")
    inferred: bool = Field(description="Filled from the previous layer's output when omitted.")
    nullable: bool


class LayerKind(BaseModel):
    type: str
    category: str
    description: str
    description_zh: str | None = Field(None, description="The description in 简体中文.")
    params: list[Param]


class TrainingOption(BaseModel):
    """An optimizer or scheduler."""

    type: str
    description: str
    params: list[Param]


class TrainingOptions(BaseModel):
    tasks: list[str]
    losses: list[str]
    losses_by_task: dict[str, list[str]] = Field(description="The usual losses of each task (first: its default).")
    accepted_losses_by_task: dict[str, list[str]] = Field(
        description="Every loss torch runs on the task's targets: the usual ones, then those the plan warns about."
    )
    default_loss: dict[str, str]
    optimizers: list[TrainingOption]
    schedulers: list[TrainingOption]


class Lifecycle(BaseModel):
    """The job lifecycle table (`spec.lifecycle`)."""

    statuses: list[str]
    active: list[str]
    terminal: list[str]
    trained: list[str]
    actions: dict[str, list[str]] = Field(description="What each status allows.")


class System(BaseModel):
    version: str
    torch_version: str
    devices: list[str]
    default_device: str
    executor: str
    cluster: dict[str, Any] = Field(description="What the executor reports (local workers, or the Ray cluster).")
    limits: Limits
    training: TrainingOptions
    lifecycle: Lifecycle
    job_schema: dict[str, Any] = Field(description="The JSON schema of a job request (POST /api/jobs).")


class Dataset(BaseModel):
    name: str
    task: str
    description: str
    description_zh: str | None = Field(None, description="The description in 简体中文.")
    input_shape: list[int] = Field(description="For the default params.")
    classes: list[str] | None
    params: dict[str, Any] = Field(description="The params' JSON schema.")
    download: bool
    normalization: dict[str, float] | None = Field(description="Image sets: inputs are (pixel - mean) / std.")


class PointsPreview(BaseModel):
    kind: Literal["points"]
    x: list[list[float]] = Field(description="2-D points.")
    y: list[int | float] | None = Field(description="Class indices or targets; null for unlabelled data (GAN sets).")
    classes: list[str] | None


class CurvePreview(BaseModel):
    kind: Literal["curve"]
    x: list[float]
    y: list[float]


class ImagesPreview(BaseModel):
    kind: Literal["images"]
    images: list[list[int]] = Field(description="Each image's pixels (0…255), row by row.")
    labels: list[Any]
    shape: list[int] = Field(description="(height, width).")


class SeriesPreview(BaseModel):
    kind: Literal["series"]
    series: list[Any] = Field(description="Each sequence's values (one feature: numbers; more: rows).")
    labels: list[Any]


class TablePreview(BaseModel):
    kind: Literal["table"]
    columns: list[str]
    rows: list[list[Any]]


DatasetPreview = Annotated[
    PointsPreview | CurvePreview | ImagesPreview | SeriesPreview | TablePreview, Field(discriminator="kind")
]


class LayerShape(BaseModel):
    index: int
    type: str
    output_shape: list[int]
    params: int
    formula: str | None = Field(None, description="How params is made, e.g. `2 × 16 + 16` for Linear(2, 16).")


class ModelValidation(BaseModel):
    input_shape: list[int]
    output_shape: list[int]
    layers: list[LayerShape]
    module_text: str = Field(description="`print(model)` of the built module.")
    total_params: int
    model: dict[str, Any] = Field(description="The spec with every inferred size filled in.")
    memory_mb: float | None = Field(None, description="Estimated training memory (MB) at the batch size given.")
    warnings: list[SpecWarning] = Field(
        default_factory=list, description="Unusual but valid choices (with a dataset): loc and msg."
    )


class GanValidation(BaseModel):
    generator: ModelValidation
    discriminator: ModelValidation
    total_params: int
    memory_mb: float = Field(description="Estimated training memory of both nets (MB).")
    warnings: list[SpecWarning] = Field(default_factory=list, description="Unusual but valid choices.")


class Prediction(BaseModel):
    input_shape: list[int]
    outputs: list[Any] = Field(description="The model's outputs, one per input row.")
    classes: list[str] | None = Field(None, description="Classification: the class names.")
    probabilities: list[list[float | None]] | None = None
    predicted: list[str] | None = None


class TensorStats(BaseModel):
    shape: list[int]
    mean: float | None = Field(description="None where the value is not finite (inf or NaN).")
    std: float | None
    min: float | None
    max: float | None
    picture: list[list[float | None]] = Field(
        description="At most 16×16 numbers: an image's first sample and channel, or a flat batch's "
        "(rows, features), average-pooled."
    )


class LayerActivation(TensorStats):
    index: int
    type: str
    name: str


class ParameterSample(BaseModel):
    index: int = Field(description="Position in the flattened parameter.")
    before: float | None
    grad: float | None
    after: float | None = Field(description="The value after optimizer.step().")


class ParameterStep(BaseModel):
    name: str = Field(description="The state_dict key, e.g. 0.weight.")
    shape: list[int]
    grad_norm: float | None
    update_norm: float | None
    samples: list[ParameterSample]
    rule: str | None = Field(None, description="SGD: the update rule the samples follow.")


class StepLoss(BaseModel):
    name: str
    value: float | None


class OneStep(BaseModel):
    """One batch through zero_grad, forward, loss, backward and step, laid open."""

    batch_rows: int = Field(description="Rows in the batch: the first batch_size training rows, at most 64.")
    input: TensorStats
    optimizer: dict[str, Any]
    trained: bool = Field(description="True: from the job's trained weights; false: its seeded initialisation.")
    steps: list[str]
    layers: list[LayerActivation]
    loss: StepLoss
    parameters: list[ParameterStep]


class LrFinder(BaseModel):
    """The learning-rate range test: lr rising exponentially over a few hundred batches of a throwaway copy."""

    lrs: list[float] = Field(description="The learning rate of each step.")
    losses: list[float] = Field(description="The smoothed loss at each step.")
    suggested_lr: float | None = Field(description="Where the loss fell fastest, at most a tenth of the blow-up rate.")
    min_loss_lr: float | None = Field(description="The rate at the smoothed loss's minimum.")
    stopped: Literal["diverged", "end"] = Field(description="diverged: the loss blew up; end: reached the last rate.")


class OverfitBatch(BaseModel):
    """Overfit one batch: can the network drive one small batch's loss to about zero?"""

    passed: bool = Field(description="The loss fell under 5 % of where it started.")
    steps: int
    rows: int
    start_loss: float | None
    final_loss: float | None
    losses: list[float | None] = Field(description="The loss every 25 steps.")
    finding: FindingEvent | None = Field(description="Failing it: the cannot_overfit finding, with its words.")


class Internals(BaseModel):
    layers: dict[str, list[dict[str, Any]]] = Field(description="Per net: index, type, name, output_shape.")
    neurons: dict[str, Any] | None = Field(description="2-D inputs: each hidden neuron over the plane.")
    feature_maps: dict[str, Any] | None = Field(description="CNNs: one image's feature maps.")


class Preset(BaseModel):
    id: str
    title: dict[str, str]
    note: dict[str, str]
    request: dict[str, Any] = Field(description="A job request (POST /api/jobs body).")
    trains: bool = Field(True, description="False: the tutorial only builds and prints the model.")
