"""Teaching examples for the autograd explorer (`GET /api/autograd/examples`).

Each is a full `POST /api/autograd` body with a title and a note, in English and
Simplified Chinese, saying what the gradients are and why (the chain rule, worked out).
"""

from __future__ import annotations

from typing import Any

from torchplay.presets import Preset  # the same shape as a job preset: id, title, note, request


def _input(value: object, requires_grad: bool = True) -> dict[str, Any]:
    return {"value": value, "requires_grad": requires_grad}


EXAMPLES: dict[str, Preset] = {
    example.id: example
    for example in [
        Preset(
            "tutorial-mean",
            {"en": "The tutorial's first gradient", "zh": "教程里的第一个梯度"},
            {
                "en": "out = mean(3·(x + 2)²) over the three elements of x. The chain rule, from out back "
                "to x: d out/dz = 1/3 for each element (mean), dz/dy = 3·2y = 6y (z = 3y²), dy/dx = 1 "
                "(y = x + 2). Multiplied: d out/dx = 6(x + 2)/3 = 2(x + 2) = [6, 8, 10] for x = [1, 2, 3]. "
                "The tutorial prints [4, 8, 12] here: that is a slip — PyTorch gives [6, 8, 10], as this "
                "run shows. Step through backward: y is used twice in y * y, so it receives two "
                "gradients, g·y each, which add up to 2y·g.",
                "zh": "out = mean(3·(x + 2)²)，对 x 的三个元素取平均。按链式法则从 out 往回走：d out/dz = 1/3"
                "（求平均），dz/dy = 3·2y = 6y（z = 3y²），dy/dx = 1（y = x + 2）。相乘得 "
                "d out/dx = 6(x + 2)/3 = 2(x + 2)，当 x = [1, 2, 3] 时为 [6, 8, 10]。教程在这里打印的是 "
                "[4, 8, 12]，那是笔误——PyTorch 给出的是 [6, 8, 10]，正如这次运行所示。逐步查看反向传播："
                "y 在 y * y 中用了两次，所以它收到两份梯度，每份是 g·y，加起来是 2y·g。",
            },
            {
                "inputs": {"x": _input([1.0, 2.0, 3.0])},
                "code": ["y = x + 2", "z = y * y * 3", "out = z.mean()"],
                "backward": "out",
            },
        ),
        Preset(
            "neuron",
            {"en": "One neuron and its loss", "zh": "一个神经元和它的损失"},
            {
                "en": "A single sigmoid neuron: z = w·x + b, a = σ(z), and the squared error to the target t. "
                "backward() gives dL/dw = 2(a − t) · σ(z)(1 − σ(z)) · x and dL/db = the same without the "
                "final x: the gradient a training step uses. Both are negative here, because a is below "
                "t: raising w and b lowers the loss. x and t do not ask for a gradient (requires_grad "
                "off), so backward() stops at them.",
                "zh": "一个 sigmoid 神经元：z = w·x + b，a = σ(z)，再与目标 t 求平方误差。backward() 给出 "
                "dL/dw = 2(a − t) · σ(z)(1 − σ(z)) · x，dL/db 相同但少了最后的 x：这正是训练一步要用的梯度。"
                "这里两者都是负数，因为 a 小于 t：增大 w 和 b 会降低损失。x 和 t 不需要梯度"
                "（requires_grad 关闭），所以反向传播在它们那里停下。",
            },
            {
                "inputs": {
                    "x": _input(2.0, False),
                    "w": _input(0.5),
                    "b": _input(0.1),
                    "t": _input(1.0, False),
                },
                "code": ["z = w * x + b", "a = sigmoid(z)", "loss = (a - t) ** 2"],
                "backward": "loss",
            },
        ),
        Preset(
            "relu-gate",
            {"en": "ReLU passes or blocks the gradient", "zh": "ReLU 放行或阻断梯度"},
            {
                "en": "relu(x) is x where x > 0 and 0 elsewhere, so its local derivative is 1 or 0. The "
                "gradient that reaches h is 3 everywhere, but only the positive elements of x pass it on: "
                "x.grad = [0, 0, 3, 3]. A neuron whose input stays negative gets no gradient and stops "
                "learning (a “dead ReLU”). At exactly 0 PyTorch uses the derivative 0.",
                "zh": "relu(x) 在 x > 0 处等于 x，其余处为 0，所以它的局部导数是 1 或 0。到达 h 的梯度处处为 3，"
                "但只有 x 中为正的元素把它传回去：x.grad = [0, 0, 3, 3]。输入一直为负的神经元得不到梯度，"
                "于是不再学习（所谓“死亡 ReLU”）。在恰好为 0 的地方，PyTorch 取导数为 0。",
            },
            {
                "inputs": {"x": _input([-2.0, -0.5, 1.0, 3.0])},
                "code": ["h = relu(x)", "out = (h * 3).sum()"],
                "backward": "out",
            },
        ),
        Preset(
            "matrix-vector",
            {"en": "A linear layer by hand", "zh": "手写一个线性层"},
            {
                "en": "y = W @ x + b is what nn.Linear computes. With loss = Σ y², the gradient arriving at y "
                "is 2y = [−1, −3]. Matrix multiplication sends it back as an outer product to W "
                "(dL/dW = 2y · xᵀ = [[−1, 1], [−3, 3]]) and through the transpose to x "
                "(dL/dx = Wᵀ · 2y = [−10, −14]); b receives 2y itself. Each gradient has the shape of "
                "its tensor.",
                "zh": "y = W @ x + b 正是 nn.Linear 的计算。取 loss = Σ y²，到达 y 的梯度是 2y = [−1, −3]。"
                "矩阵乘法把它以外积的形式传给 W（dL/dW = 2y · xᵀ = [[−1, 1], [−3, 3]]），经转置传给 x"
                "（dL/dx = Wᵀ · 2y = [−10, −14]）；b 收到的就是 2y。每个梯度的形状都与它的张量相同。",
            },
            {
                "inputs": {
                    "W": _input([[1.0, 2.0], [3.0, 4.0]]),
                    "x": _input([1.0, -1.0]),
                    "b": _input([0.5, -0.5]),
                },
                "code": ["y = W @ x + b", "loss = (y ** 2).sum()"],
                "backward": "loss",
            },
        ),
    ]
}
