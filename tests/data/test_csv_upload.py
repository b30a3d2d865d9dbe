import json
from pathlib import Path

import numpy as np
import pytest
import torch

from torchplay.data import CsvError, get_dataset, import_csv, load_dataset
from torchplay.data.csv_upload import upload_names

IRIS_LIKE = b"""sepal,petal,species
5.1,1.4,setosa
4.9,1.4,setosa
6.2,4.5,versicolor
5.9,5.1,virginica
6.0,4.8,virginica
"""


def test_text_target_becomes_sorted_classes(tmp_path: Path) -> None:
    entry = import_csv(IRIS_LIKE, "species", tmp_path, name="iris.csv")
    assert entry.name.startswith("csv-") and entry.task == "classification"
    assert entry.classes(entry.params_model()) == ["setosa", "versicolor", "virginica"]
    assert entry.input_shape(entry.params_model()) == (2,)
    assert "iris.csv" in entry.description

    loaded = load_dataset(entry.name, {}, seed=0, test_fraction=0.0, data_dir=tmp_path)
    assert loaded.y_train.dtype == torch.int64
    assert sorted(loaded.y_train.tolist()) == [0, 0, 1, 2, 2]
    # Standardised features; the statistics travel along for export and display.
    assert np.allclose(loaded.x_train.mean(0).numpy(), 0, atol=1e-6)
    assert np.allclose(loaded.x_train.std(0, unbiased=False).numpy(), 1, atol=1e-5)
    assert loaded.extras["mean"][0] == pytest.approx(np.mean([5.1, 4.9, 6.2, 5.9, 6.0]))
    assert loaded.extras["features"] == ["sepal", "petal"]


def test_small_whole_number_target_is_classification(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 3 * 5}" for i in range(30))
    entry = import_csv(f"x,label\n{rows}\n".encode(), "label", tmp_path)
    assert entry.task == "classification"
    assert entry.classes(entry.params_model()) == ["0", "5", "10"]  # numeric order


def test_many_values_or_fractions_mean_regression(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i * 1.5}" for i in range(30))
    entry = import_csv(f"x,y\n{rows}\n".encode(), "y", tmp_path)
    assert entry.task == "regression" and entry.classes(entry.params_model()) is None
    loaded = load_dataset(entry.name, {}, seed=1, test_fraction=0.2, data_dir=tmp_path)
    assert loaded.y_train.shape == (24, 1) and loaded.y_train.dtype == torch.float32
    assert loaded.x_test.shape == (6, 1)
    whole = "\n".join(f"{i},{i}" for i in range(21))  # 21 distinct whole numbers
    assert import_csv(f"x,y\n{whole}\n".encode(), "y", tmp_path).task == "regression"


def test_upload_survives_a_restart(tmp_path: Path) -> None:
    entry = import_csv(IRIS_LIKE, "species", tmp_path)
    folder = tmp_path / "datasets" / "uploads" / entry.name
    assert sorted(p.name for p in folder.iterdir()) == ["data.npz", "meta.json"]
    assert json.loads((folder / "meta.json").read_text())["target"] == "species"
    assert upload_names(tmp_path) == [entry.name]
    again = get_dataset(entry.name, tmp_path)  # a fresh entry, read from disk
    assert again.task == entry.task and again.description == entry.description
    a = load_dataset(entry.name, {}, 3, 0.4, tmp_path)
    b = load_dataset(entry.name, {}, 3, 0.4, tmp_path)
    assert torch.equal(a.x_test, b.x_test)


def test_names_are_server_made_and_never_paths(tmp_path: Path) -> None:
    first = import_csv(IRIS_LIKE, "species", tmp_path, name="../../etc/passwd")
    second = import_csv(IRIS_LIKE, "species", tmp_path, name="../../etc/passwd")
    assert first.name != second.name
    assert not (tmp_path.parent / "etc").exists()
    for bad in ["../datasets", "csv-../../x", "csv-ABCDEF", "csv-3fa2c1"]:
        with pytest.raises(KeyError):
            get_dataset(bad, tmp_path)
    with pytest.raises(KeyError):
        get_dataset(first.name)  # uploads need the data folder


