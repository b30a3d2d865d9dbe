import numpy as np
import pytest
import torch

from torchplay.data.split import data_rng, split_dataset, split_indices


def test_split_takes_the_last_rows_of_a_default_rng_permutation() -> None:
    train, test = split_indices(10, seed=3, test_fraction=0.3)
    order = np.random.default_rng(3).permutation(10)
    assert test.tolist() == order[7:].tolist()
    assert train.tolist() == order[:7].tolist()


@pytest.mark.parametrize(("n", "fraction", "n_test"), [(10, 0.2, 2), (7, 0.5, 4), (100, 0.0, 0)])
def test_split_sizes_follow_round(n: int, fraction: float, n_test: int) -> None:
    train, test = split_indices(n, seed=0, test_fraction=fraction)
    assert len(test) == n_test
    assert sorted([*train, *test]) == list(range(n))


def test_split_keeps_one_training_row() -> None:
    train, test = split_indices(1, seed=0, test_fraction=0.9)
    assert len(train) == 1 and len(test) == 0


def test_split_depends_on_the_seed_only() -> None:
    assert split_indices(50, 1, 0.2)[1].tolist() == split_indices(50, 1, 0.2)[1].tolist()
    assert split_indices(50, 1, 0.2)[1].tolist() != split_indices(50, 2, 0.2)[1].tolist()


@pytest.mark.parametrize("fraction", [-0.1, 1.0])
def test_split_refuses_fractions_outside_0_1(fraction: float) -> None:
    with pytest.raises(ValueError, match="test_fraction"):
        split_indices(10, 0, fraction)


def test_data_stream_differs_from_the_split_stream() -> None:
    assert data_rng(5).random() != np.random.default_rng(5).random()
    assert data_rng(5).random() == data_rng(5).random()


def test_classification_tensors() -> None:
    x = np.arange(20, dtype=np.float64).reshape(10, 2)
    y = np.arange(10) % 3
    loaded = split_dataset(x, y, task="classification", seed=0, test_fraction=0.2, classes=["a"])
    assert loaded.x_train.dtype == torch.float32 and loaded.y_train.dtype == torch.int64
    assert loaded.x_train.shape == (8, 2) and loaded.y_test.shape == (2,)
    assert loaded.input_shape == (2,)
    # Rows stay paired with their labels through the shuffle.
    assert torch.equal(loaded.y_train, (loaded.x_train[:, 0] / 2).long() % 3)


def test_regression_targets_are_float_columns_and_empty_test_keeps_shape() -> None:
    x = np.zeros((6, 3, 4), dtype=np.float32)
    y = np.ones((6, 1))
    loaded = split_dataset(x, y, task="regression", seed=0, test_fraction=0.0)
    assert loaded.y_train.dtype == torch.float32 and loaded.y_train.shape == (6, 1)
    assert loaded.x_test.shape == (0, 3, 4) and loaded.y_test.shape == (0, 1)


def test_gan_targets_are_the_inputs() -> None:
    x = np.random.default_rng(0).normal(size=(10, 2))
    loaded = split_dataset(x, None, task="gan", seed=0, test_fraction=0.2)
    assert loaded.y_train is loaded.x_train and loaded.y_test is loaded.x_test


def test_read_only_arrays_are_copied_without_warning() -> None:
    x = np.frombuffer(np.arange(8, dtype=np.float32).tobytes(), dtype=np.float32).reshape(4, 2)
    loaded = split_dataset(x, x[:, :1], task="regression", seed=0, test_fraction=0.0)
    loaded.x_train += 1  # writable
    assert x.min() == 0
