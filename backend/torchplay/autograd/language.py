"""The explorer's language: one assignment per line, parsed by hand into a small tree.

    y = x + 2
    z = y * y * 3          # a comment
    out = z.mean()         # or mean(z), or torch.mean(z)

Names, numbers, lists of numbers (constant tensors), `+ - * / ** @` with Python's
precedence, unary minus, parentheses, and the operations of `ops.OPS`, spelled as a
function (`relu(z)`), through `torch.` (`torch.relu(z)`) or as a method (`z.relu()`);
`z.T` transposes. `sum`/`mean` take an optional integer `dim` (`z.sum(0)`, `sum(z, dim=1)`).

Nothing here is Python: the text is never given to `eval`, `exec`, `compile` or even
`ast.parse` (whose C parser can crash on deep nesting, and whose AST counter is shared
between threads in CPython 3.11). A tokenizer accepts only the characters above and a
recursive-descent parser builds the tree, so every name, attribute and call is checked
against the allow-list as it is read. Every size is bounded before the work it guards.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from torchplay.autograd.limits import LIMITS, ExplorerLimits
from torchplay.autograd.ops import ATTRIBUTES, FUNCTIONS, INFIX, METHODS, OPS, Op
from torchplay.spec.errors import SpecError

RESERVED = frozenset({"torch", *keyword.kwlist, *keyword.softkwlist})
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_TOKEN = re.compile(
    r"(?P<space>[ \t]+)"
    r"|(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|==|!=|<=|>=|:=|->|<<|>>|[-+*/@()\[\],.=%<>&|^~!:;{}\"'`$?\\#])"
)
_UNSUPPORTED = {
    "//": "floor division has no gradient; use /",
    ":=": "assignment expressions (:=) are not part of this language",
    ":": "':' is not part of this language (no slices, lambdas or annotations)",
    ";": "write one statement per line",
    '"': "strings are not part of this language",
    "'": "strings are not part of this language",
    "`": "backquotes are not part of this language",
    "{": "dicts and sets are not part of this language",
    "}": "dicts and sets are not part of this language",
    "\\": "line continuations are not part of this language",
}
_OPERATORS_HINT = "the operators are + - * / ** @"


@dataclass(frozen=True)
class Number:
    value: float
    text: str
    col: int


@dataclass(frozen=True)
class Array:
    """A list literal: a constant tensor (nested tuples of numbers, rectangular)."""

    values: tuple[object, ...]
    shape: tuple[int, ...]
    text: str
    col: int


@dataclass(frozen=True)
class Name:
    id: str
    text: str
    col: int


@dataclass(frozen=True)
class Apply:
    op: str  # a key of ops.OPS
    args: tuple[Expr, ...]
    dim: int | None
    text: str
    col: int


Expr = Number | Array | Name | Apply


@dataclass(frozen=True)
class Statement:
    target: str
    expr: Expr
    line: int  # index into the request's `code` list


@dataclass(frozen=True)
class Program:
    statements: tuple[Statement, ...]


class _Problem(Exception):
    """A mistake at a column of the current line (turned into a SpecError with its loc)."""

    def __init__(self, col: int, msg: str) -> None:
        super().__init__(msg)
        self.col = col
        self.msg = msg


def check_name(name: str, loc: Sequence[str | int], what: str = "name") -> None:
    """A variable name: ASCII letters, digits and `_`, starting with a letter, not reserved."""
    if not NAME_PATTERN.fullmatch(name) or len(name) > 40:
        raise SpecError(
            loc, f"{what} {name[:40]!r} must start with a letter and use only letters, digits and _ (40 at most)"
        )
    if name in RESERVED:
        raise SpecError(loc, f"{what} {name!r} is reserved")


def parse_program(code: Sequence[str], names: Iterable[str], limits: ExplorerLimits = LIMITS) -> Program:
    """Check the sizes, then parse each line; `names` are the inputs defined before line 0."""
    if len(code) > limits.max_lines:
        raise SpecError(("code",), f"{len(code)} lines; the limit is {limits.max_lines}")
    if sum(len(line) for line in code) > limits.max_code_chars:
        raise SpecError(("code",), f"the code is over {limits.max_code_chars} characters")
    defined = set(names)
    statements: list[Statement] = []
    for index, line in enumerate(code):
        if len(line) > limits.max_line_chars:
            raise SpecError(
                ("code", index), f"line is {len(line)} characters long; the limit is {limits.max_line_chars}"
            )
        try:
            statement = _parse_line(line, index, defined, limits)
        except _Problem as problem:
            raise SpecError(("code", index), f"column {problem.col + 1}: {problem.msg}") from None
        except RecursionError:  # bounded by max_depth; this is the last line of defence
            raise SpecError(("code", index), "the expression is nested too deeply") from None
        if statement is not None:
            statements.append(statement)
            defined.add(statement.target)
    return Program(tuple(statements))


def _parse_line(line: str, index: int, defined: set[str], limits: ExplorerLimits) -> Statement | None:
    _check_nesting(line, limits.max_depth)
    tokens = _tokenize(line)
    if not tokens:
        return None  # a blank or comment-only line
    parser = _Parser(line, tokens, defined, limits)
    return parser.statement(index)


def _check_nesting(line: str, max_depth: int) -> None:
    """Before any parsing: bracket depth on the raw text, so no input can recurse deeply."""
    depth = 0
    for col, char in enumerate(line):
        if char == "#":
            return
        if char in "([":
            depth += 1
            if depth > max_depth:
                raise _Problem(col, f"brackets nested more than {max_depth} deep")
        elif char in ")]":
            depth -= 1


@dataclass(frozen=True)
class _Token:
    kind: str  # "number" | "name" | "op" | "end"
    text: str
    col: int


def _tokenize(line: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(line):
        match = _TOKEN.match(line, pos)
        if match is None:
            raise _Problem(pos, f"unexpected character {line[pos]!r}")
        kind, text = match.lastgroup or "", match.group()
        if text == "#":
            break
        if kind == "name" and text.startswith("_"):
            raise _Problem(pos, f"names may not start with '_' ({text!r})")
        if kind == "number" and match.end() < len(line) and (line[match.end()].isalpha() or line[match.end()] == "_"):
            raise _Problem(match.end(), f"unexpected {line[match.end()]!r} after the number {text}")
        if kind == "op" and text in _UNSUPPORTED:
            raise _Problem(pos, _UNSUPPORTED[text])
        if kind == "op" and text not in {"**", "+", "-", "*", "/", "@", "(", ")", "[", "]", ",", ".", "="}:
            raise _Problem(pos, f"{text!r} is not supported; {_OPERATORS_HINT}")
        if kind != "space":
            tokens.append(_Token(kind, text, pos))
        pos = match.end()
    if tokens:
        tokens.append(_Token("end", "", len(line)))
    return tokens


# Binding power of the left-associative infix operators, as in Python (`**` is handled apart).
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2}


class _Parser:
    def __init__(self, line: str, tokens: list[_Token], defined: set[str], limits: ExplorerLimits) -> None:
        self.line = line
        self.tokens = tokens
        self.pos = 0
        self.defined = defined
        self.limits = limits
        self.depth = 0

    # -- tokens --
    @property
    def current(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def accept(self, text: str) -> bool:
        if self.current.kind == "op" and self.current.text == text:
            self.pos += 1
            return True
        return False

    def expect(self, text: str, what: str) -> _Token:
        if not (self.current.kind == "op" and self.current.text == text):
            raise _Problem(self.current.col, f"expected {what}, found {self._describe(self.current)}")
        return self.advance()

    @staticmethod
    def _describe(token: _Token) -> str:
        return "the end of the line" if token.kind == "end" else repr(token.text)

    def span(self, start: int) -> str:
        end = self.tokens[self.pos - 1]
        return self.line[start : end.col + len(end.text)].strip()

    def nested(self, col: int) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise _Problem(col, f"the expression is nested more than {self.limits.max_depth} deep")

    # -- grammar --
    def statement(self, index: int) -> Statement:
        first = self.current
        if first.kind != "name" or not (self.tokens[1].kind == "op" and self.tokens[1].text == "="):
            raise _Problem(first.col, "each line is an assignment: name = expression")
        self._check_target(first)
        self.pos = 2
        expr = self.expression()
        if self.current.kind != "end":
            token = self.current
            hint = " (one assignment per line)" if token.text == "=" else ""
            raise _Problem(token.col, f"unexpected {self._describe(token)}{hint}")
        return Statement(first.text, expr, index)

    def _check_target(self, token: _Token) -> None:
        if token.text in RESERVED:
            raise _Problem(token.col, f"{token.text!r} is reserved and cannot be assigned")

    def expression(self, min_precedence: int = 1) -> Expr:
        start = self.current.col
        left = self.unary()
        while self.current.kind == "op" and _PRECEDENCE.get(self.current.text, 0) >= min_precedence:
            symbol = self.advance().text
            right = self.expression(_PRECEDENCE[symbol] + 1)
            left = Apply(INFIX[symbol].name, (left, right), None, self.span(start), start)
        return left

    def unary(self) -> Expr:
        token = self.current
        if token.kind == "op" and token.text in "+-":
            self.advance()
            self.nested(token.col)
            operand = self.unary()
            self.depth -= 1
            if token.text == "+":
                return operand
            if isinstance(operand, Number):  # `-2` is a literal, as in Python (`-2 ** 2` is not)
                return Number(-operand.value, self.span(token.col), token.col)
            return Apply("neg", (operand,), None, self.span(token.col), token.col)
        return self.power()

    def power(self) -> Expr:
        start = self.current.col
        base = self.postfix()
        if self.current.kind == "op" and self.current.text == "**":
            token = self.advance()
            self.nested(token.col)
            exponent = self.unary()  # right-associative, and `2 ** -1` works, as in Python
            self.depth -= 1
            return Apply("pow", (base, exponent), None, self.span(start), start)
        return base

    def postfix(self) -> Expr:
        start = self.current.col
        expr = self.atom()
        while True:
            if self.accept("."):
                attribute = self.current
                if attribute.kind != "name":
                    raise _Problem(
                        attribute.col, f"expected a method name after '.', found {self._describe(attribute)}"
                    )
                self.advance()
                expr = self._member(expr, attribute, start)
            elif self.current.kind == "op" and self.current.text == "(":
                raise _Problem(self.current.col, "only functions and methods can be called")
            elif self.current.kind == "op" and self.current.text == "[":
                raise _Problem(self.current.col, "indexing (x[…]) is not part of this language")
            else:
                return expr

    def _member(self, target: Expr, attribute: _Token, start: int) -> Expr:
        name = attribute.text
        calling = self.current.kind == "op" and self.current.text == "("
        if not calling and name in ATTRIBUTES:
            return Apply(ATTRIBUTES[name].name, (target,), None, self.span(start), start)
        if not calling or name not in METHODS:
            available = ", ".join(sorted(METHODS)) + ", T"
            raise _Problem(attribute.col, f"{name!r} is not available on a tensor; available: {available}")
        op = OPS[name]
        args, dim = self.arguments(op, op.arity - 1)
        return self._apply(op.name, (target, *args), dim, start, attribute.col)

    def atom(self) -> Expr:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Number(float(token.text), token.text, token.col)
        if token.kind == "name":
            return self._name_or_call(token)
        if token.kind == "op" and token.text == "(":
            self.advance()
            if self.current.kind == "op" and self.current.text == ")":
                raise _Problem(token.col, "empty parentheses")
            inner = self.expression()
            self.expect(")", "')'")
            return inner
        if token.kind == "op" and token.text == "[":
            return self.array()
        raise _Problem(token.col, f"expected a value, found {self._describe(token)}")

    def _name_or_call(self, token: _Token) -> Expr:
        self.advance()
        name = token.text
        if name == "torch":
            self.expect(".", "'.' after torch (torch.mean(…), …)")
            function = self.advance()
            if function.kind != "name" or function.text not in FUNCTIONS:
                shown = function.text if function.kind != "end" else ""
                raise _Problem(
                    function.col, f"torch.{shown} is not available; functions: {', '.join(sorted(FUNCTIONS))}"
                )
            return self._call(function, token.col)
        if name in keyword.kwlist or name in keyword.softkwlist:
            raise _Problem(token.col, f"{name!r} is Python syntax, not part of this language")
        if self.current.kind == "op" and self.current.text == "(":
            if name not in FUNCTIONS:
                kind = "a tensor, not a function" if name in self.defined else "not an available function"
                raise _Problem(token.col, f"{name!r} is {kind}; functions: {', '.join(sorted(FUNCTIONS))}")
            return self._call(token, token.col)
        if name not in self.defined:
            known = ", ".join(sorted(self.defined)) or "none yet"
            raise _Problem(token.col, f"{name!r} is not defined (defined so far: {known})")
        return Name(name, name, token.col)

    def _call(self, function: _Token, start: int) -> Expr:
        op = FUNCTIONS[function.text]
        args, dim = self.arguments(op, op.arity)
        return self._apply(op.name, args, dim, start, function.col)

    def _apply(self, name: str, args: tuple[Expr, ...], dim: int | None, start: int, col: int) -> Apply:
        op = OPS[name]
        if len(args) != op.arity:
            raise _Problem(col, f"{name}() takes {op.arity} tensor(s), got {len(args)}")
        return Apply(name, args, dim, self.span(start), start)

    def arguments(self, op: Op, tensors: int) -> tuple[tuple[Expr, ...], int | None]:
        """`( expr, … [, dim] [, dim=k] )`: a number after the `tensors` operands, or `dim=`,
        is the dim of an op that takes one."""
        name, takes_dim = op.name, op.takes_dim
        open_paren = self.expect("(", "'('")
        self.nested(open_paren.col)
        args: list[Expr] = []
        dim: int | None = None
        while not (self.current.kind == "op" and self.current.text == ")"):
            if args or dim is not None:
                self.expect(",", "',' or ')'")
            if self.current.kind == "name" and self.tokens[self.pos + 1].text == "=":
                keyword_token = self.advance()
                self.advance()
                if dim is not None:
                    raise _Problem(keyword_token.col, "dim is given twice")
                if not takes_dim or keyword_token.text != "dim":
                    raise _Problem(keyword_token.col, f"{name}() takes no keyword {keyword_token.text!r} here")
                dim = self._dim(name)
            elif dim is not None:
                raise _Problem(self.current.col, "positional argument after dim=")
            else:
                args.append(self.expression())
        self.advance()
        self.depth -= 1
        last = args[-1] if args else None
        if takes_dim and dim is None and len(args) == tensors + 1 and isinstance(last, Number):
            args.pop()
            dim = self._integer(last)
        return tuple(args), dim

    def _dim(self, name: str) -> int:
        expr = self.unary()
        if not isinstance(expr, Number):
            raise _Problem(getattr(expr, "col", 0), f"{name}()'s dim must be an integer")
        return self._integer(expr)

    def _integer(self, number: Number) -> int:
        if not number.value.is_integer() or abs(number.value) > self.limits.max_dims:
            raise _Problem(
                number.col, f"dim must be an integer between -{self.limits.max_dims} and {self.limits.max_dims}"
            )
        return int(number.value)

    def array(self) -> Array:
        """A rectangular list of numbers (optionally signed), nested up to max_dims."""
        start = self.current.col
        values, shape = self._array_level(1)
        count = 1
        for size in shape:
            count *= size
        if count > self.limits.max_elements:
            raise _Problem(start, f"the list has {count} elements; the limit is {self.limits.max_elements}")
        return Array(values, shape, self.span(start), start)

    def _array_level(self, depth: int) -> tuple[tuple[object, ...], tuple[int, ...]]:
        open_bracket = self.expect("[", "'['")
        if depth > self.limits.max_dims:
            raise _Problem(open_bracket.col, f"lists nest at most {self.limits.max_dims} deep (a tensor's dimensions)")
        items: list[object] = []
        inner: tuple[int, ...] | None = None
        while not self.accept("]"):
            if items:
                self.expect(",", "',' or ']'")
                if self.accept("]"):
                    break
            token = self.current
            if token.kind == "op" and token.text == "[":
                values, shape = self._array_level(depth + 1)
                items.append(values)
                item_shape: tuple[int, ...] = shape
            else:
                items.append(self._signed_number())
                item_shape = ()
            if inner is not None and item_shape != inner:
                raise _Problem(token.col, "the rows of a list must all have the same shape")
            inner = item_shape
            if len(items) > self.limits.max_elements:
                raise _Problem(token.col, f"a list has at most {self.limits.max_elements} elements")
        return tuple(items), (len(items), *(inner or ()))

    def _signed_number(self) -> float:
        token = self.current
        sign = 1.0
        while self.current.kind == "op" and self.current.text in "+-":
            sign = -sign if self.advance().text == "-" else sign
        number = self.advance()
        if number.kind != "number":
            raise _Problem(token.col, "a list holds numbers only (it is a constant tensor)")
        return sign * float(number.text)
