import inspect
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from torchplay.data import (
    DATASETS,
    DatasetEntry,
    catalogue,
    get_dataset,
    import_csv,
    load_dataset,
    preview,
    validate_params,
)
from torchplay.data.registry import generator_params
from torchplay.data.split import data_rng

DESIGN_TABLE = [
    "random-regression",
    "random-classes",
    "step",
    "circle",
    "xor",
    "gaussian",
    "spiral",
    "moons",
    "plane",
    "sine",
    "shapes",
    "mnist",
    "fashion-mnist",
    "sine-forecast",
    "sequence-classes",
    "ring",
    "gaussian-mixture",
]
# Beyond DESIGN.md's table, last: numbers typed into the request.
CATALOGUE = [*DESIGN_TABLE, "inline"]
GENERATED = [name for name in DESIGN_TABLE if not DATASETS[name].download]
PREVIEW_KIND = {
    "random-regression": "points",
    "random-classes": "table",
    "step": "curve",
    "sine": "curve",
    "shapes": "images",
    "sine-forecast": "series",
    "sequence-classes": "series",
}


def test_the_catalogue_lists_the_design_table_in_order(tmp_path: Path) -> None:
    assert list(DATASETS) == CATALOGUE
    rows = catalogue(tmp_path)
    assert [row["name"] for row in rows] == CATALOGUE
    json.dumps(rows)
    for row in rows:
        assert set(row) == {
            "name",
            "task",
            "description",
            "description_zh",
            "input_shape",
            "classes",
            "params",
            "download",
            "normalization",
        }
        assert row["download"] == (row["name"] in ("mnist", "fashion-mnist"))
        # Image sets say how their pixels were scaled; the rest say nothing.
        assert (row["normalization"] is not None) == (row["input_shape"] == [1, 28, 28]), row["name"]
        properties = row["params"].get("properties", {})
        assert all(spec.get("description") for spec in properties.values()), row["name"]
        assert row["params"].get("additionalProperties") is False
    by_name = {row["name"]: row for row in rows}
    assert by_name["random-classes"]["input_shape"] == [784]
    assert by_name["random-classes"]["classes"] == [str(i) for i in range(10)]
    assert by_name["sine-forecast"]["input_shape"] == [20, 1]
    assert by_name["mnist"]["input_shape"] == [1, 28, 28]
    assert by_name["mnist"]["normalization"] == {"mean": 0.1307, "std": 0.3081}
    assert by_name["shapes"]["normalization"] == {"mean": 0.0, "std": 1.0}
    assert by_name["ring"]["task"] == "gan"


def test_uploads_join_the_catalogue(tmp_path: Path) -> None:
    entry = import_csv(b"a,b,c\n1,2,x\n3,4,y\n5,6,x\n", "c", tmp_path)
    rows = catalogue(tmp_path)
    assert rows[-1]["name"] == entry.name and rows[-1]["input_shape"] == [2]
    assert rows[-1]["classes"] == ["x", "y"] and rows[-1]["params"]["properties"] == {}
    assert [row["name"] for row in catalogue()] == CATALOGUE


def _descriptions(schema: object) -> list[dict[str, str]]:
    """Every part of a JSON schema that holds a description."""
    if isinstance(schema, list):
        return [d for item in schema for d in _descriptions(item)]
    if not isinstance(schema, dict):
        return []
    found = [schema] if isinstance(schema.get("description"), str) else []
    return found + [d for value in schema.values() for d in _descriptions(value)]


def test_every_description_comes_in_chinese_too(tmp_path: Path) -> None:
    import_csv(b"a,b,c\n1,2,x\n3,4,y\n5,6,x\n", "c", tmp_path, name="grades.csv")
    for row in catalogue(tmp_path):
        assert row["description_zh"] and row["description_zh"] != row["description"], row["name"]
        assert any("\u4e00" <= char <= "\u9fff" for char in row["description_zh"]), row["name"]
        for part in _descriptions(row["params"]["properties"]):
            assert part.get("description_zh"), f"{row['name']}: no 简体中文 for {part['description']!r}"
    upload = catalogue(tmp_path)[-1]
    assert "'grades.csv'" in upload["description_zh"] and "3 行" in upload["description_zh"]


