"""torchplay: design PyTorch networks in the browser and watch them train live."""

__version__ = "0.1.0"
