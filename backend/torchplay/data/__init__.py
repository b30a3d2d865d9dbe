"""Datasets: the catalogue, generation, download and upload, and the seeded split.

Nothing here imports FastAPI; the API and the trainer call the functions below."""

from torchplay.data.base import (
    DatasetEntry,
    DatasetUnavailable,
    LoadedDataset,
    NoParams,
    Task,
)
from torchplay.data.csv_upload import CsvError, import_csv
from torchplay.data.mnist import import_idx_dataset
from torchplay.data.registry import (
    DATASETS,
    catalogue,
    catalogue_row,
    get_dataset,
    load_dataset,
    preview,
    validate_params,
)

__all__ = [
    "DATASETS",
    "CsvError",
    "DatasetEntry",
    "DatasetUnavailable",
    "LoadedDataset",
    "NoParams",
    "Task",
    "catalogue",
    "catalogue_row",
    "get_dataset",
    "import_csv",
    "import_idx_dataset",
    "load_dataset",
    "preview",
    "validate_params",
]
