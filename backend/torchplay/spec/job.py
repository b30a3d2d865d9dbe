"""The job request (`POST /api/jobs`): dataset, model, loss, optimizer and loop settings."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from torchplay.spec.layers import LayerSpec

Task = Literal["regression", "classification", "binary", "reconstruction", "gan"]
LossName = Literal[
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
]  # fmt: skip

# lr has no upper bound on purpose: learners try 1e6 to watch a run diverge.
LearningRate = Annotated[float, Field(gt=0.0, le=1e9, description="Learning rate (step size).")]
WeightDecay = Annotated[float, Field(ge=0.0, le=10.0, description="L2 penalty on the weights.")]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


# --- optimizers (torch.optim names and keywords) ---------------------------------------


class _Optimizer(_Closed):
    type: str  # each optimizer narrows it to its torch.optim name
    description: ClassVar[str] = ""


class SGD(_Optimizer):
    type: Literal["SGD"] = "SGD"
    description: ClassVar[str] = "Stochastic gradient descent, optionally with momentum."
    lr: LearningRate = 0.01
    momentum: float = Field(0.0, ge=0.0, lt=1.0, description="Fraction of the last step kept.")
    nesterov: bool = Field(False, description="Nesterov momentum (needs momentum > 0).")
    weight_decay: WeightDecay = 0.0


class Adam(_Optimizer):
    type: Literal["Adam"] = "Adam"
    description: ClassVar[str] = "Adaptive moment estimation; a good default."
    lr: LearningRate = 0.001
    betas: list[Annotated[float, Field(ge=0.0, lt=1.0)]] = Field(
        [0.9, 0.999], min_length=2, max_length=2, description="Decay rates of the moment estimates."
    )
    weight_decay: WeightDecay = 0.0


class AdamW(_Optimizer):
    type: Literal["AdamW"] = "AdamW"
    description: ClassVar[str] = "Adam with decoupled weight decay."
    lr: LearningRate = 0.001
    betas: list[Annotated[float, Field(ge=0.0, lt=1.0)]] = Field(
        [0.9, 0.999], min_length=2, max_length=2, description="Decay rates of the moment estimates."
    )
    weight_decay: WeightDecay = 0.01


class RMSprop(_Optimizer):
    type: Literal["RMSprop"] = "RMSprop"
    description: ClassVar[str] = "Divides the step by a running RMS of the gradients."
    lr: LearningRate = 0.01
    alpha: float = Field(0.99, gt=0.0, lt=1.0, description="Smoothing of the squared gradients.")
    momentum: float = Field(0.0, ge=0.0, lt=1.0, description="Fraction of the last step kept.")
    weight_decay: WeightDecay = 0.0


class Adagrad(_Optimizer):
    type: Literal["Adagrad"] = "Adagrad"
    description: ClassVar[str] = "Per-parameter steps shrinking with accumulated gradients."
    lr: LearningRate = 0.01
    weight_decay: WeightDecay = 0.0


DEFAULT_BATCH_SIZE = 32


def default_optimizer() -> Adam:
    return Adam(lr=0.01)


OptimizerSpec = Annotated[Union[SGD, Adam, AdamW, RMSprop, Adagrad], Field(discriminator="type")]  # noqa: UP007
OPTIMIZERS: dict[str, type[_Optimizer]] = {
    c.model_fields["type"].default: c for c in (SGD, Adam, AdamW, RMSprop, Adagrad)
}

# --- schedulers (torch.optim.lr_scheduler names) ---------------------------------------


RunLength = Literal["epochs", "steps_per_epoch"]


class _Scheduler(_Closed):
    type: str  # each scheduler narrows it to its torch.optim.lr_scheduler name
    description: ClassVar[str] = ""
    # When it steps: after every batch, or after every epoch (the loop and the export read it).
    steps_every: ClassVar[Literal["batch", "epoch"]] = "epoch"
    # Stepped with the monitored loss (val loss, else train loss) rather than without arguments.
    monitors_loss: ClassVar[bool] = False
    # Constructor arguments taken from the run when the spec leaves them None / has no field.
    from_run: ClassVar[dict[str, RunLength]] = {}


class StepLR(_Scheduler):
    type: Literal["StepLR"] = "StepLR"
    description: ClassVar[str] = "Multiplies lr by gamma every step_size epochs."
    step_size: int = Field(30, ge=1, le=1_000_000, description="Epochs between decays.")
    gamma: float = Field(0.1, gt=0.0, le=1.0, description="Decay factor.")


class ExponentialLR(_Scheduler):
    type: Literal["ExponentialLR"] = "ExponentialLR"
    description: ClassVar[str] = "Multiplies lr by gamma every epoch."
    gamma: float = Field(0.99, gt=0.0, le=1.0, description="Decay factor per epoch.")


class CosineAnnealingLR(_Scheduler):
    type: Literal["CosineAnnealingLR"] = "CosineAnnealingLR"
    description: ClassVar[str] = "Cosine curve from lr down to eta_min over T_max epochs."
    from_run: ClassVar[dict[str, RunLength]] = {"T_max": "epochs"}
    T_max: int | None = Field(None, ge=1, le=1_000_000, description="Epochs of the half cosine (default: all).")
    eta_min: float = Field(0.0, ge=0.0, description="Lowest learning rate.")


class OneCycleLR(_Scheduler):
    type: Literal["OneCycleLR"] = "OneCycleLR"
    description: ClassVar[str] = "Warm up to max_lr, then anneal; stepped every batch."
    steps_every: ClassVar[Literal["batch", "epoch"]] = "batch"
    from_run: ClassVar[dict[str, RunLength]] = {"epochs": "epochs", "steps_per_epoch": "steps_per_epoch"}
    max_lr: float = Field(0.01, gt=0.0, le=1e6, description="Peak learning rate.")
    pct_start: float = Field(0.3, gt=0.0, lt=1.0, description="Share of the run spent warming up.")


class ReduceLROnPlateau(_Scheduler):
    type: Literal["ReduceLROnPlateau"] = "ReduceLROnPlateau"
    description: ClassVar[str] = "Cuts lr by factor when validation loss stops improving."
    monitors_loss: ClassVar[bool] = True
    factor: float = Field(0.1, gt=0.0, lt=1.0, description="Multiplier applied on a plateau.")
    patience: int = Field(10, ge=0, le=1_000_000, description="Epochs without improvement to wait.")


SchedulerSpec = Annotated[
    StepLR | ExponentialLR | CosineAnnealingLR | OneCycleLR | ReduceLROnPlateau,
    Field(discriminator="type"),
]
SCHEDULERS: dict[str, type[_Scheduler]] = {
    c.model_fields["type"].default: c for c in (StepLR, ExponentialLR, CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau)
}

# --- model and request -------------------------------------------------------------------


class ModelSpec(_Closed):
    layers: list[LayerSpec] = Field(min_length=1, description="Layers applied in order.")


class GanSpec(_Closed):
    generator: ModelSpec = Field(description="Maps latent noise to a data sample.")
    discriminator: ModelSpec = Field(description="Scores a sample: one logit, real vs fake.")
    latent_dim: int = Field(8, ge=1, le=4096, description="Size of the generator's noise input.")


def _model_kind(value: Any) -> str:
    """GAN specs are told apart by their `generator` key, so errors name one shape only."""
    has_generator = isinstance(value, dict) and "generator" in value
    return "gan" if has_generator or isinstance(value, GanSpec) else "sequential"


AnyModelSpec = Annotated[
    Annotated[ModelSpec, Tag("sequential")] | Annotated[GanSpec, Tag("gan")],
    Discriminator(_model_kind),
]


class DatasetRef(_Closed):
    name: str = Field(min_length=1, max_length=100, description="A name from GET /api/datasets.")
    params: dict[str, Any] = Field(default_factory=dict, description="The dataset's parameters.")
    test_fraction: float = Field(0.2, ge=0.0, le=0.9, description="Share held out for validation.")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="Data seed (default: the job's).")


class DoctorPolicy(_Closed):
    """What the job does when the training doctor finds something (findings are reported either way)."""

    on_finding: Literal["continue", "pause"] = Field(
        "continue", description="continue: only report findings; pause: pause the job at each new finding."
    )
    on_divergence: Literal["fail", "rewind"] = Field(
        "fail",
        description="fail: a non-finite loss fails the job (a finite blow-up is only a finding); "
        "rewind: go back to the last good weights, lower lr, continue.",
    )
    rewind_lr_factor: float = Field(
        0.1, gt=0.0, lt=1.0, description="lr is multiplied by this at each rewind (0.1: ten times smaller)."
    )
    max_rewinds: int = Field(3, ge=1, le=10, description="Rewinds at most; the next divergence fails the job.")


# Epochs between checkpoints when neither the job nor the server's settings say otherwise.
DEFAULT_CHECKPOINT_EVERY = 10
# Checkpoints kept per job: a damaged newest one still leaves older ones to resume from.
DEFAULT_KEEP_CHECKPOINTS = 3


class LossParams(_Closed):
    """The loss's keyword arguments, as torch names them; each belongs to the losses that take it."""

    reduction: Literal["mean", "sum"] = Field(
        "mean", description="mean: the batch's average loss; sum: its total (steps grow with the batch)."
    )
    delta: float | None = Field(
        None, gt=0.0, le=1e6, description="HuberLoss: where the loss turns from squared to linear (torch: 1.0)."
    )
    beta: float | None = Field(
        None, ge=0.0, le=1e6, description="SmoothL1Loss: where the loss turns from squared to linear (torch: 1.0)."
    )
    label_smoothing: float | None = Field(
        None, ge=0.0, le=1.0, description="CrossEntropyLoss: share of each target spread over all classes (torch: 0)."
    )
    pos_weight: list[Annotated[float, Field(ge=0.0, le=1e6)]] | None = Field(
        None,
        min_length=1,
        max_length=10_000,
        description="BCEWithLogitsLoss: weight of the positive targets, one for every output or one per output.",
    )


