"""Uploaded CSV files: parsed, checked and stored as datasets that survive a restart.

Each upload lives in `data_dir/datasets/uploads/<name>/` as `data.npz` (standardised
features `x`, targets `y`) and `meta.json`. The name (`csv-` and 6 hex digits) is made
here; nothing the client sends becomes part of a path.
"""

from __future__ import annotations

import _csv
import csv
import io
import json
import math
import os
import re
import secrets
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from torchplay.data import previews
from torchplay.data.base import DatasetEntry, LoadedDataset, NoParams, Task
from torchplay.data.split import split_dataset

# A new upload's name is 128 random bits: it is listed only to its owner (and admins), and
# a job that names it may train on it, so the name is a key that can be handed on. Six hex
# digits: the names of uploads kept from before.
NAME_PATTERN = re.compile(r"csv-(?:[0-9a-f]{32}|[0-9a-f]{6})")
# A numeric target with at most this many distinct whole numbers is read as class labels.
MAX_INFERRED_CLASSES = 20
# Text labels are always classes; more than this many is more likely an ID column.
MAX_TEXT_CLASSES = 1_000
# The header line may be this long per allowed column: room for any real name, while a
# header of millions of columns is refused from its first bytes, before it is parsed.
HEADER_BYTES_PER_COLUMN = 256
_HEADER_START = re.compile(rb"(?:\xef\xbb\xbf)?[\r\n]*")  # a BOM and blank lines
MAX_TITLE = 100
# Training runs in float32: a larger value would become inf there (and in an exported script).
FLOAT32_MAX = float(np.finfo(np.float32).max)


class CsvError(ValueError):
    """The upload cannot be used as a dataset; the message names the line and column."""


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / "datasets" / "uploads"


def _number(text: str) -> float | None:
    """The finite number `text` spells, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_header_size(content: bytes, max_columns: int) -> None:
    """Refuse a header of more than `max_columns` columns, reading only the header's bytes.

    The header record ends at the first line break outside quotes; it must end within
    `max_columns * HEADER_BYTES_PER_COLUMN` bytes, and only those are decoded and parsed."""
    limit = max_columns * HEADER_BYTES_PER_COLUMN
    blank = _HEADER_START.match(content)
    start = blank.end() if blank else 0
    stop = min(len(content), start + limit)
    end, quotes = start, 0
    while True:
        newline = content.find(b"\n", end, stop)
        quotes += content.count(b'"', end, stop if newline == -1 else newline + 1)
        end = stop if newline == -1 else newline + 1
        if newline == -1 or quotes % 2 == 0:  # an odd count: the line break is inside a quoted name
            break
    if newline == -1 and len(content) > stop:
        raise CsvError(
            f"the header line is over {limit:,} bytes; at most {max_columns:,} columns "
            f"(max_csv_columns) of {HEADER_BYTES_PER_COLUMN} bytes each"
        )
    try:
        header = next(csv.reader(io.StringIO(content[start:end].decode("utf-8"))), [])
    except (UnicodeDecodeError, csv.Error):
        return  # the full parse names the problem, with its line
    if len(header) > max_columns:
        raise CsvError(f"{len(header):,} columns; at most {max_columns:,} (max_csv_columns)")


def _read_rows(text: str, max_rows: int, max_columns: int) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and each row's line number; checks the table's outline."""
    reader = csv.reader(io.StringIO(text))
    try:
        return _checked_rows(reader, max_rows, max_columns)
    except csv.Error as error:  # a NUL byte, a field over csv's size limit, …
        raise CsvError(f"line {reader.line_num}: {error}") from error


def _checked_rows(reader: _csv.Reader, max_rows: int, max_columns: int) -> tuple[list[str], list[list[str]], list[int]]:
    header = next((row for row in reader if row), None)
    if header is None:
        raise CsvError("the file is empty")
    header = [name.strip() for name in header]
    if all(_number(name) is not None for name in header):
        raise CsvError(
            f"no header row: line {reader.line_num} holds only numbers; the first line must name the columns"
        )
    for i, name in enumerate(header, start=1):
        if not name:
            raise CsvError(f"column {i} has no name in the header")
    repeated = next((name for name, count in Counter(header).items() if count > 1), None)
    if repeated is not None:
        raise CsvError(f"the header names column {repeated!r} more than once")
    if len(header) > max_columns:
        raise CsvError(f"{len(header):,} columns; at most {max_columns:,} (max_csv_columns)")

    rows: list[list[str]] = []
    lines: list[int] = []
    for row in reader:
        if not row:  # blank line
            continue
        if len(row) != len(header):
            raise CsvError(f"line {reader.line_num} has {len(row)} fields, the header has {len(header)}")
        if len(rows) == max_rows:
            raise CsvError(f"more than {max_rows:,} rows, the limit")
        rows.append(row)
        lines.append(reader.line_num)
    if len(rows) < 2:
        raise CsvError(f"at least 2 data rows are needed, the file has {len(rows)}")
    return header, rows, lines


