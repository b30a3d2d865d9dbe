"""Taking a model out of torchplay: the job as a PyTorch script or a notebook, and its trained weights."""

from torchplay.export.literals import NonFiniteNumber
from torchplay.export.notebook import notebook, notebook_filename
from torchplay.export.python import python_script, script_filename
from torchplay.export.weights import FORMATS, ExportUnavailable, export_weights

__all__ = [
    "FORMATS",
    "ExportUnavailable",
    "NonFiniteNumber",
    "export_weights",
    "notebook",
    "notebook_filename",
    "python_script",
    "script_filename",
]
