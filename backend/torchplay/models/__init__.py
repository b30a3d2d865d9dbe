"""Model specs become real `torch.nn` modules here."""

from torchplay.models.builder import build_layer, build_model, torch_class

__all__ = ["build_layer", "build_model", "torch_class"]
