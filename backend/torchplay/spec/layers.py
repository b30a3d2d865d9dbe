"""The layer vocabulary of a model spec: one pydantic model per layer type.

Each class is declared once and registers itself in `LAYERS`, which drives validation,
the builder in `torchplay.models`, the exported code, the layer names and the
`GET /api/layers` catalogue: a new layer is one class here. Field names are torch's
keyword names so a spec reads like the PyTorch code it becomes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Shape = tuple[int, ...]
# Upper bounds keep a single layer from asking for absurd memory before the param limit
# is even computed; the real guard is `max_params`.
Size = Annotated[int, Field(ge=1, le=1_000_000)]
KernelSize = (
    Annotated[int, Field(ge=1, le=1024)]
    | Annotated[list[Annotated[int, Field(ge=1, le=1024)]], Field(min_length=1, max_length=3)]
)
Stride = (
    Annotated[int, Field(ge=1, le=1024)]
    | Annotated[list[Annotated[int, Field(ge=1, le=1024)]], Field(min_length=1, max_length=3)]
)
Padding = (
    Annotated[int, Field(ge=0, le=1024)]
    | Annotated[list[Annotated[int, Field(ge=0, le=1024)]], Field(min_length=1, max_length=3)]
)
Probability = Annotated[float, Field(ge=0.0, le=1.0)]

INFERRED = "inferred from the previous layer's output when omitted"
IMAGE, SIGNAL, SEQUENCE = "(channels, height, width)", "(channels, length)", "(sequence, d_model)"


class LayerBase(BaseModel):
    """Common behaviour: strict, closed models, plus what every part of torchplay needs to
    know about a layer kind, as class-level entries (no torch here, only names)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    type: str  # each layer narrows it to its own `Literal` tag
    category: ClassVar[str] = "other"
    description: ClassVar[str] = ""
    # Accepted input ranks (batch excluded), each with how messages name it; None: any rank.
    input_ranks: ClassVar[dict[int, str] | None] = None
    # Input-size fields filled from the incoming shape (batch excluded).
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {}
    # The module it becomes: `nn.<type>` unless it names one of torchplay's blocks.
    torch_class: ClassVar[str] = ""
    # Leading constructor arguments the exported code writes positionally: nn.Linear(2, 16).
    positional: ClassVar[tuple[str, ...]] = ()
    # The exported attribute's stem (`fc` → fc1, fc2); default: the type in lower case.
    name_prefix: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        tag = cls.model_fields["type"].default
        if isinstance(tag, str):  # a concrete layer, not a shared base like `RecurrentLayer`
            LAYERS[tag] = cls

    @classmethod
    def module_name(cls) -> str:
        """`nn.Linear`, or a torchplay block's class name (`TokenEmbedding`)."""
        return cls.torch_class or f"nn.{cls.model_fields['type'].default}"

    @classmethod
    def prefix(cls) -> str:
        return cls.name_prefix or str(cls.model_fields["type"].default).lower()

    def constructor_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the torch constructor (torchplay-only fields removed)."""
        return self.model_dump(exclude={"type"})


LAYERS: dict[str, type[LayerBase]] = {}  # filled by each class as it is declared


def _last(shape: Shape) -> int:
    return shape[-1]


def _first(shape: Shape) -> int:
    return shape[0]


# --- linear and shape --------------------------------------------------------------


class Linear(LayerBase):
    type: Literal["Linear"] = "Linear"
    category: ClassVar[str] = "linear"
    description: ClassVar[str] = "Fully connected layer: y = x·Wᵀ + b over the last dimension."
    name_prefix: ClassVar[str] = "fc"
    positional: ClassVar[tuple[str, ...]] = ("in_features", "out_features")
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"in_features": _last}
    in_features: Size | None = Field(None, description=f"Input features; {INFERRED}.")
    out_features: Size = Field(description="Output features (neurons).")
    bias: bool = Field(True, description="Learn an additive bias.")


class Flatten(LayerBase):
    type: Literal["Flatten"] = "Flatten"
    category: ClassVar[str] = "shape"
    description: ClassVar[str] = "Flattens every dimension after the batch into one."
    start_dim: int = Field(1, ge=1, le=8, description="First dimension to flatten (1 = after batch).")
    end_dim: int = Field(-1, ge=-8, le=8, description="Last dimension to flatten.")


class Unflatten(LayerBase):
    type: Literal["Unflatten"] = "Unflatten"
    category: ClassVar[str] = "shape"
    description: ClassVar[str] = "Splits one dimension into a shape, e.g. 784 → (1, 28, 28)."
    positional: ClassVar[tuple[str, ...]] = ("dim", "unflattened_size")
    dim: int = Field(1, ge=1, le=8, description="Dimension to unflatten (1 = after batch).")
    unflattened_size: list[Size] = Field(min_length=1, max_length=4, description="The shape that dimension becomes.")


class Identity(LayerBase):
    type: Literal["Identity"] = "Identity"
    category: ClassVar[str] = "shape"
    description: ClassVar[str] = "Passes its input through unchanged."


# --- activations -------------------------------------------------------------------


class ReLU(LayerBase):
    type: Literal["ReLU"] = "ReLU"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "max(0, x)."


class LeakyReLU(LayerBase):
    type: Literal["LeakyReLU"] = "LeakyReLU"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "x for x > 0, negative_slope·x otherwise."
    name_prefix: ClassVar[str] = "leaky_relu"
    negative_slope: float = Field(0.01, ge=0.0, le=1.0, description="Slope for negative inputs.")


class Sigmoid(LayerBase):
    type: Literal["Sigmoid"] = "Sigmoid"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "1 / (1 + e⁻ˣ), squashes to (0, 1)."


class Tanh(LayerBase):
    type: Literal["Tanh"] = "Tanh"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "Hyperbolic tangent, squashes to (−1, 1)."


class ELU(LayerBase):
    type: Literal["ELU"] = "ELU"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "Exponential linear unit."
    alpha: float = Field(1.0, gt=0.0, le=10.0, description="Saturation value for negative inputs.")


class GELU(LayerBase):
    type: Literal["GELU"] = "GELU"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "Gaussian error linear unit (used in Transformers)."
    approximate: Literal["none", "tanh"] = Field("none", description="'tanh' for the fast approximation.")


class SiLU(LayerBase):
    type: Literal["SiLU"] = "SiLU"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "x·sigmoid(x), also called swish."


class Softmax(LayerBase):
    type: Literal["Softmax"] = "Softmax"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "Turns scores into probabilities (do not combine with CrossEntropyLoss)."
    dim: int = Field(-1, ge=-8, le=8, description="Dimension that sums to 1.")


class LogSoftmax(LayerBase):
    type: Literal["LogSoftmax"] = "LogSoftmax"
    category: ClassVar[str] = "activation"
    description: ClassVar[str] = "log(softmax(x)); pair it with NLLLoss."
    name_prefix: ClassVar[str] = "log_softmax"
    dim: int = Field(-1, ge=-8, le=8, description="Dimension that sums to 1 before the log.")


# --- regularisation and normalisation ------------------------------------------------


class Dropout(LayerBase):
    type: Literal["Dropout"] = "Dropout"
    category: ClassVar[str] = "regularization"
    description: ClassVar[str] = "Zeroes inputs with probability p while training (off in eval())."
    p: Probability = Field(0.5, description="Probability of zeroing an element.")


class BatchNorm1d(LayerBase):
    type: Literal["BatchNorm1d"] = "BatchNorm1d"
    category: ClassVar[str] = "norm"
    description: ClassVar[str] = "Normalises each feature (or channel of a 1-D signal) over the batch."
    name_prefix: ClassVar[str] = "bn"
    positional: ClassVar[tuple[str, ...]] = ("num_features",)
    input_ranks: ClassVar[dict[int, str] | None] = {1: "(features)", 2: "(channels, length)"}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"num_features": _first}
    num_features: Size | None = Field(None, description=f"Features or channels; {INFERRED}.")
    momentum: Probability = Field(0.1, description="Running statistics update rate.")


class BatchNorm2d(LayerBase):
    type: Literal["BatchNorm2d"] = "BatchNorm2d"
    category: ClassVar[str] = "norm"
    description: ClassVar[str] = "Normalises each channel of an image over the batch."
    name_prefix: ClassVar[str] = "bn"
    positional: ClassVar[tuple[str, ...]] = ("num_features",)
    input_ranks: ClassVar[dict[int, str] | None] = {3: IMAGE}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"num_features": _first}
    num_features: Size | None = Field(None, description=f"Channels; {INFERRED}.")
    momentum: Probability = Field(0.1, description="Running statistics update rate.")


class LayerNorm(LayerBase):
    type: Literal["LayerNorm"] = "LayerNorm"
    category: ClassVar[str] = "norm"
    description: ClassVar[str] = "Normalises over the last dimension of each sample."
    name_prefix: ClassVar[str] = "norm"
    positional: ClassVar[tuple[str, ...]] = ("normalized_shape",)
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"normalized_shape": _last}
    normalized_shape: Size | None = Field(None, description=f"Size of the last dimension; {INFERRED}.")


# --- convolution and pooling -------------------------------------------------------


class Conv1d(LayerBase):
    type: Literal["Conv1d"] = "Conv1d"
    category: ClassVar[str] = "conv"
    description: ClassVar[str] = "1-D convolution over (channels, length)."
    name_prefix: ClassVar[str] = "conv"
    positional: ClassVar[tuple[str, ...]] = ("in_channels", "out_channels", "kernel_size")
    input_ranks: ClassVar[dict[int, str] | None] = {2: SIGNAL}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"in_channels": _first}
    in_channels: Size | None = Field(None, description=f"Input channels; {INFERRED}.")
    out_channels: Size = Field(description="Output channels (filters).")
    kernel_size: KernelSize = Field(3, description="Width of each filter.")
    stride: Stride = Field(1, description="Step between filter positions.")
    padding: Padding = Field(0, description="Zeros added on both sides.")


class Conv2d(LayerBase):
    type: Literal["Conv2d"] = "Conv2d"
    category: ClassVar[str] = "conv"
    description: ClassVar[str] = "2-D convolution over (channels, height, width)."
    name_prefix: ClassVar[str] = "conv"
    positional: ClassVar[tuple[str, ...]] = ("in_channels", "out_channels", "kernel_size")
    input_ranks: ClassVar[dict[int, str] | None] = {3: IMAGE}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"in_channels": _first}
    in_channels: Size | None = Field(None, description=f"Input channels; {INFERRED}.")
    out_channels: Size = Field(description="Output channels (filters).")
    kernel_size: KernelSize = Field(3, description="Filter size (int or [h, w]).")
    stride: Stride = Field(1, description="Step between filter positions.")
    padding: Padding = Field(0, description="Zeros added around the image.")


class ConvTranspose2d(LayerBase):
    type: Literal["ConvTranspose2d"] = "ConvTranspose2d"
    category: ClassVar[str] = "conv"
    description: ClassVar[str] = "Transposed 2-D convolution: upsamples (decoders, generators)."
    name_prefix: ClassVar[str] = "deconv"
    positional: ClassVar[tuple[str, ...]] = ("in_channels", "out_channels", "kernel_size")
    input_ranks: ClassVar[dict[int, str] | None] = {3: IMAGE}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"in_channels": _first}
    in_channels: Size | None = Field(None, description=f"Input channels; {INFERRED}.")
    out_channels: Size = Field(description="Output channels.")
    kernel_size: KernelSize = Field(3, description="Filter size (int or [h, w]).")
    stride: Stride = Field(1, description="Upsampling factor.")
    padding: Padding = Field(0, description="Cropped from the output's borders.")
    output_padding: Padding = Field(0, description="Extra rows/columns on one side of the output.")


class MaxPool1d(LayerBase):
    type: Literal["MaxPool1d"] = "MaxPool1d"
    category: ClassVar[str] = "pool"
    description: ClassVar[str] = "Maximum over windows of a 1-D signal."
    name_prefix: ClassVar[str] = "pool"
    positional: ClassVar[tuple[str, ...]] = ("kernel_size",)
    input_ranks: ClassVar[dict[int, str] | None] = {2: SIGNAL}
    kernel_size: KernelSize = Field(2, description="Window size.")
    stride: Stride | None = Field(None, description="Step between windows (default: kernel_size).")


class MaxPool2d(LayerBase):
    type: Literal["MaxPool2d"] = "MaxPool2d"
    category: ClassVar[str] = "pool"
    description: ClassVar[str] = "Maximum over windows of an image; halves it with kernel 2."
    name_prefix: ClassVar[str] = "pool"
    positional: ClassVar[tuple[str, ...]] = ("kernel_size",)
    input_ranks: ClassVar[dict[int, str] | None] = {3: IMAGE}
    kernel_size: KernelSize = Field(2, description="Window size.")
    stride: Stride | None = Field(None, description="Step between windows (default: kernel_size).")


class AvgPool2d(LayerBase):
    type: Literal["AvgPool2d"] = "AvgPool2d"
    category: ClassVar[str] = "pool"
    description: ClassVar[str] = "Average over windows of an image."
    name_prefix: ClassVar[str] = "pool"
    positional: ClassVar[tuple[str, ...]] = ("kernel_size",)
    input_ranks: ClassVar[dict[int, str] | None] = {3: IMAGE}
    kernel_size: KernelSize = Field(2, description="Window size.")
    stride: Stride | None = Field(None, description="Step between windows (default: kernel_size).")


class AdaptiveAvgPool2d(LayerBase):
    type: Literal["AdaptiveAvgPool2d"] = "AdaptiveAvgPool2d"
    category: ClassVar[str] = "pool"
    description: ClassVar[str] = "Averages each channel down to a fixed output size."
    name_prefix: ClassVar[str] = "pool"
    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    input_ranks: ClassVar[dict[int, str] | None] = {3: IMAGE}
    output_size: KernelSize = Field(1, description="Output height and width.")


# --- sequences -----------------------------------------------------------------------


class Embedding(LayerBase):
    type: Literal["Embedding"] = "Embedding"
    category: ClassVar[str] = "recurrent"
    description: ClassVar[str] = "Looks up a learned vector for each integer token id."
    torch_class: ClassVar[str] = "TokenEmbedding"  # torchplay's own (models/blocks.py)
    name_prefix: ClassVar[str] = "embed"
    positional: ClassVar[tuple[str, ...]] = ("num_embeddings", "embedding_dim")
    num_embeddings: Size = Field(description="Vocabulary size (largest id + 1).")
    embedding_dim: Size = Field(description="Length of each vector.")


class RecurrentLayer(LayerBase):
    """RNN, LSTM and GRU: batch first, returning the last step or the whole sequence."""

    category: ClassVar[str] = "recurrent"
    positional: ClassVar[tuple[str, ...]] = ("input_size", "hidden_size")
    input_ranks: ClassVar[dict[int, str] | None] = {2: "(sequence, features)"}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"input_size": _last}
    input_size: Size | None = Field(None, description=f"Features per time step; {INFERRED}.")
    hidden_size: Size = Field(description="Size of the hidden state.")
    num_layers: int = Field(1, ge=1, le=16, description="Stacked recurrent layers.")
    bidirectional: bool = Field(False, description="Also read the sequence backwards.")
    dropout: Probability = Field(0.0, description="Dropout between stacked layers.")
    output: Literal["last", "sequence"] = Field(
        "last", description="'last': the final step's output; 'sequence': every step's."
    )

    def constructor_kwargs(self) -> dict[str, Any]:
        return {**self.model_dump(exclude={"type", "output"}), "batch_first": True}


class RNN(RecurrentLayer):
    type: Literal["RNN"] = "RNN"
    description: ClassVar[str] = "Elman recurrent network over (sequence, features)."


class LSTM(RecurrentLayer):
    type: Literal["LSTM"] = "LSTM"
    description: ClassVar[str] = "Long short-term memory over (sequence, features)."


class GRU(RecurrentLayer):
    type: Literal["GRU"] = "GRU"
    description: ClassVar[str] = "Gated recurrent unit over (sequence, features)."


class PositionalEncoding(LayerBase):
    type: Literal["PositionalEncoding"] = "PositionalEncoding"
    category: ClassVar[str] = "transformer"
    description: ClassVar[str] = "Adds position information to a sequence (torchplay block)."
    torch_class: ClassVar[str] = "PositionalEncoding"  # torchplay's own (models/blocks.py)
    name_prefix: ClassVar[str] = "pos"
    positional: ClassVar[tuple[str, ...]] = ("d_model",)
    input_ranks: ClassVar[dict[int, str] | None] = {2: SEQUENCE}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"d_model": _last}
    d_model: Size | None = Field(None, description=f"Feature size; {INFERRED}.")
    max_len: Size = Field(512, description="Longest sequence supported.")
    kind: Literal["sinusoidal", "learned"] = Field(
        "sinusoidal", description="Fixed sine/cosine waves, or a learned table."
    )


class TransformerEncoderLayer(LayerBase):
    type: Literal["TransformerEncoderLayer"] = "TransformerEncoderLayer"
    category: ClassVar[str] = "transformer"
    description: ClassVar[str] = "Self-attention + feed-forward block over (sequence, d_model)."
    name_prefix: ClassVar[str] = "encoder"
    positional: ClassVar[tuple[str, ...]] = ("d_model", "nhead")
    input_ranks: ClassVar[dict[int, str] | None] = {2: SEQUENCE}
    inferred: ClassVar[dict[str, Callable[[Shape], Any]]] = {"d_model": _last}
    d_model: Size | None = Field(None, description=f"Feature size; {INFERRED}.")
    nhead: int = Field(2, ge=1, le=64, description="Attention heads (must divide d_model).")
    dim_feedforward: Size = Field(128, description="Hidden size of the feed-forward part.")
    dropout: Probability = Field(0.1, description="Dropout inside the block.")
    activation: Literal["relu", "gelu"] = Field("relu", description="Feed-forward activation.")

    def constructor_kwargs(self) -> dict[str, Any]:
        return {**self.model_dump(exclude={"type"}), "batch_first": True}


# --- blocks ------------------------------------------------------------------------


class Residual(LayerBase):
    type: Literal["Residual"] = "Residual"
    category: ClassVar[str] = "block"
    description: ClassVar[str] = "Adds its input to the output of its inner layers (shapes must match)."
    torch_class: ClassVar[str] = "Residual"  # torchplay's own (models/blocks.py)
    name_prefix: ClassVar[str] = "res"
    layers: list[LayerSpec] = Field(min_length=1, description="The inner layers.")


# --- the union: every layer declared above, told apart by `type` ----------------------

if TYPE_CHECKING:  # the union is built from the registry at run time; to a type checker, any layer
    LayerSpec = LayerBase
else:
    LayerSpec = Annotated[Union[tuple(LAYERS.values())], Field(discriminator="type")]  # noqa: UP007
Residual.model_rebuild()
