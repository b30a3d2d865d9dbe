"""The tutorials' examples as ready-made job requests (`GET /api/presets`).

One registry: each preset is a full `POST /api/jobs` body plus a title and a one-paragraph
note, in English and Simplified Chinese, on what to watch for while it trains. The page
loads one with a click; tests check that every preset validates and exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Preset:
    id: str
    title: dict[str, str]  # {"en": …, "zh": …}
    note: dict[str, str]
    request: dict[str, Any]

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "note": self.note, "request": self.request}


def _linear(n: int) -> dict[str, Any]:
    return {"type": "Linear", "out_features": n}


def _act(kind: str, **params: Any) -> dict[str, Any]:
    return {"type": kind, **params}


PRESETS: dict[str, Preset] = {
    preset.id: preset
    for preset in [
        Preset(
            "regression-2-2-1",
            {"en": "2 → 2 → 1 ReLU regression", "zh": "2 → 2 → 1 ReLU 回归网络"},
            {
                "en": "The tutorial's first network: ten random points, two inputs, a hidden layer of two "
                "ReLU neurons and one output, trained full-batch with plain SGD (lr 0.01) on the mean "
                "squared error. Watch the loss curve fall smoothly (one batch means no noise between "
                "steps) and then flatten: four weights and three biases cannot memorise ten random "
                "targets, so the loss stops well above zero. Try a wider hidden layer and see it go lower.",
                "zh": "教程里的第一个网络：十个随机点，两个输入，一个含两个 ReLU 神经元的隐藏层和一个输出，"
                "用普通 SGD（学习率 0.01）以全批量方式最小化均方误差。观察损失曲线平滑下降（只有一个批次，"
                "步与步之间没有噪声），随后趋于平缓：这么少的参数记不住十个随机目标，所以损失停在离零较远的地方。"
                "把隐藏层加宽，看看损失能否更低。",
            },
            {
                "name": "regression-2-2-1",
                "dataset": {"name": "random-regression", "params": {"samples": 10, "features": 2}, "test_fraction": 0},
                "model": {"layers": [_linear(2), _act("ReLU"), _linear(1)]},
                "task": "regression",
                "loss": "MSELoss",
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 100,
                "batch_size": None,
                "seed": 0,
            },
        ),
        Preset(
            "sigmoid-10-5-1",
            {"en": "10 → 5 → 1 sigmoid net on 10 samples", "zh": "10 → 5 → 1 Sigmoid 网络（10 个样本）"},
            {
                "en": "Ten samples of ten random features, a hidden layer of five sigmoid neurons, one "
                "output, SGD on the mean squared error. With sigmoids the gradients are small (at most "
                "0.25 per layer), so the loss creeps down slowly at lr 0.01; raise the learning rate live "
                "and watch it speed up, or push it too far and watch it oscillate. Ten samples and 61 "
                "parameters: given enough epochs it memorises the data — nothing here generalises.",
                "zh": "十个样本、每个十个随机特征，隐藏层有五个 Sigmoid 神经元，一个输出，用 SGD 最小化均方误差。"
                "Sigmoid 的梯度很小（每层最多 0.25），所以在学习率 0.01 下损失下降得很慢；训练中调高学习率看它加速，"
                "调得太高则会看到震荡。十个样本对 61 个参数：训练足够久它会把数据背下来——这里没有任何泛化可言。",
            },
            {
                "name": "sigmoid-10-5-1",
                "dataset": {"name": "random-regression", "params": {"samples": 10, "features": 10}, "test_fraction": 0},
                "model": {"layers": [_linear(5), _act("Sigmoid"), _linear(1)]},
                "task": "regression",
                "loss": "MSELoss",
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 200,
                "batch_size": None,
                "seed": 0,
            },
        ),
        Preset(
            "mlp-32-64-32-1",
            {"en": "32 → 64 → 32 → 1 MLP with Adam", "zh": "32 → 64 → 32 → 1 多层感知机（Adam）"},
            {
                "en": "A deeper MLP on 200 random rows of 32 features, trained with Adam in mini-batches "
                "of 32. Adam adapts each weight's step, so the training loss drops fast — but the targets "
                "are pure noise: the validation loss stops improving and then rises while the training "
                "loss keeps falling. That gap is overfitting; try weight decay or early stopping.",
                "zh": "更深的多层感知机，数据是 200 行、32 个随机特征，用 Adam 以 32 为批大小训练。Adam 为每个权重"
                "自适应地调整步长，训练损失下降很快——但目标是纯噪声：验证损失先停滞再上升，而训练损失继续下降。"
                "这个差距就是过拟合；试试权重衰减或提前停止。",
            },
            {
                "name": "mlp-32-64-32-1",
                "dataset": {"name": "random-regression", "params": {"samples": 200, "features": 32}},
                "model": {"layers": [_linear(64), _act("ReLU"), _linear(32), _act("ReLU"), _linear(1)]},
                "task": "regression",
                "loss": "MSELoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 100,
                "batch_size": 32,
                "seed": 0,
            },
        ),
        Preset(
            "classifier-784-256-10",
            {"en": "784 → 256 → 10 classifier", "zh": "784 → 256 → 10 分类器"},
            {
                "en": "The MNIST-shaped classifier of the tutorial, on random inputs with random labels "
                "(no download needed): 784 inputs, 256 ReLU neurons, 10 class scores and cross-entropy. "
                "The first loss is about ln 10 ≈ 2.30, the loss of guessing uniformly. Training accuracy "
                "climbs towards 100 % as the 200 000 weights memorise the labels, while validation "
                "accuracy stays near chance (10 %): the shape of the model is right, the data has no signal.",
                "zh": "教程中与 MNIST 同形状的分类器，用随机输入和随机标签（无需下载）：784 个输入、256 个 ReLU 神经元、"
                "10 个类别得分，交叉熵损失。初始损失约为 ln 10 ≈ 2.30，即均匀猜测的损失。二十万个权重会把标签背下来，"
                "训练准确率接近 100%，而验证准确率停在随机水平（10%）附近：模型结构没错，只是数据里没有信号。",
            },
            {
                "name": "classifier-784-256-10",
                "dataset": {"name": "random-classes", "params": {"samples": 500, "features": 784, "classes": 10}},
                "model": {"layers": [_linear(256), _act("ReLU"), _linear(10)]},
                "task": "classification",
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9},
                "epochs": 30,
                "batch_size": 32,
                "seed": 0,
            },
        ),
        Preset(
            "step-1-2-1",
            {"en": "1 → 2 → 1 sigmoid fit of a step function", "zh": "1 → 2 → 1 Sigmoid 拟合阶跃函数"},
            {
                "en": "The tutorial's step function: x from −30 to 29, y = 1, then 0.5, then 0. Two sigmoid "
                "neurons and a sigmoid output, binary cross-entropy, one sample per step (batch size 1). "
                "Watch the fit curve: each hidden sigmoid becomes one of the two steps, sliding to x ≈ −10 "
                "and x ≈ 10 and sharpening as its weight grows. The inputs are not normalised, so early "
                "on the sigmoids saturate and progress is slow — the tutorial plots every 1000 epochs.",
                "zh": "教程中的阶跃函数：x 从 −30 到 29，y 依次为 1、0.5、0。两个 Sigmoid 隐藏神经元加一个 Sigmoid 输出，"
                "二元交叉熵损失，每步只用一个样本（批大小 1）。观察拟合曲线：每个隐藏的 Sigmoid 各自变成一个台阶，"
                "移到 x ≈ −10 和 x ≈ 10 处，并随着权重增大而变陡。输入没有归一化，所以一开始 Sigmoid 处于饱和区，"
                "进展缓慢——教程里每 1000 个 epoch 才画一次图。",
            },
            {
                "name": "step-1-2-1",
                "dataset": {"name": "step", "params": {}, "test_fraction": 0},
                "model": {"layers": [_linear(2), _act("Sigmoid"), _linear(1), _act("Sigmoid")]},
                "task": "regression",
                "loss": "BCELoss",
                "optimizer": {"type": "SGD", "lr": 0.1},
                "epochs": 1000,
                "batch_size": 1,
                "seed": 0,
                "snapshot_every": 10,
            },
        ),
        Preset(
            "mnist-cnn",
            {"en": "MNIST CNN", "zh": "MNIST 卷积神经网络"},
            {
                "en": "The tutorial's convolutional network on handwritten digits: two 3×3 convolutions "
                "(32 and 64 filters) each followed by ReLU and 2×2 max pooling, then a 128-neuron layer and "
                "10 class scores. One epoch already reaches about 98 % validation accuracy. Watch the "
                "confusion matrix (4s and 9s, 3s and 5s are the usual mix-ups) and the first layer's "
                "feature maps: edge and stroke detectors. Draw a digit to test it. Needs the MNIST download.",
                "zh": "教程中的手写数字卷积网络：两个 3×3 卷积层（32 和 64 个滤波器），各接 ReLU 和 2×2 最大池化，"
                "然后是 128 个神经元的全连接层和 10 个类别得分。一个 epoch 就能达到约 98% 的验证准确率。"
                "观察混淆矩阵（4 和 9、3 和 5 最容易混淆）以及第一层的特征图：它们是边缘和笔画检测器。"
                "可以手写一个数字来测试。需要下载 MNIST。",
            },
            {
                "name": "mnist-cnn",
                "dataset": {"name": "mnist", "params": {}},
                "model": {
                    "layers": [
                        {"type": "Conv2d", "out_channels": 32, "kernel_size": 3},
                        _act("ReLU"),
                        {"type": "MaxPool2d", "kernel_size": 2},
                        {"type": "Conv2d", "out_channels": 64, "kernel_size": 3},
                        _act("ReLU"),
                        {"type": "MaxPool2d", "kernel_size": 2},
                        {"type": "Flatten"},
                        _linear(128),
                        _act("ReLU"),
                        _linear(10),
                    ]
                },
                "task": "classification",
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 5,
                "batch_size": 64,
                "seed": 0,
            },
        ),
        Preset(
            "lstm-sine",
            {"en": "LSTM sine forecast", "zh": "LSTM 正弦预测"},
            {
                "en": "An LSTM reads 20 noisy values of a sine wave (each window has its own frequency and "
                "phase) and predicts the next value from its last hidden state. Watch the forecast "
                "snapshot: early predictions hug zero, the mean; then the model learns to continue the "
                "wave. The loss cannot reach zero because the inputs are noisy, but the target is not.",
                "zh": "LSTM 读取正弦波的 20 个带噪声的值（每个窗口的频率和相位都不同），用最后一个隐藏状态预测下一个值。"
                "观察预测快照：起初预测都贴近零（即平均值），之后模型学会把波形延续下去。输入带噪声而目标不带，"
                "所以损失降不到零。",
            },
            {
                "name": "lstm-sine",
                "dataset": {"name": "sine-forecast", "params": {"samples": 1000, "window": 20}},
                "model": {"layers": [{"type": "LSTM", "hidden_size": 32}, _linear(1)]},
                "task": "regression",
                "loss": "MSELoss",
                "optimizer": {"type": "Adam", "lr": 0.01},
                "epochs": 30,
                "batch_size": 32,
                "seed": 0,
            },
        ),
        Preset(
            "autoencoder-shapes",
            {"en": "Autoencoder on shapes", "zh": "形状图像自编码器"},
            {
                "en": "An autoencoder squeezes each 28×28 shape image through a 16-number bottleneck and "
                "rebuilds it; the target is the input itself (task reconstruction). Watch the "
                "reconstruction snapshot: first a blurry average blob, then the outlines, then the "
                "corners of squares and the holes of rings. The noise is not reproduced — a bottleneck "
                "keeps what is common to many images.",
                "zh": "自编码器把每张 28×28 的形状图像压缩成 16 个数（瓶颈），再重建出来；目标就是输入本身"
                "（任务 reconstruction）。观察重建快照：先是一团模糊的平均形状，然后出现轮廓，最后是方形的角和圆环的洞。"
                "像素噪声不会被重建——瓶颈只保留许多图像共有的东西。",
            },
            {
                "name": "autoencoder-shapes",
                "dataset": {"name": "shapes", "params": {"samples": 2000}},
                "model": {
                    "layers": [
                        {"type": "Flatten"},
                        _linear(128),
                        _act("ReLU"),
                        _linear(16),
                        _act("ReLU"),
                        _linear(128),
                        _act("ReLU"),
                        _linear(784),
                        _act("Sigmoid"),
                        {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 28, 28]},
                    ]
                },
                "task": "reconstruction",
                "loss": "MSELoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 20,
                "batch_size": 64,
                "seed": 0,
            },
        ),
        Preset(
            "gan-ring",
            {"en": "GAN drawing a ring", "zh": "生成对抗网络画圆环"},
            {
                "en": "A generator turns 8 random numbers into a 2-D point; a discriminator tries to tell "
                "its points from real ones on a ring. Watch the samples snapshot: the generated cloud "
                "first collapses to a blob, then spreads around the ring. The losses do not fall like "
                "in supervised training — they balance: the discriminator's probabilities for real and "
                "fake both drift towards 0.5 when the generator is good.",
                "zh": "生成器把 8 个随机数变成一个二维点；判别器努力区分生成的点和圆环上的真实点。观察样本快照："
                "生成的点云先缩成一团，然后沿圆环铺开。损失不会像监督学习那样一路下降——两者在相互制衡："
                "生成器变好时，判别器对真、假样本给出的概率都趋向 0.5。",
            },
            {
                "name": "gan-ring",
                "dataset": {"name": "ring", "params": {"samples": 1000}},
                "model": {
                    "generator": {"layers": [_linear(32), _act("ReLU"), _linear(32), _act("ReLU"), _linear(2)]},
                    "discriminator": {
                        "layers": [
                            _linear(32),
                            _act("LeakyReLU", negative_slope=0.2),
                            _linear(32),
                            _act("LeakyReLU", negative_slope=0.2),
                            _linear(1),
                        ]
                    },
                    "latent_dim": 8,
                },
                "task": "gan",
                "loss": "BCEWithLogitsLoss",
                "optimizer": {"type": "Adam", "lr": 0.001, "betas": [0.5, 0.999]},
                "epochs": 200,
                "batch_size": 64,
                "seed": 0,
            },
        ),
        Preset(
            "transformer-sequences",
            {"en": "Transformer sequence classifier", "zh": "Transformer 序列分类器"},
            {
                "en": "Each sequence of 32 noisy steps hides one 6-step pattern (rise, fall, up-down, "
                "down-up) at a random place. A linear layer lifts each step to 32 features, positional "
                "encoding tells the steps apart, and a self-attention block lets every step look at "
                "every other. Watch validation accuracy: chance is 25 %; attention finds the pattern "
                "wherever it sits. Compare with an MLP on the same data using Compare runs.",
                "zh": "每条 32 步的噪声序列在随机位置藏着一个 6 步的模式（上升、下降、先升后降、先降后升）。"
                "线性层把每一步提升到 32 个特征，位置编码区分不同的步，自注意力块让每一步都能看到其他所有步。"
                "观察验证准确率：随机猜是 25%；无论模式藏在哪里，注意力都能找到它。可以用“比较运行”与同数据上的 MLP 对比。",
            },
            {
                "name": "transformer-sequences",
                "dataset": {"name": "sequence-classes", "params": {"samples": 2000, "length": 32}},
                "model": {
                    "layers": [
                        _linear(32),
                        {"type": "PositionalEncoding"},
                        {"type": "TransformerEncoderLayer", "nhead": 4, "dim_feedforward": 64, "dropout": 0.1},
                        {"type": "Flatten"},
                        _linear(4),
                    ]
                },
                "task": "classification",
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 30,
                "batch_size": 64,
                "seed": 0,
            },
        ),
        Preset(
            "spiral-mlp",
            {"en": "Spiral MLP (TensorFlow Playground)", "zh": "螺旋数据多层感知机（TensorFlow Playground）"},
            {
                "en": "TensorFlow Playground's hardest set: two interleaved spiral arms. Two hidden layers of "
                "16 tanh neurons learn it; one layer struggles. Watch the decision boundary bend arm by "
                "arm, and open Inside the network: the first layer's neurons cut the plane with straight "
                "lines, the second layer's combine them into curves.",
                "zh": "TensorFlow Playground 中最难的数据集：两条交错的螺旋臂。两个各含 16 个 tanh 神经元的隐藏层可以学会它，"
                "只有一层则很吃力。观察决策边界一臂一臂地弯曲，并打开“网络内部”：第一层的神经元用直线切分平面，"
                "第二层把这些直线组合成曲线。",
            },
            {
                "name": "spiral-mlp",
                "dataset": {"name": "spiral", "params": {"samples": 500, "noise": 0.03}},
                "model": {"layers": [_linear(16), _act("Tanh"), _linear(16), _act("Tanh"), _linear(2)]},
                "task": "classification",
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.01},
                "epochs": 200,
                "batch_size": 32,
                "seed": 0,
            },
        ),
    ]
}


def catalogue() -> list[dict[str, Any]]:
    """`GET /api/presets`: every preset, in the tutorials' order."""
    return [preset.public() for preset in PRESETS.values()]
