"""Taking a model out of torchplay: the job as a PyTorch script, and its trained weights."""

from torchplay.export.literals import NonFiniteNumber
from torchplay.export.python import python_script, script_filename
from torchplay.export.weights import FORMATS, ExportUnavailable, export_weights

__all__ = ["FORMATS", "ExportUnavailable", "NonFiniteNumber", "export_weights", "python_script", "script_filename"]
