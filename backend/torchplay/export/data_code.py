"""The exported script's data section: the job's dataset drawn, loaded or embedded exactly
as torchplay does (its generator's own source, the IDX reader, an upload's rows), split by
torchplay's seeded split, targets in the loss's format."""

from __future__ import annotations

import inspect
import json
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from torchplay import data
from torchplay.data import csv_upload, mnist, split, written
from torchplay.data.registry import draws_with_torch, generator_params
from torchplay.export.literals import comment_text, literal, number
from torchplay.export.parts import Section
from torchplay.spec.tasks import Targets

# Each split's targets in the loss's format (`spec.tasks`: the trainer reads the same rule).
_TARGETS: dict[Targets, str] = {
    "classes": "torch.tensor({y}[{split}], dtype=torch.long)",
    "column": "torch.tensor({y}[{split}], dtype=torch.float32).reshape(-1, 1)",
    "values": "torch.tensor({y}[{split}], dtype=torch.float32)",
    "inputs": "x_{split}",  # an autoencoder's (and a GAN's) targets are its inputs
}


class DataCode(Section):
    def render(self) -> str:
        ref = self.job.dataset
        entry = data.get_dataset(ref.name, self.data_dir)
        params = entry.params_model.model_validate(ref.params)
        if isinstance(params, written.InlineParams):
            return self._written(params.draws(), {"x": params.x, "y": params.y})
        if entry.torch_draws is not None and draws_with_torch(params):
            return self._written(entry.torch_draws(params), {})
        if entry.generate is not None:
            return self._generated(entry.generate, generator_params(params))
        if ref.name in mnist.SOURCES:
            return self._idx(mnist.SOURCES[ref.name])
        return self._csv(ref.name)

    def _targets(self, y: str, index: str) -> str:
        """The expression for one split's targets, in the loss's format."""
        return _TARGETS[self.rule.targets].format(y=y, split=index)

    def _split_lines(self, x: str, y: str) -> list[str]:
        return [
            f"    train, test = split_indices(len({x}), DATA_SEED, TEST_FRACTION)",
            f"    x_train = torch.tensor({x}[train], dtype=torch.float32)",
            f"    x_test = torch.tensor({x}[test], dtype=torch.float32)",
            f"    return x_train, {self._targets(y, 'train')}, x_test, {self._targets(y, 'test')}",
        ]

    def _load_data_header(self) -> str:
        return (
            "def load_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:\n"
            '    """(x_train, y_train, x_test, y_test), drawn and split exactly as the job\'s."""'
        )

    def _generated(self, generate: Callable[..., Any], params: dict[str, Any]) -> str:
        module = generate.__module__.replace(".", "/") + ".py"
        sources = _with_dependencies(generate)
        args = ", ".join(f"{k}={literal(v)}" for k, v in params.items())  # keys: the params model's fields
        call = f"{generate.__name__}({args}{', ' if args else ''}rng=data_rng(DATA_SEED))"
        has_y = not _returns_x_only(generate)
        draw = f"    x, y = {call}" if has_y else f"    x = {call}"
        return "\n\n\n".join(
            [
                f"# The dataset's generator, as written in torchplay ({module}).\n" + "\n\n\n".join(sources),
                "# The seeded split every torchplay dataset goes through (torchplay/data/split.py).\n"
                + "\n\n\n".join(_with_dependencies(split.data_rng, split.split_indices)),
                "\n".join([self._load_data_header(), draw, *self._split_lines("x", "y" if has_y else "x")]),
            ]
        )

    def _written(self, draws: list[written.TorchDraw], typed: dict[str, Any]) -> str:
        """Data as a tutorial writes it: torch's draws after `torch.manual_seed`, numbers typed
        as tensors; then torchplay's seeded split (nothing held out: the rows as they are)."""
        lines = [self._load_data_header()]
        if draws:
            lines.append("    torch.manual_seed(DATA_SEED)  # torch's own generator draws the data")
            lines += [f"    {draw.name} = {_draw_call(draw)}" for draw in draws]
        for name, rows in typed.items():
            if rows is None:
                continue
            flat = not isinstance(rows[0], list)
            shaped = ".reshape(-1, 1)" if flat else ""  # one column per row, as the net's output
            lines.append(f"    {name} = torch.tensor({literal(rows)}, dtype=torch.float32){shaped}")
        target = {
            "classes": "y[{split}].reshape(-1).long()",  # class indices
            "column": "y[{split}].float().reshape(-1, 1)",
            "values": "y[{split}]",
            "inputs": "x[{split}]",
        }[self.rule.targets]
        lines += [
            "    train, test = (torch.from_numpy(rows) for rows in split_indices(len(x), DATA_SEED, TEST_FRACTION))",
            f"    return x[train], {target.format(split='train')}, x[test], {target.format(split='test')}",
        ]
        return "\n\n\n".join(
            [
                "# The seeded split every torchplay dataset goes through (torchplay/data/split.py).\n"
                + "\n\n\n".join(_with_dependencies(split.split_indices)),
                "\n".join(lines),
            ]
        )

    def _idx(self, source: mnist.IdxSource) -> str:
        self.imports |= {"import gzip", "import os", "import struct", "from pathlib import Path"}
        folder = mnist.cache_dir(source, self.data_dir).resolve()
        files = [literal(file.name) for file in source.files]
        variable = source.name.upper().replace("-", "_") + "_DIR"
        held_out = "x_test, y_test = x_test[:0], y_test[:0]"
        return "\n".join(
            [
                f"# {comment_text(source.title)}'s four IDX files (torchplay's cache; set {variable} to use another"
                " copy).",
                f"DATA_DIR = Path(os.environ.get({literal(variable)}, {literal(str(folder))}))",
                f"MEAN, STD = {number(source.mean)}, {number(source.std)}  # of the training pixels scaled to [0, 1]",
                "",
                "",
                "def read_idx(path: Path) -> np.ndarray:",
                '    """An IDX file (gzip-compressed or not): two zero bytes, a type code, the number of',
                '    dimensions, their sizes as big-endian uint32, then the bytes."""',
                "    raw = path.read_bytes()",
                '    if raw[:2] == b"\\x1f\\x8b":',
                "        raw = gzip.decompress(raw)",
                "    ndim = raw[3]",
                '    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])',
                "    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)",
                "",
                "",
                "def normalise(images: np.ndarray) -> np.ndarray:",
                '    """uint8 images (n, 28, 28) → float32 inputs (n, 1, 28, 28): (x / 255 - MEAN) / STD."""',
                "    x = np.empty((len(images), 1, 28, 28), dtype=np.float32)",
                "    np.multiply(images[:, None], np.float32(1 / (255 * STD)), out=x)",
                "    x -= np.float32(MEAN / STD)",
                "    return x",
                "",
                "",
                self._load_data_header(),
                "    # The official split: 60 000 training images; the 10 000 test images unless TEST_FRACTION is 0.",
                f"    x_train = torch.from_numpy(normalise(read_idx(DATA_DIR / {files[0]})))",
                f"    y_train = torch.from_numpy(read_idx(DATA_DIR / {files[1]}).astype(np.int64))",
                f"    x_test = torch.from_numpy(normalise(read_idx(DATA_DIR / {files[2]})))",
                f"    y_test = torch.from_numpy(read_idx(DATA_DIR / {files[3]}).astype(np.int64))",
                "    if TEST_FRACTION == 0:",
                f"        {held_out}",
                "    return x_train, y_train, x_test, y_test",
            ]
        )

    def _csv(self, name: str) -> str:
        self.imports.add("import io")
        folder = csv_upload.uploads_dir(self.data_dir) / name
        meta = json.loads((folder / "meta.json").read_text())
        with np.load(folder / "data.npz") as stored:
            x, y = stored["x"], stored["y"]
        classification = meta["task"] == "classification"
        rows = []
        for features, target in zip(x, y.reshape(len(y), -1), strict=True):
            values = [number(v) for v in features]  # float32: its shortest digits
            rows.append(",".join([*values, number(int(target[0]) if classification else float(target[0]))]))
        target = "class index into CLASSES" if classification else "target value"
        return "\n".join(
            [
                f"# The uploaded CSV '{comment_text(meta['title'])}' as torchplay stored it: one row per sample,",
                "# the feature columns standardised with the upload's MEAN and STD (raw = value * STD + MEAN),",
                f"# then the {target} of column '{comment_text(meta['target'])}'.",
                f"FEATURES = {literal(meta['features'])}",
                f"MEAN = {literal(meta['mean'])}",
                f"STD = {literal(meta['std'])}",
                *([f"CLASSES = {literal(meta['classes'])}"] if classification else []),
                'DATA = """\\',
                *rows,
                '"""',
                "",
                "",
                "\n\n\n".join(_with_dependencies(split.split_indices)),
                "",
                "",
                self._load_data_header(),
                "    table = np.loadtxt(io.StringIO(DATA), delimiter=',', dtype=np.float64, ndmin=2)",
                "    x = table[:, :-1].astype(np.float32)",
                (
                    "    y = table[:, -1].astype(np.int64)"
                    if classification
                    else "    y = table[:, -1:].astype(np.float32)  # (n, 1)"
                ),
                *self._split_lines("x", "y"),
            ]
        )