def test_unknown_names_and_params() -> None:
    with pytest.raises(KeyError):
        get_dataset("nope")
    with pytest.raises(ValidationError):
        validate_params("circle", {"sampels": 10})
    with pytest.raises(ValidationError):
        validate_params("step", {"samples": 10})
    with pytest.raises(ValidationError):
        validate_params("random-classes", {"classes": 1})
    assert validate_params("circle", {"samples": 10}).model_dump() == {"samples": 10, "noise": 0.1}


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sets_load_seeded_tensors(name: str, tmp_path: Path) -> None:
    entry = DATASETS[name]
    params = {"samples": 200} if "samples" in entry.params_model.model_fields else {}
    a = load_dataset(name, params, seed=1, test_fraction=0.25, data_dir=tmp_path)
    b = load_dataset(name, params, seed=1, test_fraction=0.25, data_dir=tmp_path)
    c = load_dataset(name, params, seed=2, test_fraction=0.25, data_dir=tmp_path)
    for x, y in [(a.x_train, b.x_train), (a.y_train, b.y_train), (a.x_test, b.x_test)]:
        assert torch.equal(x, y)
    if name != "step":
        assert not torch.equal(a.x_train, c.x_train)

    validated = entry.params_model.model_validate(params)
    assert a.input_shape == entry.input_shape(validated) == a.x_train.shape[1:]
    assert a.task == entry.task and a.classes == entry.classes(validated)
    n = 60 if name == "step" else 200
    assert len(a.x_train) + len(a.x_test) == n and len(a.x_test) == round(n * 0.25)
    assert a.x_train.dtype == torch.float32
    if a.task == "classification":
        assert a.y_train.dtype == torch.int64 and a.y_train.shape == (len(a.x_train),)
        assert int(a.y_train.max()) < len(a.classes or [])
    elif a.task == "regression":
        assert a.y_train.dtype == torch.float32 and a.y_train.shape == (len(a.x_train), 1)
    else:
        assert a.y_train is a.x_train


@pytest.mark.parametrize("name", GENERATED)
def test_generators_are_exportable_and_match_the_loaded_data(name: str, tmp_path: Path) -> None:
    entry = DATASETS[name]
    assert entry.generate is not None
    # The source alone, with numpy, runs: what the exported code relies on.
    namespace: dict[str, object] = {"np": np}
    exec(inspect.getsource(entry.generate), namespace)
    exported = namespace[entry.generate.__name__]
    params = generator_params(entry.params_model())
    out = exported(**params, rng=data_rng(4))
    x = out[0] if isinstance(out, tuple) else out
    loaded = load_dataset(name, {}, seed=4, test_fraction=0.0, data_dir=tmp_path)
    # The same rows as loaded, which the split shuffled.
    rows = x.reshape(len(x), -1).astype(np.float32)
    assert np.array_equal(np.sort(rows, axis=0), np.sort(loaded.x_train.reshape(len(x), -1).numpy(), axis=0))


def test_two_class_sets_are_balanced_with_names(tmp_path: Path) -> None:
    for name in ["circle", "xor", "gaussian", "spiral", "moons"]:
        loaded = load_dataset(name, {}, 0, 0.0, tmp_path)
        assert loaded.classes == ["0", "1"]
        assert torch.bincount(loaded.y_train).tolist() == [200, 200]


def test_step_through_the_registry(tmp_path: Path) -> None:
    loaded = load_dataset("step", {}, 0, 0.0, tmp_path)
    order = loaded.x_train[:, 0].argsort()
    assert loaded.x_train[order, 0].tolist() == list(range(-30, 30))
    assert loaded.y_train[order, 0].tolist() == [1.0] * 21 + [0.5] * 19 + [0.0] * 20
    assert loaded.extras["x_range"] == [[-30.0, 29.0]]


@pytest.mark.parametrize("name", GENERATED)
def test_previews_are_small_json(name: str, tmp_path: Path) -> None:
    shown = preview(name, {}, seed=0, data_dir=tmp_path)
    assert shown["kind"] == PREVIEW_KIND.get(name, "points")
    assert len(json.dumps(shown)) < 100_000


def test_points_preview_shows_the_training_points(tmp_path: Path) -> None:
    shown = preview("moons", {"samples": 300}, seed=5, data_dir=tmp_path)
    loaded = load_dataset("moons", {"samples": 300}, seed=5, test_fraction=0.0, data_dir=tmp_path)
    assert sorted(map(tuple, shown["x"])) == sorted(
        map(tuple, np.round(loaded.x_train.numpy().astype(np.float64), 4).tolist())
    )
    big = preview("moons", {"samples": 100_000}, seed=5, data_dir=tmp_path)
    assert len(big["x"]) == 2000 and sum(big["y"]) == 1000


def test_gan_preview_has_no_targets(tmp_path: Path) -> None:
    shown = preview("gaussian-mixture", {}, seed=0, data_dir=tmp_path)
    assert shown["y"] is None and len(shown["x"]) == 1000


def test_csv_preview_shows_the_values_as_uploaded(tmp_path: Path) -> None:
    entry = import_csv(b"a,b,c\n1,20,x\n3,40,y\n5,60.5,x\n", "c", tmp_path)
    shown = preview(entry.name, {}, seed=0, data_dir=tmp_path)
    assert shown == {
        "kind": "table",
        "columns": ["a", "b", "c"],
        "rows": [[1.0, 20.0, "x"], [3.0, 40.0, "y"], [5.0, 60.5, "x"]],
    }


def test_entries_without_their_own_preview_fall_back_to_loading(tmp_path: Path) -> None:
    base = DATASETS["sine"]
    plain = DatasetEntry(
        name="plain",
        task=base.task,
        description="",
        params_model=base.params_model,
        input_shape=base.input_shape,
        load=base.load,
    )
    DATASETS["plain"] = plain
    try:
        assert preview("plain", {"samples": 50}, 0, tmp_path)["kind"] == "curve"
    finally:
        del DATASETS["plain"]
