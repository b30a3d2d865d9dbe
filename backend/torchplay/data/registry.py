"""The dataset catalogue: one entry per dataset, and the functions the API and trainer call.

A new dataset is its generator (or loader) in its family module plus one entry in
`DATASETS`; the catalogue, validation, preview and loading all follow from the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from torchplay.data import csv_upload, gan, images, mnist, previews, sequences, synthetic, written
from torchplay.data.base import DatasetEntry, LoadedDataset, NoParams, Task
from torchplay.data.descriptions_zh import DATASETS_ZH, with_zh
from torchplay.data.split import data_rng, split_dataset

MNIST_ROWS = 70_000  # the official 60 000 training and 10 000 test images, loaded together

Generator = Callable[..., Any]


def generator_params(params: BaseModel) -> dict[str, Any]:
    """The params a numpy generator takes by name (which generator draws is not one of them)."""
    return params.model_dump(exclude={"draw"})


def draws_with_torch(params: BaseModel) -> bool:
    return getattr(params, "draw", "numpy") == "torch"


def _run(
    generate: Generator, params: BaseModel, seed: int, torch_draws: Callable[[Any], list[Any]] | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    if torch_draws is not None and draws_with_torch(params):
        drawn = written.run_draws(torch_draws(params), seed)
        return drawn["x"], drawn["y"]
    # Generators take the parameters by name, so the exported code can call them the same way.
    out = generate(**generator_params(params), rng=data_rng(seed))
    return out if isinstance(out, tuple) else (out, None)  # GAN sets return x alone


def _extras(x: np.ndarray, normalization: dict[str, float] | None) -> dict[str, Any]:
    """What snapshots need to draw the data: the input range of 1-D and 2-D sets (for the
    curve and the decision boundary), the pixel normalisation of images."""
    if x.shape[1:] in ((1,), (2,)) and len(x):
        return {"x_range": np.stack([x.min(0), x.max(0)], axis=1).astype(float).tolist()}
    return {"normalization": normalization} if normalization else {}


def _generated(
    name: str,
    task: Task,
    description: str,
    params_model: type[BaseModel],
    generate: Generator,
    input_shape: Callable[[Any], tuple[int, ...]],
    classes: Callable[[Any], list[str] | None] = lambda _p: None,
    normalization: dict[str, float] | None = None,
    torch_draws: Callable[[Any], list[Any]] | None = None,
) -> DatasetEntry:
    """The entry of a set drawn by a plain numpy generator (or, asked to, by torch's draws)."""

    def load(params: BaseModel, seed: int, test_fraction: float, _dir: Path) -> LoadedDataset:
        x, y = _run(generate, params, seed, torch_draws)
        return split_dataset(
            x,
            y,
            task=task,
            seed=seed,
            test_fraction=test_fraction,
            classes=classes(params),
            extras=_extras(x, normalization),
        )

    def show(params: BaseModel, seed: int, _dir: Path) -> dict[str, Any]:
        # Draw only what is shown: the same as the training data up to the preview size.
        limit = previews.preview_size(input_shape(params))
        if getattr(params, "samples", 0) > limit:
            params = params.model_copy(update={"samples": limit})
        x, y = _run(generate, params, seed, torch_draws)
        return previews.from_arrays(x, y, classes(params))

    return DatasetEntry(
        name=name,
        task=task,
        description=description,
        params_model=params_model,
        input_shape=input_shape,
        load=load,
        classes=classes,
        preview=show,
        generate=generate,
        normalization=normalization,
        torch_draws=torch_draws,
    )


def _inline() -> DatasetEntry:
    """Numbers written in the request (inputs typed or drawn by torch.randn)."""

    def load(params: BaseModel, seed: int, test_fraction: float, _dir: Path) -> LoadedDataset:
        assert isinstance(params, written.InlineParams)
        x, y = written.inline_arrays(params, seed)
        extras = _extras(x, None)
        return split_dataset(x, y, task="regression", seed=seed, test_fraction=test_fraction, extras=extras)

    def show(params: BaseModel, seed: int, _dir: Path) -> dict[str, Any]:
        assert isinstance(params, written.InlineParams)
        x, y = written.inline_arrays(params, seed)
        labels = params.labels()
        classes = written.class_names(params)
        return previews.from_arrays(x, np.asarray(labels) if labels else y, classes)

    return DatasetEntry(
        name="inline",
        task="regression",
        description="Numbers written in the request: y, and x or the features of a torch.randn draw "
        "(as a tutorial types `y = torch.tensor([1, 0, 0, 1])`). Whole numbers ≥ 0 as targets "
        "may also be class labels (task classification or binary).",
        params_model=written.InlineParams,
        input_shape=lambda p: written.InlineParams.model_validate(p).input_shape(),
        load=load,
        classes=written.class_names,
        samples=lambda p: written.InlineParams.model_validate(p).rows,
        target_width=lambda p: p.target_width,
        preview=show,
    )


def _downloaded(source: mnist.IdxSource, description: str) -> DatasetEntry:
    def load(_params: BaseModel, _seed: int, test_fraction: float, data_dir: Path) -> LoadedDataset:
        return mnist.load(source, data_dir, test_fraction)

    def show(_params: BaseModel, _seed: int, data_dir: Path) -> dict[str, Any]:
        pixels, labels, _, _ = mnist.read_arrays(source, data_dir)
        shown = labels[: previews.MAX_IMAGES]
        return previews.images(pixels[: len(shown)], [source.classes[i] for i in shown])

    return DatasetEntry(
        name=source.name,
        task="classification",
        description=description,
        params_model=NoParams,
        input_shape=lambda _p: (1, 28, 28),
        load=load,
        classes=lambda _p: list(source.classes),
        samples=lambda _p: MNIST_ROWS,
        download=True,
        preview=show,
        normalization={"mean": source.mean, "std": source.std},
    )


def _binary(_params: BaseModel) -> list[str]:
    return ["0", "1"]


def _points(
    name: str,
    description: str,
    generate: Generator,
    params: type[BaseModel] = synthetic.PointsParams,
) -> DatasetEntry:
    """A two-class set of 2-D points."""
    return _generated(name, "classification", description, params, generate, lambda _p: (2,), _binary)


_OFFICIAL_SPLIT = (
    " Uses the official split: any test_fraction above 0 gives the 10 000 test images "
    "(0 gives none); the seed does not change it."
)

DATASETS: dict[str, DatasetEntry] = {
    entry.name: entry
    for entry in [
        _generated(
            "random-regression",
            "regression",
            "Standard normal inputs and targets: nothing to learn, so a large enough network "
            "can only memorise the points.",
            synthetic.RandomRegressionParams,
            synthetic.random_regression,
            lambda p: (p.features,),
            torch_draws=lambda p: written.random_regression_draws(p.samples, p.features),
        ),
        _generated(
            "random-classes",
            "classification",
            "Standard normal inputs with uniformly drawn labels, by default shaped like "
            "flattened MNIST: for trying out models and measuring speed.",
            synthetic.RandomClassesParams,
            synthetic.random_classes,
            lambda p: (p.features,),
            lambda p: [str(i) for i in range(p.classes)],
            torch_draws=lambda p: written.random_classes_draws(p.samples, p.features, p.classes),
        ),
        _generated(
            "step",
            "regression",
            "60 points x = -30 … 29 with y = 1 for x ≤ -10, 0.5 for -10 < x < 10 and 0 from 10 on: "
            "a step function for a first regression.",
            NoParams,
            synthetic.step,
            lambda _p: (1,),
        ),
        _points(
            "circle",
            "A disc (class 0) inside a ring (class 1): needs a hidden layer.",
            synthetic.circle,
        ),
        _points(
            "xor",
            "Class 0 where both coordinates have the same sign, 1 where they differ: "
            "the classic problem a single layer cannot solve.",
            synthetic.xor,
        ),
        _points("gaussian", "Two Gaussian blobs: linearly separable.", synthetic.gaussian),
        _points(
            "spiral",
            "Two interleaved spiral arms: the hardest of the five; wants two hidden layers.",
            synthetic.spiral,
            synthetic.SpiralParams,
        ),
        _points("moons", "Two interleaving half circles.", synthetic.moons),
        _generated(
            "plane",
            "regression",
            "y = (x0 + x1) / 2 plus noise on the square [-1, 1]²: a linear model fits it.",
            synthetic.PointsParams,
            synthetic.plane,
            lambda _p: (2,),
        ),
        _generated(
            "sine",
            "regression",
            "y = sin(x) plus noise for x in [-2π, 2π]: a curve for a small MLP.",
            synthetic.SineParams,
            synthetic.sine,
            lambda _p: (1,),
        ),
        _generated(
            "shapes",
            "classification",
            "28×28 grayscale circles, squares, triangles, crosses and rings at random size, "
            "place and angle, with pixel noise; values in [0, 1]. A quick stand-in for MNIST.",
            images.ShapesParams,
            images.shapes,
            lambda _p: (1, 28, 28),
            lambda _p: list(images.SHAPES),
            normalization={"mean": 0.0, "std": 1.0},  # pixels stay in [0, 1]
        ),
        _downloaded(
            mnist.MNIST,
            "Handwritten digits, 28×28 grayscale; 60 000 training and 10 000 test images, "
            "downloaded once and cached; normalised with mean 0.1307 and std 0.3081." + _OFFICIAL_SPLIT,
        ),
        _downloaded(
            mnist.FASHION_MNIST,
            "Zalando's clothing pictures in ten classes, 28×28 grayscale; 60 000 training and "
            "10 000 test images, downloaded once and cached; normalised with mean 0.2860 and "
            "std 0.3530." + _OFFICIAL_SPLIT,
        ),
        _generated(
            "sine-forecast",
            "regression",
            "Windows of noisy sine waves, each with its own frequency and phase; the target is "
            "the wave's next value. For recurrent models.",
            sequences.SineForecastParams,
            sequences.sine_forecast,
            lambda p: (p.window, 1),
        ),
        _generated(
            "sequence-classes",
            "classification",
            "Noise sequences hiding one 6-step pattern (rise, fall, up-down, down-up) at a "
            "random place; the class is the pattern. An LSTM or a Transformer learns it, an MLP "
            "on the flattened sequence does clearly worse.",
            sequences.SequenceClassesParams,
            sequences.sequence_classes,
            lambda p: (p.length, 1),
            lambda _p: list(sequences.PATTERNS),
        ),
        _generated(
            "ring",
            "gan",
            "GAN target: points on a thin ring of radius 1.",
            gan.GanParams,
            gan.ring,
            lambda _p: (2,),
        ),
        _generated(
            "gaussian-mixture",
            "gan",
            "GAN target: 8 small Gaussians evenly spaced on a circle; a generator that "
            "collapses onto a few of them shows it at once.",
            gan.GanParams,
            gan.gaussian_mixture,
            lambda _p: (2,),
        ),
        _inline(),
    ]
}


def get_dataset(name: str, data_dir: Path | None = None) -> DatasetEntry:
    """A built-in dataset, or an uploaded CSV stored under `data_dir`; KeyError(name) if none."""
    if name in DATASETS:
        return DATASETS[name]
    if data_dir is not None:
        return csv_upload.upload_entry(name, data_dir)
    raise KeyError(name)


def catalogue(
    data_dir: Path | None = None, lists_upload: Callable[[DatasetEntry], bool] = lambda _entry: True
) -> list[dict[str, Any]]:
    """`GET /api/datasets`: every built-in dataset, then the uploads `lists_upload` lets the
    caller see, described for their default params."""
    entries = list(DATASETS.values())
    if data_dir is not None:
        uploads = (csv_upload.upload_entry(n, data_dir) for n in csv_upload.upload_names(data_dir))
        entries += filter(lists_upload, uploads)
    return [catalogue_row(entry) for entry in entries]


def catalogue_row(entry: DatasetEntry) -> dict[str, Any]:
    """One dataset's row of `GET /api/datasets`, described for its default params."""
    defaults = entry.params_model()
    return {
        "name": entry.name,
        "task": entry.task,
        "description": entry.description,
        "description_zh": entry.description_zh or DATASETS_ZH.get(entry.name),
        "input_shape": list(entry.input_shape(defaults)),
        "classes": entry.classes(defaults),
        "params": with_zh(entry.params_model.model_json_schema()),
        "download": entry.download,
        "normalization": entry.normalization,
    }


def validate_params(name: str, params: dict[str, Any], data_dir: Path | None = None) -> BaseModel:
    """The dataset's params model; raises pydantic.ValidationError (unknown names included)."""
    return get_dataset(name, data_dir).params_model.model_validate(params)


def load_dataset(name: str, params: dict[str, Any], seed: int, test_fraction: float, data_dir: Path) -> LoadedDataset:
    """Tensors for training: generated (seeded), downloaded or uploaded, split by `seed`."""
    entry = get_dataset(name, data_dir)
    return entry.load(entry.params_model.model_validate(params), seed, test_fraction, data_dir)


def preview(name: str, params: dict[str, Any], seed: int, data_dir: Path) -> dict[str, Any]:
    """A small JSON sample for the page to draw; the kinds are described in `data.previews`."""
    entry = get_dataset(name, data_dir)
    validated = entry.params_model.model_validate(params)
    if entry.preview is not None:
        return entry.preview(validated, seed, data_dir)
    # An entry without its own preview: load it and show the first rows.
    loaded = entry.load(validated, seed, 0.0, data_dir)
    x = loaded.x_train[: previews.MAX_POINTS].numpy()
    y = None if loaded.y_train is loaded.x_train else loaded.y_train[: previews.MAX_POINTS].numpy()
    return previews.from_arrays(x, y, loaded.classes)
