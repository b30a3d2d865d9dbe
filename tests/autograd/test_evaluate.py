"""The explorer's graphs against torch run by hand: values, gradients and grad_fn names."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from torchplay.autograd import EXAMPLES, Leaf, explore
from torchplay.autograd.limits import LIMITS
from torchplay.spec import SpecError


def run(inputs: dict[str, Any], code: list[str], backward: str | None = None) -> dict[str, Any]:
    leaves = {name: Leaf(value, requires_grad) for name, (value, requires_grad) in inputs.items()}
    return explore(leaves, code, backward).public()


def named(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(node for node in result["nodes"] if node["name"] == name)


def close(a: Any, b: torch.Tensor | None) -> bool:
    if b is None:  # torch leaves an unused input's grad at None; so does the explorer
        return a is None
    return torch.allclose(torch.tensor(a, dtype=torch.float32), b.float(), rtol=1e-6, atol=1e-6)


def test_the_tutorial_example_gives_6_8_10_as_torch_does() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()

    result = run({"x": ([1, 2, 3], True)}, ["y = x + 2", "z = y * y * 3", "out = z.mean()"], "out")
    assert result["grads"] == {"x": [6.0, 8.0, 10.0]}
    assert close(result["grads"]["x"], x.grad)
    assert named(result, "out")["value"] == pytest.approx(out.item())
    assert [named(result, n)["grad_fn"] for n in ("x", "y", "z", "out")] == [
        None,
        type(y.grad_fn).__name__,
        type(z.grad_fn).__name__,
        type(out.grad_fn).__name__,
    ]
    assert named(result, "z")["grad"] == pytest.approx([1 / 3] * 3)
    assert result["order"][0] == result["output"] == named(result, "out")["id"]


def test_a_neuron_matches_torch() -> None:
    w = torch.tensor([0.5, -0.3], requires_grad=True)
    b = torch.tensor(0.1, requires_grad=True)
    x = torch.tensor([2.0, 1.0])
    loss = (torch.sigmoid(w @ x + b) - 1.0) ** 2
    loss.backward()

    result = run(
        {"w": ([0.5, -0.3], True), "b": (0.1, True), "x": ([2, 1], False)},
        ["z = w @ x + b", "a = torch.sigmoid(z)", "loss = (a - 1) ** 2"],
        "loss",
    )
    assert close(result["grads"]["w"], w.grad) and close(result["grads"]["b"], b.grad)
    assert named(result, "loss")["grad_fn"] == type(loss.grad_fn).__name__ == "PowBackward0"
    assert named(result, "x")["grad"] is None and "x" not in result["grads"]


@pytest.mark.parametrize(
    ("code", "by_hand"),
    [
        (["y = (x.tanh() * w).sum()"], lambda x, w: (x.tanh() * w).sum()),
        (["y = (exp(x) / (1 + exp(x))).mean()"], lambda x, w: (x.exp() / (1 + x.exp())).mean()),
        (
            ["y = (3.5 - x) ** 3", "s = (y.abs().sqrt() + sin(w) * cos(x)).sum()"],
            lambda x, w: (((3.5 - x) ** 3).abs().sqrt() + w.sin() * x.cos()).sum(),
        ),
        (["m = x.max() - w.min()", "s = m * m"], lambda x, w: (x.max() - w.min()) ** 2),
        (["s = log(relu(x) + 1).sum(0).mean()"], lambda x, w: (x.relu() + 1).log().sum(0).mean()),
        (["p = x.pow(w)", "s = p.sum() / 4"], lambda x, w: x.pow(w).sum() / 4),
    ],
)
def test_more_graphs_match_torch(code: list[str], by_hand: Any) -> None:
    x_values, w_values = [0.5, 1.5, 2.0, 3.0], [1.0, -2.0, 0.5, 2.0]
    x = torch.tensor(x_values, requires_grad=True)
    w = torch.tensor(w_values, requires_grad=True)
    expected = by_hand(x, w)
    expected.backward()
    target = code[-1].split("=")[0].strip()
    result = run({"x": (x_values, True), "w": (w_values, True)}, code, target)
    assert named(result, target)["value"] == pytest.approx(expected.item(), rel=1e-6)
    assert close(result["grads"]["x"], x.grad) and close(result["grads"]["w"], w.grad)


def test_matrix_vector_gradients_have_their_tensors_shapes() -> None:
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    loss = ((W @ x + 0.5) ** 2).sum()
    loss.backward()
    result = run({"W": (W.tolist(), True), "x": ([1, -1], True)}, ["y = W @ x + 0.5", "loss = (y ** 2).sum()"], "loss")
    assert close(result["grads"]["W"], W.grad) and close(result["grads"]["x"], x.grad)
    assert named(result, "W")["shape"] == [2, 2]


def test_edge_gradients_add_up_to_each_nodes_gradient() -> None:
    # y is used twice by y * y: each edge carries g·y and the two add up to y's gradient.
    result = run({"x": ([1, 2, 3], True)}, ["y = x + 2", "z = y * y * 3", "out = z.mean()"], "out")
    nodes = result["nodes"]
    arriving: dict[int, torch.Tensor] = {}
    for node in nodes:
        for source, grad in zip(node["inputs"], node["input_grads"], strict=True):
            if grad is not None:
                arriving[source] = arriving.get(source, torch.tensor(0.0)) + torch.tensor(grad)
    for node in nodes:
        if node["id"] in arriving:
            assert close(node["grad"], arriving[node["id"]]), node["label"]
    square = next(node for node in nodes if node["label"] == "y * y")
    assert square["input_grads"] == [[3.0, 4.0, 5.0], [3.0, 4.0, 5.0]]
    assert square["grad_rules"] == ["g · y", "g · y"]
    assert named(result, "out")["grad_rules"] == ["g / 3"]


def test_backward_order_is_reverse_topological_and_skips_what_needs_no_gradient() -> None:
    result = run({"x": ([1, 2], True), "c": ([3, 4], False)}, ["y = x * c", "s = y.sum()"], "s")
    order = result["order"]
    by_id = {node["id"]: node for node in result["nodes"]}
    assert order[0] == result["output"]
    assert all(by_id[i]["requires_grad"] for i in order)
    position = {node_id: i for i, node_id in enumerate(order)}
    for node_id in order:
        for source in by_id[node_id]["inputs"]:
            if source in position:
                assert position[source] > position[node_id]
    assert named(result, "c")["id"] not in order


def test_numbers_are_float32_and_overflow_to_inf_not_to_a_hang() -> None:
    result = run({"x": ([1, 2], True)}, ["y = 10 ** 10 ** 10", "z = x * 0.1", "n = log(x - 1)"])
    assert named(result, "y")["value"] == "inf"
    assert named(result, "z")["value"] == [0.1, 0.2]  # the shortest float32 text
    assert named(result, "n")["value"][0] == "-inf"


def test_forward_only_without_backward() -> None:
    result = run({"x": ([1, 2], True)}, ["y = x * 2"])
    assert result["output"] is None and result["order"] == [] and result["grads"] == {"x": None}
    assert named(result, "y")["grad"] is None


@pytest.mark.parametrize(
    ("inputs", "code", "backward", "loc", "words"),
    [
        ({"x": ([1, 2], True)}, ["y = x * 2"], "y", ["backward"], ["shape [2]", "y.sum()"]),
        ({"x": ([1, 2], False)}, ["y = x.sum()"], "y", ["backward"], ["requires_grad"]),
        ({"x": ([1, 2], True)}, ["y = x.sum()"], "nothing", ["backward"], ["no tensor named"]),
        ({"x": ([1, 2], True)}, ["y = x.sum()"], "__class__", ["backward"], ["must start with a letter"]),
        ({"x": ([1, 2, 3], True)}, ["y = x * [1, 2]"], None, ["code", 0], ["cannot be broadcast"]),
        ({"torch": (1, True)}, [], None, ["inputs", "torch"], ["reserved"]),
        ({"x": ("1", True)}, [], None, ["inputs", "x", "value"], ["number"]),
        ({"x": ([[1, 2], [3]], True)}, [], None, ["inputs", "x", "value"], ["same shape"]),
        ({"x": ([1.0] * (LIMITS.max_elements + 1), True)}, [], None, ["inputs", "x", "value"], ["limit"]),
        ({"x": ([[1.0]] * LIMITS.max_elements, True)}, ["y = x @ x.T"], None, ["code", 0], ["1048576 elements"]),
        (
            {"a": ([1.0] * 1000, True), "b": ([[1.0]] * 1000, True)},
            ["c = a * b"],
            None,
            ["code", 0],
            ["1000000 elements"],
        ),
        ({"x": ([1.0] * 1000, True)}, [f"y{i} = x * {i}" for i in range(20)], None, ["code", 15], ["all tensors"]),
        (
            {"x": (1.0, True)},
            ["y = " + " + ".join(["x"] * 70), "z = " + " + ".join(["y"] * 70), "w = " + " + ".join(["z"] * 70)],
            None,
            ["code", 2],
            ["nodes"],
        ),
        ({f"x{i}": (1, True) for i in range(LIMITS.max_inputs + 1)}, [], None, ["inputs"], ["limit"]),
        ({"x": ([[1.0, 2.0]], True)}, ["y = x @ x"], None, ["code", 0], ["cannot be multiplied"]),
        ({"x": ([[[1.0]]], True)}, ["y = x.t()"], None, ["code", 0], ["at most 2 dimensions"]),
    ],
)
def test_mistakes_are_spec_errors_with_a_loc(
    inputs: dict[str, Any], code: list[str], backward: str | None, loc: list[Any], words: list[str]
) -> None:
    with pytest.raises(SpecError) as caught:
        run(inputs, code, backward)
    (error,) = caught.value.errors
    assert error["loc"] == loc
    assert all(word in error["msg"] for word in words), error["msg"]


@pytest.mark.parametrize("example", list(EXAMPLES.values()), ids=list(EXAMPLES))
def test_every_example_runs_and_speaks_both_languages(example: Any) -> None:
    request = example.request
    result = run(
        {k: (v["value"], v["requires_grad"]) for k, v in request["inputs"].items()},
        request["code"],
        request["backward"],
    )
    assert result["output"] is not None and result["grads"]
    assert set(example.title) == set(example.note) == {"en", "zh"}


def test_the_examples_notes_state_the_gradients_torch_gives() -> None:
    def grads(example_id: str) -> dict[str, Any]:
        request = EXAMPLES[example_id].request
        inputs = {k: (v["value"], v["requires_grad"]) for k, v in request["inputs"].items()}
        return run(inputs, request["code"], request["backward"])["grads"]

    tutorial = EXAMPLES["tutorial-mean"].note
    assert grads("tutorial-mean") == {"x": [6.0, 8.0, 10.0]}
    assert "[6, 8, 10]" in tutorial["en"] and "[4, 8, 12]" in tutorial["en"] and "2(x + 2)" in tutorial["en"]
    assert "[6, 8, 10]" in tutorial["zh"] and "[4, 8, 12]" in tutorial["zh"]
    assert grads("relu-gate") == {"x": [0.0, 0.0, 3.0, 3.0]}
    matrix = grads("matrix-vector")
    assert matrix == {"W": [[-1.0, 1.0], [-3.0, 3.0]], "x": [-10.0, -14.0], "b": [-1.0, -3.0]}
    assert "[[−1, 1], [−3, 3]]" in EXAMPLES["matrix-vector"].note["en"]
    neuron = grads("neuron")
    assert neuron["w"] < 0 and neuron["b"] < 0 and neuron["w"] == pytest.approx(2 * neuron["b"])  # x = 2