def _feature_matrix(header: list[str], rows: list[list[str]], lines: list[int], columns: list[int]) -> np.ndarray:
    x = np.empty((len(rows), len(columns)), dtype=np.float64)
    for j, column in enumerate(columns):
        cells = [row[column] for row in rows]
        try:
            x[:, j] = np.array(cells, dtype=np.float64)  # fast path: all plain numbers
        except ValueError:
            x[:, j] = [np.nan if (v := _number(cell)) is None else v for cell in cells]
        _check_range(header[column], x[:, j], cells, lines)
    return x


def _check_range(name: str, values: np.ndarray, cells: list[str], lines: list[int]) -> None:
    """Refuse the first value that is not a finite number within float32's range. Within it,
    standardising in float64 cannot overflow either: |x - mean| / std <= sqrt(rows)."""
    bad = np.flatnonzero(~(np.abs(values) <= FLOAT32_MAX))  # NaN fails the comparison too
    if bad.size:
        first = int(bad[0])
        cell = cells[first].strip()
        raise CsvError(f"column {name!r}, line {lines[first]}: {cell!r} {_why_unusable(cell)}")


def _why_unusable(cell: str) -> str:
    try:
        value = float(cell)
    except ValueError:
        return "is not a number"
    if not math.isfinite(value):
        return "is not a finite number"
    return f"is too large for float32, the precision training uses (at most {FLOAT32_MAX:.4g} in size)"


def _targets(name: str, cells: list[str], lines: list[int]) -> tuple[Task, np.ndarray, list[str] | None]:
    """Task, target array and class names, inferred from the target column."""
    cells = [cell.strip() for cell in cells]
    for cell, line in zip(cells, lines, strict=True):
        if not cell:
            raise CsvError(f"column {name!r}, line {line}: the target is empty")
    numbers = [_number(cell) for cell in cells]
    if all(v is not None for v in numbers):
        values = np.array(numbers, dtype=np.float64)
        distinct = np.unique(values)
        whole = bool(np.all(distinct == np.round(distinct)))
        if not (whole and len(distinct) <= MAX_INFERRED_CLASSES):
            _check_range(name, values, cells, lines)
            return "regression", values.astype(np.float32).reshape(-1, 1), None
        labels = np.searchsorted(distinct, values)
        classes = [str(int(v)) for v in distinct]
    else:
        distinct_text = sorted(set(cells))
        if len(distinct_text) > MAX_TEXT_CLASSES:
            raise CsvError(
                f"target column {name!r} has {len(distinct_text):,} distinct text values; "
                f"at most {MAX_TEXT_CLASSES:,} classes"
            )
        index = {label: i for i, label in enumerate(distinct_text)}
        labels = np.array([index[cell] for cell in cells])
        classes = distinct_text
    if len(classes) < 2:
        raise CsvError(f"target column {name!r} holds a single value; there is nothing to learn")
    return "classification", labels.astype(np.int64), classes


def _clean_title(title: str | None) -> str:
    """The client's label for the upload, shown in descriptions only."""
    text = "".join(ch for ch in (title or "") if ch.isprintable()).strip()
    return text[:MAX_TITLE] or "upload"


def import_csv(
    content: bytes,
    target: str,
    data_dir: Path,
    name: str | None = None,
    max_rows: int = 1_000_000,
    max_columns: int = 10_000,
    owner: str | None = None,
) -> DatasetEntry:
    """Parse and check a CSV upload, store it, and return its catalogue entry.

    `name` is only a label for people (e.g. the file name); the dataset's name is made
    here; `owner` is the user uploading it (None without users). Numeric feature columns are standardised; the target decides the task: text, or
    at most 20 distinct whole numbers → classification (classes sorted), else regression.
    Raises `CsvError` naming the problem."""
    _check_header_size(content, max_columns)  # before the whole file is decoded and parsed
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvError(f"the file is not UTF-8 text (byte {error.start})") from error
    if not text.strip():
        raise CsvError("the file is empty")
    header, rows, lines = _read_rows(text, max_rows, max_columns)
    if target not in header:
        raise CsvError(f"unknown target column {target!r}; the columns are {', '.join(header)}")
    target_column = header.index(target)
    columns = [j for j in range(len(header)) if j != target_column]
    if not columns:
        raise CsvError("no feature columns: the file holds only the target column")

    x = _feature_matrix(header, rows, lines, columns)
    task, y, classes = _targets(target, [row[target_column] for row in rows], lines)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0  # a constant column stays constant (0) instead of dividing by 0
    meta = {
        "title": _clean_title(name),
        "target": target,
        "features": [header[j] for j in columns],
        "task": task,
        "classes": classes,
        "rows": len(rows),
        "mean": mean.tolist(),
        "std": std.tolist(),
        "created": datetime.now(UTC).isoformat(),
        "owner": owner,
    }
    folder = _store(data_dir, ((x - mean) / std).astype(np.float32), y, meta)
    return _entry(folder.name, meta, folder)


