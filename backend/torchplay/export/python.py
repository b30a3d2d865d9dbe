"""A job as one readable, standalone PyTorch script (`GET /api/jobs/{id}/export?format=python`).

The script is what a tutorial would write: imports, the dataset code, an `nn.Module` with
named layers and a written-out `forward`, the loss, optimizer and scheduler, a training
loop printing every epoch, and an evaluation under `model.eval()` / `torch.no_grad()`.

It mirrors `training/trainer.py` (and `training/gan.py`) step for step so that, with the
job's seed, it reproduces the job's first-epoch train loss on the CPU: the dataset is drawn
by torchplay's own generator source and split as `data.load_dataset` does; the weights are
seeded right before the model is built, in the `nn.Sequential`'s layer order; batches are
shuffled by a separate generator seeded the same; losses are averaged weighted by batch size.

Every value from the request or a stored upload is written through `export.literals`.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import json
import keyword
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn, optim

from torchplay import data
from torchplay.data import csv_upload, mnist, split
from torchplay.export.literals import comment_text, literal, number
from torchplay.models import ModelPlan, blocks
from torchplay.models.naming import RECURRENT, layer_names
from torchplay.spec import JobCreate, LayerBase
from torchplay.spec.layers import Residual
from torchplay.training.inference import plan_request
from torchplay.training.plan import JobPlan
from torchplay.training.trainer import EVAL_CHUNK

# Leading constructor arguments written positionally, as tutorials do: nn.Linear(2, 16).
_POSITIONAL = {
    "Linear": ("in_features", "out_features"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size"),
    "ConvTranspose2d": ("in_channels", "out_channels", "kernel_size"),
    "RNN": ("input_size", "hidden_size"),
    "LSTM": ("input_size", "hidden_size"),
    "GRU": ("input_size", "hidden_size"),
    "BatchNorm1d": ("num_features",),
    "BatchNorm2d": ("num_features",),
    "LayerNorm": ("normalized_shape",),
    "MaxPool1d": ("kernel_size",),
    "MaxPool2d": ("kernel_size",),
    "AvgPool2d": ("kernel_size",),
    "AdaptiveAvgPool2d": ("output_size",),
    "Embedding": ("num_embeddings", "embedding_dim"),
    "PositionalEncoding": ("d_model",),
    "TransformerEncoderLayer": ("d_model", "nhead"),
    "Unflatten": ("dim", "unflattened_size"),
}
# torchplay's blocks, emitted as small classes only when a model uses them.
_BLOCKS: dict[str, type[nn.Module]] = {
    "Recurrent": blocks.Recurrent,
    "PositionalEncoding": blocks.PositionalEncoding,
    "Residual": blocks.Residual,
    "TokenEmbedding": blocks.TokenEmbedding,
}


def python_script(request: dict[str, Any] | JobCreate, data_dir: Path, job_id: str | None = None) -> str:
    """The job's standalone script (UTF-8 text)."""
    plan = plan_request(request, data_dir)
    return _Script(plan, data_dir, job_id).render()


