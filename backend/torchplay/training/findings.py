"""What the doctor found, in words: each finding kind's explanation and suggested change, in English and Chinese.

A finding carries its evidence as numbers; the texts here are filled in from them, so the
event read by the page, the CLI or a script says the same thing in both languages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, get_args

from torchplay.spec.events import FindingKind

FINDING_KINDS: tuple[str, ...] = get_args(FindingKind)
Evidence = dict[str, float | int | str | None]


@dataclass(frozen=True)
class Words:
    explanation: str
    suggestion: str


# {placeholders} are filled from `_display(evidence)`: percentages as whole numbers, losses to 4 figures.
# A kind may have a `<kind>_nonfinite` variant, used when the evidence says `nonfinite` (a
# measured value is NaN, infinite or zero where it divides).
TEXTS: dict[str, dict[str, Words]] = {
    "dead_relu": {
        "en": Words(
            "{dead_pct} % of this layer's neurons output zero for every sample it was shown. A ReLU that is "
            "zero everywhere passes no gradient back, so nothing can revive it: that part of the network has "
            "stopped learning. It usually means the layer before pushed its outputs far negative (a large "
            "negative bias, a learning rate too high, or an unlucky initialisation).",
            "Lower the learning rate, or use LeakyReLU or GELU here, or put a BatchNorm1d/BatchNorm2d before it.",
        ),
        "zh": Words(
            "该层 {dead_pct}% 的神经元对所有样本都输出 0。处处为 0 的 ReLU 不会回传任何梯度，因此无法自行恢复："
            "网络的这一部分已经停止学习。通常是前一层把输出推到了很负的位置（很大的负偏置、过高的学习率或不走运的初始化）。",
            "降低学习率，或在这里改用 LeakyReLU 或 GELU，或在它前面加一个 BatchNorm1d/BatchNorm2d。",
        ),
    },
    "saturation": {
        "en": Words(
            "{saturated_pct} % of this layer's outputs sit in the flat tails of the {activation}, where its slope "
            "is under 5 % of its peak. Gradients through a saturated unit are almost zero, so the layers before "
            "it barely learn while the loss is still high ({loss}).",
            "Scale the inputs to about [-1, 1], lower the learning rate, use a smaller initialisation, or switch "
            "hidden layers to ReLU/GELU.",
        ),
        "zh": Words(
            "该层 {saturated_pct}% 的输出落在 {activation} 平坦的两端，那里的斜率不到峰值的 5%。"
            "经过饱和单元的梯度几乎为 0，因此在损失仍然很高（{loss}）时，它前面的层几乎学不到东西。",
            "把输入缩放到约 [-1, 1]，降低学习率，使用更小的初始化，或把隐藏层换成 ReLU/GELU。",
        ),
    },
    "vanishing_gradient": {
        "en": Words(
            "The gradient reaching this layer is {shrink} times smaller, relative to its weights, than at layer "
            "{reference}. Each layer in between scales the gradient down (a sigmoid passes at most a quarter of "
            "it), so in a deep chain the first layers receive almost nothing and stay where they started.",
            "Use ReLU or GELU instead of Sigmoid/Tanh in hidden layers, make the network shallower, or add "
            "BatchNorm or Residual blocks.",
        ),
        "zh": Words(
            "相对于权重大小，到达该层的梯度比第 {reference} 层小 {shrink} 倍。中间每一层都会把梯度缩小"
            "（sigmoid 最多只传回四分之一），所以在很深的链条里，前面几层几乎收不到梯度，停留在初始状态。",
            "在隐藏层用 ReLU 或 GELU 代替 Sigmoid/Tanh，减少层数，或加入 BatchNorm 或 Residual 块。",
        ),
    },
    "vanishing_gradient_nonfinite": {
        "en": Words(
            "No measurable gradient reaches this layer (it is zero to eight decimal places) while layer "
            "{reference} gets one. Each layer in between scales the gradient down (a sigmoid passes at most a "
            "quarter of it), so in a deep chain the first layers receive nothing and stay where they started.",
            "Use ReLU or GELU instead of Sigmoid/Tanh in hidden layers, make the network shallower, or add "
            "BatchNorm or Residual blocks.",
        ),
        "zh": Words(
            "第 {reference} 层有梯度，而到达该层的梯度小到无法测量（小数点后八位都是 0）。中间每一层都会把梯度缩小"
            "（sigmoid 最多只传回四分之一），所以在很深的链条里，前面几层收不到梯度，停留在初始状态。",
            "在隐藏层用 ReLU 或 GELU 代替 Sigmoid/Tanh，减少层数，或加入 BatchNorm 或 Residual 块。",
        ),
    },
    "exploding_gradient": {
        "en": Words(
            "The gradient of this layer's weights is {ratio} times as large as the weights themselves. A step that "
            "size changes the weights by more than they are worth: the loss jumps around, and values can grow "
            "until they overflow to NaN.",
            "Lower the learning rate, set grad_clip (for example 1.0), or use a smaller initialisation or BatchNorm.",
        ),
        "zh": Words(
            "该层权重的梯度是权重本身大小的 {ratio} 倍。这么大的一步会让权重的变化超过它本身："
            "损失会剧烈跳动，数值可能一直增长直到溢出成 NaN。",
            "降低学习率，设置 grad_clip（例如 1.0），或使用更小的初始化或 BatchNorm。",
        ),
    },
    "stalled": {
        "en": Words(
            "The training loss has stayed at {loss} for {window} epochs (its best improved by less than 0.1 %); "
            "always predicting the same answer scores {guess}. The network is not learning.",
            "Raise the learning rate (try the LR finder), check that the inputs are scaled, or look for dead or "
            "saturated layers above.",
        ),
        "zh": Words(
            "训练损失已经在 {loss} 停留了 {window} 个 epoch（最佳值的改善不到 0.1%）；"
            "总是给出同一个答案的得分是 {guess}。网络没有在学习。",
            "提高学习率（试试学习率探测器），检查输入是否已缩放，或查看上面是否有死亡或饱和的层。",
        ),
    },
    "diverging_nonfinite": {
        "en": Words(
            "The loss is {loss} at epoch {epoch}: the weights or activations are no longer finite numbers. "
            "The updates overshot until the values overflowed.",
            "Lower the learning rate by 10× or more (try the LR finder), or set grad_clip.",
        ),
        "zh": Words(
            "第 {epoch} 个 epoch 的损失为 {loss}：权重或激活值已不再是有限的数。更新步子太大，数值溢出了。",
            "把学习率降低 10 倍或更多（试试学习率探测器），或设置 grad_clip。",
        ),
    },
    "overfitting": {
        "en": Words(
            "The validation loss ({val_loss}) is rising above its best ({best_val}) while the training loss keeps "
            "falling ({loss}): the network is memorising the training samples instead of learning what "
            "generalises.",
            "Use more data or a smaller model, add Dropout or weight_decay, or set early_stopping.",
        ),
        "zh": Words(
            "验证损失（{val_loss}）正在高于其最佳值（{best_val}）上升，而训练损失仍在下降（{loss}）："
            "网络在记忆训练样本，而不是学习可以推广的规律。",
            "使用更多数据或更小的模型，加入 Dropout 或 weight_decay，或设置 early_stopping。",
        ),
    },
    "diverging": {
        "en": Words(
            "The loss is {loss} at epoch {epoch}, {times} times what the network started from or a constant "
            "guess scores ({reference}). The updates are overshooting: each step throws the weights further "
            "away, and the next stop is NaN.",
            "Lower the learning rate by 10× or more (try the LR finder), or set grad_clip.",
        ),
        "zh": Words(
            "第 {epoch} 个 epoch 的损失为 {loss}，是网络初始值或常数猜测（{reference}）的 {times} 倍。"
            "更新步子太大：每一步都把权重甩得更远，下一步就是 NaN。",
            "把学习率降低 10 倍或更多（试试学习率探测器），或设置 grad_clip。",
        ),
    },
    "cannot_overfit": {
        "en": Words(
            "Trained {steps} steps on one batch of {rows} samples, the loss only went from {start} to {loss}. "
            "A network that can learn anything must be able to memorise one batch; this one cannot, which "
            "points at a bug rather than a lack of data: a wrong loss for the task, a layer that blocks the "
            "gradient, or a learning rate far off.",
            "Check the loss and output size against the task, look for dead or saturated layers, and try the "
            "LR finder.",
        ),
        "zh": Words(
            "在一个 {rows} 个样本的批次上训练了 {steps} 步，损失只从 {start} 降到 {loss}。"
            "一个能学习的网络必须能记住一个批次；它做不到，这说明问题不在于数据不够，而是有错误："
            "损失函数与任务不符、某一层阻断了梯度，或学习率差得太远。",
            "对照任务检查损失函数和输出大小，查看是否有死亡或饱和的层，并试试学习率探测器。",
        ),
    },
}


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    layer: int | None  # index of the top-level layer it concerns; None for the whole run
    epoch: int
    evidence: Evidence

    def words(self) -> dict[str, Words]:
        display = _display({**self.evidence, "epoch": self.epoch})
        texts = TEXTS[f"{self.kind}_nonfinite" if self.evidence.get("nonfinite") else self.kind]
        return {
            lang: Words(words.explanation.format(**display), words.suggestion.format(**display))
            for lang, words in texts.items()
        }

    def to_event(self) -> dict[str, Any]:
        """The stream's `finding` event body (without seq and job_id)."""
        words = self.words()
        return {
            "type": "finding",
            "kind": self.kind,
            "layer": self.layer,
            "epoch": self.epoch,
            "evidence": self.evidence,
            "explanation": {lang: w.explanation for lang, w in words.items()},
            "suggestion": {lang: w.suggestion for lang, w in words.items()},
        }


def wire_number(value: float | None) -> float | str | None:
    """A float for the wire: non-finite values as "nan" / "inf" / "-inf" (JSON has no such numbers)."""
    if value is None or math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


_NONFINITE = {"nan": "NaN", "inf": "∞", "-inf": "-∞"}  # how the wire spells them → how the texts show them


def _display(evidence: Evidence) -> dict[str, str]:
    """Evidence values as the texts show them."""
    out: dict[str, str] = {}
    for key, value in evidence.items():
        if value is None:
            out[key] = "—"
        elif isinstance(value, str) and value in _NONFINITE:
            out[key] = _NONFINITE[value]
        elif isinstance(value, float) and key.endswith("_fraction"):
            out[key.removesuffix("_fraction") + "_pct"] = str(round(100 * value))
        elif isinstance(value, float) and abs(value) >= 1000:
            out[key] = f"{float(f'{value:.3g}'):,.0f}"  # 14,400 rather than 1.444e+04
        elif isinstance(value, float):
            out[key] = f"{value:.4g}"
        else:
            out[key] = str(value)
    return out
