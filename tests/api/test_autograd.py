"""`POST /api/autograd` on a real server: the tutorial's answer, hostile programs refused
with a loc into the request, and the server still answering afterwards."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

TUTORIAL = {
    "inputs": {"x": {"value": [1, 2, 3], "requires_grad": True}},
    "code": ["y = x + 2", "z = y * y * 3", "out = z.mean()"],
    "backward": "out",
}


def program(*code: str, backward: str | None = None, x: Any = (1.0, 2.0, 3.0)) -> dict[str, Any]:
    return {"inputs": {"x": {"value": list(x), "requires_grad": True}}, "code": list(code), "backward": backward}


def test_the_tutorial_example(client: httpx.Client) -> None:
    response = client.post("/api/autograd", json=TUTORIAL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["grads"] == {"x": [6.0, 8.0, 10.0]}
    by_name = {node["name"]: node for node in body["nodes"] if node["name"]}
    assert by_name["out"]["grad_fn"] == "MeanBackward0" and by_name["out"]["shape"] == []
    assert by_name["z"]["grad_fn"] == "MulBackward0" and by_name["y"]["grad_fn"] == "AddBackward0"
    assert by_name["x"]["grad_fn"] is None and by_name["x"]["is_leaf"]
    assert by_name["y"]["grad"] == [6.0, 8.0, 10.0]  # retain_grad on intermediates
    assert by_name["y"]["inputs"] == [by_name["x"]["id"], by_name["y"]["inputs"][1]]
    assert body["order"][0] == body["output"] == by_name["out"]["id"]


def test_the_examples_are_served_with_their_limits(client: httpx.Client) -> None:
    body = client.get("/api/autograd/examples").json()
    ids = [example["id"] for example in body["examples"]]
    assert "tutorial-mean" in ids and len(ids) >= 3
    assert body["limits"]["max_elements"] > 0
    for example in body["examples"]:
        assert client.post("/api/autograd", json=example["request"]).status_code == 200


BIG = [[1.0]] * 1024  # 1024 × 1: x @ x.T would be a million elements
HOSTILE: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("import", program("y = __import__('os').system('true')"), ["code", 0]),
    ("class walk", program("y = ().__class__.__bases__[0].__subclasses__()"), ["code", 0]),
    ("dunder attribute", program("y = x.__dict__"), ["code", 0]),
    ("grad_fn walk", program("y = x * 2", "z = y.grad_fn.next_functions"), ["code", 1]),
    ("torch.load", program("y = torch.load(x)"), ["code", 0]),
    ("torch.ops", program("y = torch.ops.aten.mul(x, x)"), ["code", 0]),
    ("lambda", program("f = lambda v: v * 2"), ["code", 0]),
    ("comprehension", program("y = [v * 2 for v in x]"), ["code", 0]),
    ("f-string", program("y = f'{x}'"), ["code", 0]),
    ("walrus", program("y = (z := x)"), ["code", 0]),
    ("starred", program("y = mean(*x)"), ["code", 0]),
    ("unknown keyword", program("y = sum(x, keepdim=True)"), ["code", 0]),
    ("unknown function", program("y = open(x)"), ["code", 0]),
    ("5000 parentheses", program("y = " + "(" * 5000 + "x" + ")" * 5000), ["code"]),
    ("100k line", program("y = " + "x + " * 25_000 + "x"), ["code"]),
    ("long line", program("y = x", "y = " + "x + " * 100 + "x"), ["code", 1]),
    ("deep unary", program("y = " + "-" * 200 + "x"), ["code", 0]),
    ("exponent tower", program("y = " + "9 ** " * 60 + "9"), ["code", 0]),
    ("huge matmul", {"inputs": {"x": {"value": BIG}}, "code": ["y = x @ x.T"]}, ["code", 0]),
    ("outer product", program("y = x * [[1]] * [[" + ", ".join(["1"] * 60) + "]]", x=[1.0] * 1000), ["code", 0]),
    ("constructor", program("y = ones(10 ** 9)"), ["code", 0]),
    ("self reference", program("y = y + 1"), ["code", 0]),
    ("undefined", program("y = nope * 2"), ["code", 0]),
    ("assign torch", program("torch = x"), ["code", 0]),
    ("subscript", program("y = x[0]"), ["code", 0]),
    ("too many lines", program(*["y = x"] * 500), ["code"]),
    ("non-scalar backward", program("y = x * 2", backward="y"), ["backward"]),
    ("backward of nothing", program("y = x * 2", backward="missing"), ["backward"]),
    ("bool value", {"inputs": {"x": {"value": [True, False]}}, "code": []}, ["inputs", "x", "value", 0]),
    ("ragged value", {"inputs": {"x": {"value": [[1], [1, 2]]}}, "code": []}, ["inputs", "x", "value"]),
    ("huge value", {"inputs": {"x": {"value": [0.5] * 100_000}}, "code": []}, ["inputs", "x", "value"]),
    ("bad input name", {"inputs": {"__class__": {"value": 1}}, "code": []}, ["inputs", "__class__"]),
    ("code not a list", {"inputs": {}, "code": "y = 1"}, ["code"]),
]


@pytest.mark.parametrize(("case", "body", "loc"), HOSTILE, ids=[case for case, _, _ in HOSTILE])
def test_hostile_programs_are_422_with_a_loc(
    client: httpx.Client, case: str, body: dict[str, Any], loc: list[Any]
) -> None:
    response = client.post("/api/autograd", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == loc and detail[0]["msg"]


def test_the_server_is_alive_and_right_after_the_hostile_corpus(client: httpx.Client) -> None:
    for _, body, _ in HOSTILE:
        client.post("/api/autograd", json=body)
    assert client.get("/api/health").status_code == 200
    assert client.post("/api/autograd", json=TUTORIAL).json()["grads"] == {"x": [6.0, 8.0, 10.0]}


def test_a_request_at_the_limits_is_answered(client: httpx.Client) -> None:
    limits = client.get("/api/autograd/examples").json()["limits"]
    n = limits["max_elements"]
    # 1024 + 5 × (1 + 2 × 1024) + 4 × 1024 + 1 = 15 366 elements, under max_total_elements
    code = [f"y{i} = (x * {i + 1}).sigmoid()" for i in range(5)] + [
        "s = (" + " + ".join(f"y{i}" for i in range(5)) + ").sum()"
    ]
    response = client.post("/api/autograd", json=program(*code, backward="s", x=[0.001 * i for i in range(n)]))
    assert response.status_code == 200, response.text
    assert len(response.json()["grads"]["x"]) == n