def script_filename(request: dict[str, Any], job_id: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", (request.get("name") or "torchplay").lower()).strip("_") or "torchplay"
    return f"{stem}_{job_id[:8]}.py"


class _Script:
    def __init__(self, plan: JobPlan, data_dir: Path, job_id: str | None) -> None:
        self.plan = plan
        self.job = plan.request
        self.data_dir = data_dir
        self.job_id = job_id
        self.imports: set[str] = {"import numpy as np", "import torch", "from torch import nn"}
        self.blocks: set[str] = set()
        self.task = self.job.task or "regression"
        self.is_gan = self.task == "gan"
        self.model_class = "Net"  # named after the job once the names the script binds are known

    # --- the whole file ------------------------------------------------------------------

    def render(self) -> str:
        data_code = self._data_section()
        settings = self._settings()
        # Imports added by the model and training code (`math`) are lowercase: no class name.
        taken = _bound_names(*self.imports, settings, data_code) | set(_BLOCKS)
        self.model_class = _class_name(self.job.name or "Net", taken)
        models = [self._model_class(name, plan) for name, plan in self.plan.models.items()]
        training = self._gan_training() if self.is_gan else self._training()
        block_code = [_source(_BLOCKS[name]) for name in _BLOCKS if name in self.blocks]
        imports = "\n".join(sorted(self.imports, key=lambda line: (line.startswith("from"), line)))
        sections = [
            self._docstring(),
            imports,
            settings,
            _banner("data") + data_code,
            _banner("model") + "\n\n\n".join([*block_code, *models]),
            _banner("training") + training,
            'if __name__ == "__main__":\n    main()',
        ]
        return "\n\n\n".join(sections) + "\n"

    def _docstring(self) -> str:
        job = self.job
        job_id = comment_text(self.job_id or "")
        source = f"torchplay job {job_id}" if job_id else "a torchplay job"
        weights = (
            f"\nThe trained weights (GET /api/jobs/{job_id}/export?format=state_dict) load into the "
            "model(s) below\nwith `model.load_state_dict(safetensors.torch.load_file(path))`"
            + (" (keys `generator.` / `discriminator.`)." if self.is_gan else ".")
            if self.job_id
            else ""
        )
        return (
            f'"""{comment_text(job.name or "")}: exported from {source}.\n\n'
            f"Dataset '{comment_text(job.dataset.name)}', task '{comment_text(self.task)}', loss "
            f"{comment_text(job.loss or '')}, optimizer {comment_text(job.optimizer.type)}"  # type: ignore[union-attr]
            f", {job.epochs} epochs.\n"
            "Run it as it is: `python this_file.py` (needs torch and numpy). On the CPU and with the same\n"
            "seeds it reproduces the job: epoch 1 prints the job's first train loss."
            f"{weights}\n"
            '"""'
        )

    def _settings(self) -> str:
        job = self.job
        lines = [
            f"SEED = {number(job.seed)}  # the initial weights and the order of the batches",
            f"DATA_SEED = {number(job.dataset.seed or 0)}  # the dataset's random draw and its train/test split",
            f"TEST_FRACTION = {number(job.dataset.test_fraction)}  # share of the rows held out for validation",
            f"EPOCHS = {number(job.epochs)}",
            f"BATCH_SIZE = {literal(job.batch_size)}  # None: the whole training set in one batch",
            'DEVICE = "cpu"  # or "cuda": faster, but the numbers then differ slightly from the CPU run',
        ]
        if getattr(job, "amp", None):
            lines.append(
                f"# The job asked for {comment_text(job.amp)} mixed precision (CUDA only); this script trains in float32."
            )
        if self.is_gan:
            lines.append(f"LATENT_DIM = {number(job.model.latent_dim)}  # size of the generator's noise input")  # type: ignore[union-attr]
        return "\n".join(lines)

    # --- data ------------------------------------------------------------------------------

    def _data_section(self) -> str:
        ref = self.job.dataset
        entry = data.get_dataset(ref.name, self.data_dir)
        if entry.generate is not None:
            return self._generated(entry.generate, ref.params)
        if ref.name in mnist.SOURCES:
            return self._idx(mnist.SOURCES[ref.name])
        return self._csv(ref.name)

    def _targets(self, y: str, index: str) -> str:
        """The expression for one split's targets, in the loss's format (`training/objectives.py`)."""
        if self.task in ("gan", "reconstruction"):
            return f"x_{index}"  # an autoencoder's (and a GAN's) targets are its inputs
        if self.task == "classification":
            return f"torch.tensor({y}[{index}], dtype=torch.long)"
        if self.task == "binary":
            return f"torch.tensor({y}[{index}], dtype=torch.float32).reshape(-1, 1)"
        return f"torch.tensor({y}[{index}], dtype=torch.float32)"

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

    # --- model ---------------------------------------------------------------------------

    def _model_class(self, role: str, plan: ModelPlan) -> str:
        class_name = {"generator": "Generator", "discriminator": "Discriminator"}.get(role) or self.model_class
        layers = plan.spec.layers
        names = layer_names(layers)
        init = [
            f"        self.{name} = {self._constructor(layer, nested=False)}"
            for name, layer in zip(names, layers, strict=True)
        ]
        forward = [f"        # x: {_shape(plan.input_shape)}"]
        shape = plan.input_shape
        for name, layer, report in zip(names, layers, plan.layers, strict=True):
            out = report.output_shape
            if layer.type in RECURRENT:  # type: ignore[attr-defined]
                directions = 2 if layer.bidirectional else 1  # type: ignore[attr-defined]
                sequence = [shape[0], layer.hidden_size * directions]  # type: ignore[attr-defined]
                forward.append(f"        x, _ = self.{name}(x)  # {_shape(sequence)}: every step's output")
                if layer.output == "last":  # type: ignore[attr-defined]
                    forward.append(f"        x = x[:, -1]  # {_shape(out)}: the last step's")
            else:
                forward.append(f"        x = self.{name}(x)  # {_shape(out)}")
            shape = out
        return "\n".join(
            [
                f"class {class_name}(nn.Module):",
                "    def __init__(self) -> None:",
                "        super().__init__()",
                "        # Built in this order after torch.manual_seed(SEED): the job's initial weights.",
                *init,
                "",
                "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
                *forward,
                "        return x",
            ]
        )

    def _constructor(self, layer: LayerBase, nested: bool, indent: int = 8) -> str:
        kind = layer.type  # type: ignore[attr-defined]
        if isinstance(layer, Residual):
            self.blocks.add("Residual")
            pad = " " * (indent + 8)
            inner = ",\n".join(pad + self._constructor(sub, nested=True, indent=indent + 8) for sub in layer.layers)
            return f"Residual(\n{' ' * (indent + 4)}nn.Sequential(\n{inner},\n{' ' * (indent + 4)})\n{' ' * indent})"
        kwargs = layer.constructor_kwargs()
        if kind in RECURRENT:
            rnn = _call(f"nn.{kind}", kind, kwargs, _signature(nn.RNNBase.__init__))
            if nested:  # inside a Residual: the wrapper returns a tensor, as nn.Sequential needs
                self.blocks.add("Recurrent")
                return f"Recurrent({rnn}, {literal(layer.output)})"  # type: ignore[attr-defined]
            return rnn
        if kind == "PositionalEncoding":
            self.blocks.add("PositionalEncoding")
            self.imports.add("import math")
            return _call("PositionalEncoding", kind, kwargs, _signature(blocks.PositionalEncoding.__init__))
        if kind == "Embedding":
            self.blocks.add("TokenEmbedding")
            return _call("TokenEmbedding", kind, kwargs, _signature(nn.Embedding.__init__))
        return _call(f"nn.{kind}", kind, kwargs, _signature(getattr(nn, kind).__init__))

    # --- training --------------------------------------------------------------------------

    def _optimizer(self, params: str) -> str:
        spec = self.job.optimizer
        kwargs = spec.model_dump(exclude={"type"})
        defaults = _signature(getattr(optim, spec.type).__init__)  # type: ignore[attr-defined]
        shown = {k: v for k, v in kwargs.items() if k == "lr" or not _same(v, defaults.get(k, inspect.Parameter.empty))}
        return f"torch.optim.{spec.type}({params}, {_kwargs(shown)})"  # type: ignore[attr-defined]

    def _scheduler(self, optimizer: str) -> str | None:
        spec = self.job.scheduler
        if spec is None:
            return None
        kwargs = spec.model_dump(exclude={"type"})
        name = spec.type  # type: ignore[attr-defined]
        text = {k: literal(v) for k, v in kwargs.items()}
        if name == "CosineAnnealingLR" and kwargs["T_max"] is None:
            text["T_max"] = "EPOCHS"
        if name == "OneCycleLR":
            self.imports.add("import math")
            text |= {"epochs": "EPOCHS", "steps_per_epoch": "math.ceil(n / batch_size)"}
        args = ", ".join(f"{k}={v}" for k, v in text.items())
        return f"torch.optim.lr_scheduler.{name}({optimizer}, {args})"

    def _scheduler_steps(self, optimizer_names: list[str], monitored: str) -> tuple[list[str], list[str]]:
        """(lines inside the batch loop, lines after the epoch), by the scheduler's kind."""
        spec = self.job.scheduler
        if spec is None:
            return [], []
        names = [f"scheduler{suffix}" for suffix in optimizer_names]
        if spec.type == "OneCycleLR":  # type: ignore[attr-defined]
            return [f"{n}.step()  # OneCycleLR moves every batch" for n in names], []
        if spec.type == "ReduceLROnPlateau":  # type: ignore[attr-defined]
            return [], [f"{n}.step({monitored})" for n in names]
        return [], [f"{n}.step()" for n in names]

    def _correct_function(self) -> str:
        if self.task == "classification":
            body = "    return int((out.argmax(dim=1) == y).sum())"
        else:
            threshold = 0.5 if self.job.loss == "BCELoss" else 0.0  # probabilities vs logits
            body = f"    return int(((out > {threshold}).float() == y).sum())"
        return "\n".join(
            [
                "def count_correct(out: torch.Tensor, y: torch.Tensor) -> int:",
                '    """Correct predictions in a batch."""',
                body,
            ]
        )

    def _training(self) -> str:
        job = self.job
        accuracy = self.task in ("classification", "binary")
        model_class = self.model_class
        inner, after = self._scheduler_steps([""], "val_loss if val_loss is not None else train_loss")
        scheduler = self._scheduler("optimizer")
        clip = (
            [f"            nn.utils.clip_grad_norm_(model.parameters(), {number(job.grad_clip)})"]
            if job.grad_clip
            else []
        )
        acc_eval = "correct += count_correct(out, yb)" if accuracy else ""
        evaluate = [
            "def evaluate(model: nn.Module, loss_fn: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple:",
            '    """Mean loss (and accuracy) on a held-out split: eval mode (dropout off, batch norm',
            '    frozen) and no gradients."""',
            "    if len(x) == 0:",
            "        return None, None",
            "    model.eval()",
            "    total_loss, correct = 0.0, 0",
            "    with torch.no_grad():",
            f"        for start in range(0, len(x), {EVAL_CHUNK}):  # in chunks: bounded memory on big splits",
            f"            xb, yb = x[start : start + {EVAL_CHUNK}], y[start : start + {EVAL_CHUNK}]",
            "            out = model(xb)",
            "            total_loss += loss_fn(out, yb).item() * len(xb)",
            *([f"            {acc_eval}"] if accuracy else []),
            "    model.train()",
            f"    return total_loss / len(x), {'correct / len(x)' if accuracy else 'None'}",
        ]
        report = [
            '        line = f"epoch {epoch:4d}/{EPOCHS}  train_loss {train_loss:.6f}"',
            *(['        line += f"  train_accuracy {correct / n:.4f}"'] if accuracy else []),
            "        if val_loss is not None:",
            '            line += f"  val_loss {val_loss:.6f}"',
            *(['            line += f"  val_accuracy {val_accuracy:.4f}"'] if accuracy else []),
            "        print(line)",
        ]
        early = (
            [
                "        if val_loss is not None:  # early stopping",
                "            best_val, stale = (val_loss, 0) if val_loss < best_val else (best_val, stale + 1)",
                f"            if stale >= {number(job.early_stopping)}:",
                '                print(f"no better val_loss for {stale} epochs: stopping")',
                "                break",
            ]
            if job.early_stopping
            else []
        )
        main = [
            "def main() -> None:",
            "    x_train, y_train, x_test, y_test = (t.to(DEVICE) for t in load_data())",
            "    torch.manual_seed(SEED)  # right before building the model: the job's initial weights",
            f"    model = {model_class}().to(DEVICE)",
            "    print(model)",
            f"    loss_fn = nn.{job.loss}()",
            f"    optimizer = {self._optimizer('model.parameters()')}",
            "    n = len(x_train)",
            "    batch_size = min(BATCH_SIZE or n, n)",
            *([f"    scheduler = {scheduler}"] if scheduler else []),
            "    # The batches' order has its own generator, seeded apart from the weights.",
            "    shuffle = torch.Generator(device=DEVICE).manual_seed(SEED)",
            *(["    best_val, stale = float('inf'), 0"] if job.early_stopping else []),
            "    for epoch in range(1, EPOCHS + 1):",
            "        model.train()",
            "        # A new order every epoch; one full batch keeps the data as it is.",
            "        if batch_size < n:",
            "            order = torch.randperm(n, device=DEVICE, generator=shuffle)",
            "        else:",
            "            order = torch.arange(n, device=DEVICE)",
            "        total_loss, correct = 0.0, 0",
            "        for start in range(0, n, batch_size):",
            "            index = order[start : start + batch_size]",
            "            xb, yb = x_train[index], y_train[index]",
            "            out = model(xb)  # forward",
            "            loss = loss_fn(out, yb)",
            "            optimizer.zero_grad()",
            "            loss.backward()  # backward: gradients of the loss",
            *clip,
            "            optimizer.step()  # update the weights",
            *[f"            {line}" for line in inner],
            "            total_loss += loss.item() * len(xb)  # the epoch's loss: mean over samples",
            *([f"            {acc_eval}"] if accuracy else []),
            "        train_loss = total_loss / n",
            "        val_loss, val_accuracy = evaluate(model, loss_fn, x_test, y_test)",
            *[f"        {line}" for line in after],
            *report,
            *early,
            "",
            "    loss, accuracy = evaluate(model, loss_fn, x_test, y_test)",
            "    if loss is not None:",
            '        print(f"final val_loss {loss:.6f}' + ('  val_accuracy {accuracy:.4f}")' if accuracy else '")'),
            "    model.eval()",
            "    with torch.no_grad():",
            "        print('predictions for the first 5 training samples:', model(x_train[:5]).tolist())",
        ]
        parts = [*([self._correct_function()] if accuracy else []), "\n".join(evaluate), "\n".join(main)]
        return "\n\n\n".join(parts)

    def _gan_training(self) -> str:
        job = self.job
        inner, after = self._scheduler_steps(["_g", "_d"], "g_loss")
        clip_d = (
            [f"            nn.utils.clip_grad_norm_(discriminator.parameters(), {number(job.grad_clip)})"]
            if job.grad_clip
            else []
        )
        clip_g = (
            [f"            nn.utils.clip_grad_norm_(generator.parameters(), {number(job.grad_clip)})"]
            if job.grad_clip
            else []
        )
        schedulers = [
            f"    scheduler{suffix} = {self._scheduler(f'opt{suffix}')}" for suffix in ("_g", "_d") if job.scheduler
        ]
        return "\n".join(
            [
                "def main() -> None:",
                "    x_train = load_data()[0].to(DEVICE)  # a GAN learns the training points' distribution",
                "    torch.manual_seed(SEED)  # right before building the nets: the job's initial weights",
                "    generator = Generator().to(DEVICE)",
                "    discriminator = Discriminator().to(DEVICE)",
                "    loss_fn = nn.BCEWithLogitsLoss()",
                f"    opt_g = {self._optimizer('generator.parameters()')}",
                f"    opt_d = {self._optimizer('discriminator.parameters()')}",
                "    n = len(x_train)",
                "    batch_size = min(BATCH_SIZE or n, n)",
                *schedulers,
                "    shuffle = torch.Generator(device=DEVICE).manual_seed(SEED)  # the batches' order",
                "    noise = torch.Generator(device=DEVICE).manual_seed(SEED + 1)  # the generator's input",
                "    for epoch in range(1, EPOCHS + 1):",
                "        generator.train()",
                "        discriminator.train()",
                "        if batch_size < n:",
                "            order = torch.randperm(n, device=DEVICE, generator=shuffle)",
                "        else:",
                "            order = torch.arange(n, device=DEVICE)",
                "        d_total, g_total = 0.0, 0.0",
                "        for start in range(0, n, batch_size):",
                "            real = x_train[order[start : start + batch_size]]",
                "            m = len(real)",
                "            ones = torch.ones(m, 1, device=DEVICE)",
                "            zeros = torch.zeros(m, 1, device=DEVICE)",
                "            z = torch.randn(m, LATENT_DIM, device=DEVICE, generator=noise)",
                "            fake = generator(z)",
                "",
                "            # Discriminator: real → 1, generated → 0 (fakes detached: G is not updated here).",
                "            d_loss = loss_fn(discriminator(real), ones) + loss_fn(discriminator(fake.detach()), zeros)",
                "            opt_d.zero_grad()",
                "            d_loss.backward()",
                *clip_d,
                "            opt_d.step()",
                "",
                "            # Generator: make the updated discriminator call its fakes real.",
                "            g_loss = loss_fn(discriminator(fake), ones)",
                "            opt_g.zero_grad()",
                "            g_loss.backward()",
                *clip_g,
                "            opt_g.step()",
                *[f"            {line}" for line in inner],
                "            d_total += d_loss.item() * m",
                "            g_total += g_loss.item() * m",
                "        d_loss, g_loss = d_total / n, g_total / n",
                *[f"        {line}" for line in after],
                '        print(f"epoch {epoch:4d}/{EPOCHS}  train_loss {g_loss:.6f}  d_loss {d_loss:.6f}")',
                "",
                "    generator.eval()",
                "    with torch.no_grad():",
                "        samples = generator(torch.randn(5, LATENT_DIM, device=DEVICE))",
                "    print('five generated samples:', samples.tolist())",
            ]
        )


# --- helpers ---------------------------------------------------------------------------------


def _banner(title: str) -> str:
    return f"# --- {title} {'-' * (84 - len(title))}\n\n"


def _class_name(name: str, taken: set[str]) -> str:
    """The job's name in CamelCase (ASCII letters and digits only), suffixed with `Net` where
    it would be a keyword (`None`), a builtin or a name the script already binds (`SEED`)."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(word[:1].upper() + word[1:] for word in words) or "Net"
    text = text if text[0].isalpha() else f"Net{text}"
    while keyword.iskeyword(text) or hasattr(builtins, text) or text in taken:
        text += "Net"
    return text


def _bound_names(*sources: str) -> set[str]:
    """The names module-level code binds: imports, assignments, functions and classes."""
    names: set[str] = set()
    for node in ast.parse("\n".join(sources)).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Assign):
            names |= {n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _shape(shape: list[int]) -> str:
    return "(" + ", ".join(["batch", *map(str, shape)]) + ")"


def _signature(function: Callable[..., Any]) -> dict[str, Any]:
    return {name: p.default for name, p in inspect.signature(function).parameters.items()}


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, list) and isinstance(default, tuple):
        return tuple(value) == default
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default
    if isinstance(value, (int, float)) and isinstance(default, (int, float)):
        return value == default
    return type(value) is type(default) and value == default


def _literal(value: Any) -> str:
    return literal(tuple(value) if isinstance(value, list) else value)


def _kwargs(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_literal(v)}" for k, v in kwargs.items())


def _call(callee: str, kind: str, kwargs: dict[str, Any], defaults: dict[str, Any]) -> str:
    """`callee(positional…, keyword=value…)`, keywords only where they differ from torch's defaults."""
    positional = _POSITIONAL.get(kind, ())
    args = [_literal(kwargs[name]) for name in positional if name in kwargs]
    rest = {
        k: v
        for k, v in kwargs.items()
        if k not in positional and not _same(v, defaults.get(k, inspect.Parameter.empty))
    }
    return f"{callee}({', '.join([*args, *(f'{k}={_literal(v)}' for k, v in rest.items())])})"


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
    for name in sorted(_names(fn.__code__)):  # type: ignore[attr-defined]
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