def _draw_call(draw: written.TorchDraw) -> str:
    """The torch call of a draw as a tutorial writes it (after `torch.manual_seed`)."""
    size = ", ".join(number(d) for d in draw.size)
    if draw.function == "randint":
        return f"torch.randint(0, {number(draw.high)}, ({size},))"
    return f"torch.randn({size})"


def _source(obj: Any) -> str:
    return inspect.getsource(obj).rstrip()


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _with_dependencies(*functions: Callable[..., Any]) -> list[str]:
    """The functions' sources, each after the module-level helpers and constants it uses."""
    out: list[str] = []
    seen: set[str] = {function.__name__ for function in functions}
    for function in functions:
        _visit(function, sys.modules[function.__module__], seen, out)
    return out


def _visit(fn: Callable[..., Any], module: types.ModuleType, seen: set[str], out: list[str]) -> None:
    for name in sorted(_names(fn.__code__)):
        if name in seen or not hasattr(module, name):
            continue
        value = getattr(module, name)
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            seen.add(name)
            _visit(value, module, seen, out)
        elif name.isupper() and isinstance(value, (int, float, str, list, tuple)):
            seen.add(name)
            out.append(f"{name} = {literal(value)}")
    out.append(_source(fn))


def _returns_x_only(generate: Callable[..., Any]) -> bool:
    """GAN generators return the points alone (`-> np.ndarray`), the others `(x, y)`."""
    annotation = inspect.signature(generate).return_annotation
    return str(annotation) in ("np.ndarray", "numpy.ndarray") or annotation is np.ndarray
