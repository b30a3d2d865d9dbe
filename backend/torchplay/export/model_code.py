"""The exported script's model section: one `nn.Module` class per net, its layers named
(`fc1`, `conv1`) and built as each layer's spec class says (its module, its positional
arguments), a written-out `forward` with the shapes, and the source of the torchplay
blocks it uses."""

from __future__ import annotations

import inspect

from torchplay.export.literals import literal
from torchplay.export.parts import Section, call, defaults
from torchplay.models import blocks, torch_class
from torchplay.models.naming import layer_names
from torchplay.planning import ModelReport
from torchplay.spec import LAYERS, LayerBase
from torchplay.spec.layers import RecurrentLayer, Residual

# torchplay's blocks (the modules spec classes name outside `nn`, and the recurrent wrapper
# a nested RNN needs), emitted as small classes only when a model uses them.
BLOCKS = sorted(
    {cls.module_name() for cls in LAYERS.values() if not cls.module_name().startswith("nn.")} | {"Recurrent"}
)
# Imports a block's source needs beyond torch and nn.
_BLOCK_IMPORTS = {"PositionalEncoding": {"import math"}}


class ModelCode(Section):
    def classes(self) -> list[str]:
        """One class per net, then the blocks they use before them."""
        nets = [self._model_class(net, report) for net, report in self.plan.models.items()]
        used = [inspect.getsource(getattr(blocks, name)).rstrip() for name in BLOCKS if name in self.blocks]
        return [*used, *nets]

    def _model_class(self, role: str, report: ModelReport) -> str:
        class_name = {"generator": "Generator", "discriminator": "Discriminator"}.get(role) or self.model_class
        layers = self.plan.spec(role).layers
        names = layer_names(layers)
        init = [
            f"        self.{name} = {self._constructor(layer, nested=False)}"
            for name, layer in zip(names, layers, strict=True)
        ]
        forward = [f"        # x: {_shape(report.input_shape)}"]
        shape = report.input_shape
        for name, layer, layer_report in zip(names, layers, report.layers, strict=True):
            out = layer_report.output_shape
            if isinstance(layer, RecurrentLayer):
                directions = 2 if layer.bidirectional else 1
                sequence = [shape[0], layer.hidden_size * directions]
                forward.append(f"        x, _ = self.{name}(x)  # {_shape(sequence)}: every step's output")
                if layer.output == "last":
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
        """The layer's constructor call, as its spec class says: its module, positional args."""
        if isinstance(layer, Residual):
            self.blocks.add("Residual")
            pad = " " * (indent + 8)
            inner = ",\n".join(pad + self._constructor(sub, nested=True, indent=indent + 8) for sub in layer.layers)
            return f"Residual(\n{' ' * (indent + 4)}nn.Sequential(\n{inner},\n{' ' * (indent + 4)})\n{' ' * indent})"
        spec = type(layer)
        module = torch_class(spec)
        name = spec.module_name()
        if not name.startswith("nn."):  # torchplay's own block: its source goes into the script
            self.blocks.add(name)
            self.imports |= _BLOCK_IMPORTS.get(name, set())
        written = call(name, spec.positional, layer.constructor_kwargs(), defaults(module))
        if isinstance(layer, RecurrentLayer) and nested:  # inside a Residual: a tensor out, as nn.Sequential needs
            self.blocks.add("Recurrent")
            return f"Recurrent({written}, {literal(layer.output)})"
        return written


def _shape(shape: list[int]) -> str:
    return "(" + ", ".join(["batch", *map(str, shape)]) + ")"