# Which losses take which keyword (torch's constructors); `reduction` is everyone's.
LOSS_KEYWORDS: dict[str, frozenset[str]] = {
    "delta": frozenset({"HuberLoss"}),
    "beta": frozenset({"SmoothL1Loss"}),
    "label_smoothing": frozenset({"CrossEntropyLoss"}),
    "pos_weight": frozenset({"BCEWithLogitsLoss"}),
}

LossReport = Literal["epoch_mean", "epoch_sum", "last_batch"]


class JobCreate(_Closed):
    # JSON bodies give lists where we declare lists; strict stays on for everything else.
    name: str | None = Field(None, max_length=200, description="A label for the job list.")
    dataset: DatasetRef
    model: AnyModelSpec
    task: Task | None = Field(None, description="Default: the dataset's task.")
    loss: LossName | None = Field(None, description="Default: the task's usual loss.")
    loss_params: LossParams = Field(
        default_factory=LossParams, description="The loss's keyword arguments (reduction, delta, …)."
    )
    loss_report: LossReport = Field(
        "epoch_mean",
        description="The train loss each epoch reports: epoch_mean (per sample), epoch_sum (the batches' "
        "losses added up, as `cost += loss.item()`) or last_batch (the epoch's last batch).",
    )
    optimizer: OptimizerSpec = Field(default_factory=default_optimizer)
    scheduler: SchedulerSpec | None = None
    epochs: int = Field(100, ge=1, description="Passes over the training set.")
    batch_size: int | None = Field(DEFAULT_BATCH_SIZE, ge=1, description="Samples per step; null = full batch.")
    shuffle: bool = Field(
        True, description="A new random order of the batches every epoch; false: the data's own order."
    )
    device: str = Field("auto", max_length=16, description="auto, cpu, cuda, cuda:N or mps.")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seeds weights, shuffling and data.")
    snapshot_every: int = Field(1, ge=1, le=1_000_000, description="Epochs between prediction snapshots.")
    print_every: int = Field(
        1,
        ge=1,
        le=1_000_000,
        description="Epochs between the exported script's progress lines (the tutorial's cadence).",
    )
    grad_clip: float | None = Field(None, gt=0.0, le=1e6, description="Clip the gradient norm to this.")
    amp: Literal["bf16"] | None = Field(
        None, description="Mixed precision: bf16 autocast on CUDA; ignored (with a note) on other devices."
    )
    compile: bool | None = Field(
        None,
        description="Compile the whole training step with torch.compile (plain SGD, no buffers): "
        "true, false, or null = automatic for runs of 100 000 steps or more.",
    )
    checkpoint_every: int | None = Field(
        None, ge=1, le=1_000_000, description="Epochs between checkpoints (for resume); null: server default."
    )
    early_stopping: int | None = Field(
        None, ge=1, le=1_000_000, description="Stop after this many epochs without a better val loss."
    )
    doctor: DoctorPolicy = Field(
        default_factory=DoctorPolicy, description="What to do on the training doctor's findings."
    )
