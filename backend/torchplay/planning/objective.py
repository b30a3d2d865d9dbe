"""The loss and the loop's choices checked against the task and the model's output.

What would crash in torch is a `SpecError`; what runs but is not the usual choice comes
back as warnings, each naming the field it is about, so a learner's code that PyTorch
accepts is never refused."""

from __future__ import annotations

from collections.abc import Sequence

from torchplay.spec import SpecError
from torchplay.spec.errors import Loc, SpecWarning
from torchplay.spec.job import LOSS_KEYWORDS, JobCreate, LossParams
from torchplay.spec.tasks import TASKS


def check_loss(task: str, loss: str, params: LossParams) -> list[SpecWarning]:
    """The loss fits the task's targets (else 422), its keywords are ones it takes."""
    rule = TASKS[task]
    if loss not in rule.accepted:
        hint = " (class-index targets: use task 'classification')" if task == "binary" else ""
        raise SpecError(
            ("loss",),
            f"{loss} cannot take task {task!r}'s targets{hint}; use one of: {', '.join(rule.accepted)}",
        )
    for name, losses in LOSS_KEYWORDS.items():
        if getattr(params, name) is not None and loss not in losses:
            raise SpecError(
                ("loss_params", name),
                f"{loss} takes no {name} (it is {' / '.join(sorted(losses))}'s keyword)",
            )
    if loss in rule.unusual:
        en, zh = rule.unusual[loss]
        return [SpecWarning(loc=["loss"], msg=en, msg_zh=zh)]
    return []


def check_pos_weight(params: LossParams, output_shape: Sequence[int]) -> None:
    """BCEWithLogitsLoss broadcasts pos_weight over the last output dimension: one value, or one per output."""
    weights = params.pos_weight
    outputs = output_shape[-1] if output_shape else 1
    if weights is not None and len(weights) not in (1, outputs):
        raise SpecError(
            ("loss_params", "pos_weight"),
            f"{len(weights)} weights for {outputs} outputs: give one weight, or one per output",
        )


def loop_warnings(request: JobCreate, rows: int, is_gan: bool) -> list[SpecWarning]:
    """Valid loop settings that may surprise: a summed loss over big batches, unshuffled batches."""
    out: list[SpecWarning] = []
    batch = min(request.batch_size or rows, rows) if rows else request.batch_size
    if is_gan:
        if request.loss_params != LossParams() or request.loss_report != "epoch_mean":
            out.append(
                SpecWarning(
                    loc=["loss_params"],
                    msg="a GAN trains with BCEWithLogitsLoss as written and reports the generator's mean "
                    "loss; loss_params and loss_report do not apply",
                    msg_zh="GAN 按原样用 BCEWithLogitsLoss 训练，并报告生成器的平均损失；loss_params 和 loss_report 不适用",
                )
            )
        return out
    if request.loss_params.reduction == "sum" and (batch is None or batch > 1):
        out.append(
            SpecWarning(
                loc=["loss_params", "reduction"],
                msg="reduction 'sum' adds up the batch's losses, so each step grows with the batch size "
                "(the lr acts as lr × batch size of a mean)",
                msg_zh="reduction 'sum' 把一个批次的损失相加，所以每一步随批大小变大（学习率相当于 mean 时的 lr × 批大小）",
            )
        )
    if not request.shuffle and batch is not None and (not rows or batch < rows):  # rows 0: not known
        out.append(
            SpecWarning(
                loc=["shuffle"],
                msg="batches in the data's own order, the same every epoch: data sorted by class "
                "(many generated sets are) trains on one class at a time",
                msg_zh="批次按数据本身的顺序排列，每轮都一样：按类别排好序的数据（许多生成的数据集如此）会一次只训练一个类别",
            )
        )
    return out


def output_warning(task: str, output: Sequence[int], classes: int, where: Loc, dataset_name: str) -> SpecWarning | None:
    """A classifier with more scores than classes: torch's losses take it (targets index the
    first ones), the extra scores only learn to stay low."""
    if task == "classification" and len(output) == 1 and output[0] > classes:
        return SpecWarning(
            loc=list(where),
            msg=f"the model outputs {output[0]} class scores but {dataset_name!r} has {classes} classes: "
            f"the last {output[0] - classes} never win and only learn to stay low",
            msg_zh=f"模型输出 {output[0]} 个类别分数，但 {dataset_name!r} 只有 {classes} 个类别："
            f"最后 {output[0] - classes} 个永远不会胜出，只会学着保持很低",
        )
    return None


def accepts_output(task: str, output: Sequence[int], expected: Sequence[int]) -> bool:
    """Outputs torch's losses take: the expected shape, or more class scores than classes."""
    if list(output) == list(expected):
        return True
    return task == "classification" and len(output) == 1 and len(expected) == 1 and output[0] > expected[0]