def _store(data_dir: Path, x: np.ndarray, y: np.ndarray, meta: dict[str, Any]) -> Path:
    # Written into a hidden folder and renamed, so a half-written upload is never listed.
    root = uploads_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".incoming-"))
    staging.chmod(0o755)  # mkdtemp makes it private; it becomes an ordinary dataset folder
    np.savez(staging / "data.npz", x=x, y=y)
    while True:
        folder = root / f"csv-{secrets.token_hex(16)}"
        if folder.exists():
            continue
        meta["name"] = folder.name
        (staging / "meta.json").write_text(json.dumps(meta, indent=1))
        try:
            os.rename(staging, folder)
        except OSError:
            if folder.exists():  # taken meanwhile by another upload: draw another name
                continue
            raise
        return folder


def upload_names(data_dir: Path) -> list[str]:
    """Names of the stored uploads, oldest first."""
    root = uploads_dir(data_dir)
    if not root.is_dir():
        return []
    folders = [
        folder for folder in root.iterdir() if NAME_PATTERN.fullmatch(folder.name) and (folder / "meta.json").is_file()
    ]
    return [folder.name for folder in sorted(folders, key=lambda f: f.stat().st_mtime_ns)]


def upload_entry(name: str, data_dir: Path) -> DatasetEntry:
    """The entry of a stored upload; KeyError(name) if there is none by that name."""
    if not NAME_PATTERN.fullmatch(name):  # checked before `name` comes near a path
        raise KeyError(name)
    folder = uploads_dir(data_dir) / name
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except FileNotFoundError:
        raise KeyError(name) from None
    return _entry(name, meta, folder)


def _entry(name: str, meta: dict[str, Any], folder: Path) -> DatasetEntry:
    task: Task = meta["task"]
    classes: list[str] | None = meta["classes"]
    features: list[str] = meta["features"]

    def arrays() -> tuple[np.ndarray, np.ndarray]:
        with np.load(folder / "data.npz") as data:
            return data["x"], data["y"]

    def load(_params: BaseModel, seed: int, test_fraction: float, _dir: Path) -> LoadedDataset:
        x, y = arrays()
        extras = {"features": features, "target": meta["target"]}
        extras |= {"mean": meta["mean"], "std": meta["std"]}
        return split_dataset(x, y, task=task, seed=seed, test_fraction=test_fraction, classes=classes, extras=extras)

    def show(_params: BaseModel, _seed: int, _dir: Path) -> dict[str, Any]:
        x, y = arrays()
        shown = slice(0, previews.MAX_ROWS)
        # Undo the standardisation so the table shows the values as uploaded, to float32's
        # 6 significant digits.
        raw = x[shown] * np.array(meta["std"]) + np.array(meta["mean"])
        targets = previews.label_names(y[shown], classes)
        n = previews.MAX_COLUMNS
        rows = [[*(float(f"{v:.6g}") for v in row[:n]), t] for row, t in zip(raw, targets, strict=True)]
        return previews.table([*features[:n], meta["target"]], rows)

    description = (
        f"Uploaded CSV {meta['title']!r}: {meta['rows']:,} rows, {len(features)} standardised "
        f"feature columns, target {meta['target']!r} ({task})."
    )
    description_zh = (
        f"上传的 CSV {meta['title']!r}：{meta['rows']:,} 行，{len(features)} 个标准化的特征列，"
        f"目标列 {meta['target']!r}（{task}）。"
    )
    return DatasetEntry(
        name=name,
        task=task,
        description=description,
        description_zh=description_zh,
        params_model=NoParams,
        input_shape=lambda _p: (len(features),),
        load=load,
        classes=lambda _p: classes,
        samples=lambda _p: int(meta["rows"]),
        preview=show,
        owner=meta.get("owner"),
    )