@pytest.mark.parametrize(
    ("content", "target", "message"),
    [
        (b"", "y", "empty"),
        (b"\n\n", "y", "empty"),
        (b"1,2\n3,4\n5,6\n", "y", "no header"),
        (b"x,y\n1,2\n3,4\n", "z", "unknown target column 'z'"),
        (b"x,y\n1,2\n3,4,5\n6,7\n", "y", "line 3 has 3 fields, the header has 2"),
        (b"x,y\n1,2\n3\n", "y", "line 3 has 1 fields"),
        (b"x,y\n1,2\n3,4\nabc,5\n", "y", "column 'x', line 4: 'abc' is not a number"),
        (b"x,y\n1,2\n,4\n", "y", "column 'x', line 3: '' is not a number"),
        (b"x,y\n1,2\nnan,4\n", "y", "column 'x', line 3: 'nan'"),
        (b"x,y\n1,2\n-inf,4\n", "y", "column 'x', line 3: '-inf' is not a finite number"),
        # Finite in float64 but infinite in float32, the precision training uses.
        (b"x,y\n1,2.5\n1e308,3.5\n", "y", "column 'x', line 3: '1e308' is too large for float32"),
        (b"x,y\n1,2.5\n-1e308,3.5\n", "y", "column 'x', line 3: '-1e308' is too large for float32"),
        (b"x,y\n1,2.5\n3.5e38,3.5\n", "y", "column 'x', line 3: '3.5e38' is too large for float32"),
        (b"x,y\n1,2.5\n2,1e39\n", "y", "column 'y', line 3: '1e39' is too large for float32"),
        (b"x,y\n1,2\n", "y", "at least 2 data rows"),
        (b"x,y\n", "y", "at least 2 data rows"),
        (b"x,x,y\n1,2,3\n4,5,6\n", "y", "'x' more than once"),
        (b"x,,y\n1,2,3\n4,5,6\n", "y", "column 2 has no name"),
        (b"y\n1\n2\n", "y", "no feature columns"),
        (b"x,y\n1,a\n2,a\n", "y", "single value"),
        (b"x,y\n1,a\n2,\n", "y", "line 3: the target is empty"),
        (b"x,y\n\xff\xfe,1\n", "y", "not UTF-8"),
        (b"x,y\n1,2\n\x003,4\n", "y", "line 3"),
        (b"x,y\n1,2\n" + b"1" * 200_000 + b",3\n", "y", "line 3: field larger"),
    ],
)
def test_problems_are_named(tmp_path: Path, content: bytes, target: str, message: str) -> None:
    with pytest.raises(CsvError, match=message.replace("(", r"\(")):
        import_csv(content, target, tmp_path)
    assert upload_names(tmp_path) == []


def test_row_limit(tmp_path: Path) -> None:
    content = b"x,y\n1,2\n3,4\n5,6\n"
    with pytest.raises(CsvError, match="more than 2 rows"):
        import_csv(content, "y", tmp_path, max_rows=2)
    assert import_csv(content, "y", tmp_path, max_rows=3).task == "classification"


def test_quoted_fields_blank_lines_and_bom(tmp_path: Path) -> None:
    content = '\ufeff"a",b,"kind"\n1,2,"x, y"\n\n3,4,z\n'.encode()
    entry = import_csv(content, "kind", tmp_path)
    assert entry.classes(entry.params_model()) == ["x, y", "z"]


def test_values_at_float32s_limits_are_kept_finite(tmp_path: Path) -> None:
    """The largest float32 values, and a column spanning both ends of the range, standardise
    to finite numbers; so do their statistics, which the exported script writes out."""
    big = float(np.finfo(np.float32).max)
    content = f"x,w,y\n{big},1,0.5\n{-big},2,1.5\n0,3,2.5\n{big},4,-0.25\n".encode()
    entry = import_csv(content, "y", tmp_path)
    loaded = load_dataset(entry.name, {}, seed=0, test_fraction=0.0, data_dir=tmp_path)
    assert torch.isfinite(loaded.x_train).all() and torch.isfinite(loaded.y_train).all()
    assert np.isfinite(loaded.extras["mean"]).all() and np.isfinite(loaded.extras["std"]).all()
    # A whole-number target that large is a class label, not a float32 value: still accepted.
    labels = import_csv(b"x,y\n1,1e308\n2,0\n3,1e308\n", "y", tmp_path)
    assert labels.classes(labels.params_model()) == ["0", str(int(1e308))]
