"""Snapshot kinds: what each one sends, and which jobs get it.

One class per kind: its `data` model is the payload the page's chart for that kind draws,
and `applies` is the rule that picks it; the first kind whose rule matches a job is its
kind, decided once when the job is planned. A new kind is one class here, its maker in
`training/snapshots.py` and a chart module on the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from torchplay.spec.wire import EventBase

Shape = tuple[int, ...]
Number = float | None  # null where the model produced no finite value (it is diverging)
Pixels = list[list[list[int]]]  # (images, height, width), grey levels 0–255


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")


class XY(_Payload):
    x: list[Number]
    y: list[Number]


class LabelledPoints(_Payload):
    x: list[list[Number]]  # (points, 2)
    y: list[int]  # class index per point


class CurveData(_Payload):
    x: list[Number] = Field(description="The grid the prediction is drawn over.")
    prediction: list[Number]
    data: XY = Field(description="Training points.")
    test: XY = Field(description="Held-out points.")


class DecisionBoundaryData(_Payload):
    xs: list[Number]
    ys: list[Number]
    probabilities: list[list[list[Number]]] = Field(description="(classes, rows over ys, columns over xs).")
    classes: list[str] | None
    train: LabelledPoints
    test: LabelledPoints


class SeriesExample(_Payload):
    input: list[Number]
    actual: list[Number]
    predicted: list[Number]


class SeriesData(_Payload):
    window: int
    examples: list[SeriesExample]
    actual: list[Number]
    predicted: list[Number]


class ScatterData(_Payload):
    actual: list[Number]
    predicted: list[Number]


class ByIndexData(_Payload):
    actual: list[int] = Field(description="Each row's true class, in the data's order.")
    predicted: list[Number] = Field(
        description="The model's output for that row: the probability of class 1 (binary), else the predicted class."
    )


class ConfusionData(_Payload):
    classes: list[str]
    matrix: list[list[int]] = Field(description="Rows: true class; columns: predicted class.")
    samples: int
    accuracy: float | None
    by_index: ByIndexData | None = Field(
        None,
        description="A small table's rows (at most 200), actual against predicted by sample index, as a "
        "tutorial plots them; null for larger sets and image grids.",
    )


class ImagesData(_Payload):
    shape: list[int]
    images: Pixels
    predicted: list[int]
    true: list[int]
    confidence: list[Number]
    classes: list[str]
    confusion: ConfusionData


class ImageReconstruction(_Payload):
    layout: Literal["image"]
    shape: list[int]
    inputs: Pixels
    outputs: Pixels


class VectorReconstruction(_Payload):
    layout: Literal["vector"]
    inputs: list[list[Number]]
    outputs: list[list[Number]]


class ImageSamples(_Payload):
    layout: Literal["image"]
    shape: list[int]
    generated: Pixels


class PointSamples(_Payload):
    layout: Literal["points"]
    generated: XY
    real: XY


# --- the kinds, in the order their rules are tried ------------------------------------------


class SnapshotBase(EventBase):
    tags: ClassVar[tuple[str, ...]] = ("type", "kind")
    type: Literal["snapshot"] = "snapshot"
    epoch: int
    kind: str

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        raise NotImplementedError


def _classifies(task: str) -> bool:
    return task in ("classification", "binary")


class CurveSnapshot(SnapshotBase):
    """1-D regression: the model's curve over the data's x range, with the data."""

    kind: Literal["curve"] = "curve"
    data: CurveData

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return task == "regression" and input_shape == (1,)


class DecisionBoundarySnapshot(SnapshotBase):
    """2-D classification: class probabilities over a grid of the plane, plus the points."""

    kind: Literal["decision_boundary"] = "decision_boundary"
    data: DecisionBoundaryData

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return _classifies(task) and input_shape == (2,)


class SeriesSnapshot(SnapshotBase):
    """Sequence regression: forecast against actual on held-out windows."""

    kind: Literal["series"] = "series"
    data: SeriesData

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return task == "regression" and len(input_shape) == 2


class ScatterSnapshot(SnapshotBase):
    """Any other regression: predicted against actual."""

    kind: Literal["scatter"] = "scatter"
    data: ScatterData

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return task == "regression"


class ImagesSnapshot(SnapshotBase):
    """Image classification: held-out images with predicted and true labels, and the confusion matrix."""

    kind: Literal["images"] = "images"
    data: ImagesData

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return _classifies(task) and len(input_shape) == 3


class ConfusionSnapshot(SnapshotBase):
    """Any other classification (sequences, tables): the confusion matrix."""

    kind: Literal["confusion"] = "confusion"
    data: ConfusionData

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return _classifies(task)


class ReconstructionSnapshot(SnapshotBase):
    """Autoencoder: held-out inputs beside the model's outputs."""

    kind: Literal["reconstruction"] = "reconstruction"
    data: Annotated[ImageReconstruction | VectorReconstruction, Field(discriminator="layout")]

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return task == "reconstruction"


class SamplesSnapshot(SnapshotBase):
    """GAN: generated samples (and real points to compare with)."""

    kind: Literal["samples"] = "samples"
    data: Annotated[ImageSamples | PointSamples, Field(discriminator="layout")]

    @staticmethod
    def applies(task: str, input_shape: Shape) -> bool:
        return task == "gan"


SNAPSHOT_KINDS: dict[str, type[SnapshotBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in (
        CurveSnapshot,
        DecisionBoundarySnapshot,
        SeriesSnapshot,
        ScatterSnapshot,
        ImagesSnapshot,
        ConfusionSnapshot,
        ReconstructionSnapshot,
        SamplesSnapshot,
    )
}
if TYPE_CHECKING:  # the union is built from the registry at run time; to a type checker, any kind
    SnapshotEvent = SnapshotBase
else:
    SnapshotEvent = Annotated[
        Union[tuple(SNAPSHOT_KINDS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]


def snapshot_kind(task: str, input_shape: Shape) -> str | None:
    """The kind a job's snapshots have: the first whose rule matches, or None."""
    return next((kind for kind, cls in SNAPSHOT_KINDS.items() if cls.applies(task, tuple(input_shape))), None)
