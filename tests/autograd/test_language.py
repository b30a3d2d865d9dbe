"""The explorer's language: what it reads, and the hostile text it refuses with a loc."""

from __future__ import annotations

import pytest

from torchplay.autograd.language import Apply, Array, Name, Number, parse_program
from torchplay.autograd.limits import LIMITS
from torchplay.spec import SpecError


def parse(line: str, names: tuple[str, ...] = ("x", "w")) -> Apply | Name | Number | Array:
    return parse_program([line], names).statements[0].expr


def shape(expr: object) -> object:
    """The tree as nested tuples: ("mul", "x", 2.0)."""
    if isinstance(expr, Apply):
        return (expr.op, *(shape(arg) for arg in expr.args), *(() if expr.dim is None else (f"dim={expr.dim}",)))
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Number):
        return expr.value
    assert isinstance(expr, Array)
    return expr.values


@pytest.mark.parametrize(
    ("line", "tree"),
    [
        ("y = x + 2 * w", ("add", "x", ("mul", 2.0, "w"))),
        ("y = x - w - 1", ("sub", ("sub", "x", "w"), 1.0)),
        ("y = -x ** 2", ("neg", ("pow", "x", 2.0))),  # as in Python: -(x ** 2)
        ("y = -2 ** 2", ("neg", ("pow", 2.0, 2.0))),
        ("y = x * -2", ("mul", "x", -2.0)),
        ("y = 2 ** 3 ** 2", ("pow", 2.0, ("pow", 3.0, 2.0))),  # right-associative
        ("y = x ** -1", ("pow", "x", -1.0)),
        ("y = w @ x + 1", ("add", ("matmul", "w", "x"), 1.0)),
        ("y = (x + 1) * w", ("mul", ("add", "x", 1.0), "w")),
        ("y = +x", "x"),
        ("y = x.mean()", ("mean", "x")),
        ("y = mean(x)", ("mean", "x")),
        ("y = torch.mean(x)", ("mean", "x")),
        ("y = x.sum(0)", ("sum", "x", "dim=0")),
        ("y = sum(x, -1)", ("sum", "x", "dim=-1")),
        ("y = torch.sum(x, dim=1)", ("sum", "x", "dim=1")),
        ("y = x.pow(2)", ("pow", "x", 2.0)),
        ("y = pow(x, w)", ("pow", "x", "w")),
        ("y = w.T", ("t", "w")),
        ("y = w.t().matmul(x)", ("matmul", ("t", "w"), "x")),
        ("y = x.sigmoid().relu()", ("relu", ("sigmoid", "x"))),
        ("y = [[1, -2], [3.5, 1e-3]]", ((1.0, -2.0), (3.5, 0.001))),
        ("y = x * 3  # a comment", ("mul", "x", 3.0)),
        ("t = x", "x"),  # `t` is the transpose function only when called
    ],
)
def test_reads_what_it_documents(line: str, tree: object) -> None:
    assert shape(parse(line)) == tree


def test_blank_and_comment_lines_keep_their_line_numbers() -> None:
    program = parse_program(["", "# note", "y = x", "z = y"], ["x"])
    assert [s.line for s in program.statements] == [2, 3]


def test_later_lines_see_earlier_names_only() -> None:
    assert len(parse_program(["y = x", "z = y * x"], ["x"]).statements) == 2
    with pytest.raises(SpecError) as caught:
        parse_program(["z = y * x", "y = x"], ["x"])
    assert caught.value.errors[0]["loc"] == ["code", 0]


HOSTILE = [
    "y = __import__('os')",
    "y = ().__class__.__bases__",
    "y = x.__dict__",
    "y = x.__class__.__mro__",
    "y = x.grad_fn.next_functions",
    "y = x.grad",
    "y = x.data",
    "y = torch.load(x)",
    "y = torch.save(x, x)",
    "y = torch.ops.aten.add(x, x)",
    "y = torch",
    "torch = x",
    "y = lambda v: v",
    "y = [v for v in x]",
    "y = {v: v for v in x}",
    "y = f'{x}'",
    "y = 'text'",
    "y = (z := x)",
    "y = *x",
    "y = mean(x, keepdim=1)",
    "y = mean(x, axis=0)",
    "y = unknown(x=1)",
    "y = print(x)",
    "y = exec('1')",
    "y = eval",
    "y = ones(10 ** 9)",
    "y = zeros(1000000000)",
    "y = x[0]",
    "y = x[1:]",
    "y = x if x else w",
    "y = x; import os",
    "import os",
    "y = y + 1",  # a name defined by its own line: no recursion, just undefined
    "y = undefined_name",
    "y = x(1)",
    "y = x.mean",
    "y = x.T()",
    "y = x // 2",
    "y = x % 2",
    "y = x < w",
    "y = ~x",
    "a = b = x",
    "é = x",
    "y = x\\",
    "y = " + "(" * (LIMITS.max_depth + 1) + "x" + ")" * (LIMITS.max_depth + 1),
    "y = " + "-" * (LIMITS.max_depth + 1) + "x",
    "y = " + "2 ** " * (LIMITS.max_depth + 1) + "2",
    "y = [" * (LIMITS.max_dims + 1) + "1" + "]" * (LIMITS.max_dims + 1),
    "y = x.sum(99)",
    "y = x.sum(0.5)",
    "y = x.mean(dim=0, dim=0)",
    "y = 1x",
    "lambda = x",
    "True = x",
    "y = None",
]


@pytest.mark.parametrize("line", HOSTILE)
def test_hostile_lines_are_refused_at_their_line(line: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_program(["ok = x", line], ["x", "w"])
    (error,) = caught.value.errors
    assert error["loc"] == ["code", 1]
    assert error["msg"]


def test_sizes_are_checked_before_parsing() -> None:
    cases = [
        (["y = " + "(" * 5000 + "x" + ")" * 5000], ["code"]),  # over the code size
        (["y = " + "x + " * 100_000 + "x"], ["code"]),
        (["y = x"] * (LIMITS.max_lines + 1), ["code"]),
        (["y = x", "y = " + "x + " * 80 + "x"], ["code", 1]),  # one line over its length
    ]
    for code, loc in cases:
        with pytest.raises(SpecError) as caught:
            parse_program(code, ["x"])
        assert caught.value.errors[0]["loc"] == loc


def test_the_message_says_where_and_what() -> None:
    with pytest.raises(SpecError) as caught:
        parse_program(["y = x.grad_fn"], ["x"])
    msg = caught.value.errors[0]["msg"]
    assert msg.startswith("column 7:") and "grad_fn" in msg and "mean" in msg
