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
    # False where the tutorial only builds and prints the model: the page opens it in the
    # designer and the request trains it only if one asks.
    trains: bool = True

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "note": self.note, "request": self.request, "trains": self.trains}


def _linear(n: int) -> dict[str, Any]:
    return {"type": "Linear", "out_features": n}


def _act(kind: str, **params: Any) -> dict[str, Any]:
    return {"type": kind, **params}


PRESETS: dict[str, Preset] = {
    preset.id: preset
    for preset in [
        Preset(
            "regression-2-2-1",
            {"en": "SimpleNN: 2 → 2 → 1 (print the model)", "zh": "SimpleNN：2 → 2 → 1（打印模型）"},
            {
                "en": "The tutorial's first class, SimpleNN: Linear(2, 2), ReLU, Linear(2, 1). The tutorial "
                "trains nothing here: it builds the model and prints it. Open the designer's print(model) "
                "panel: the tutorial's layers (numbered 0, 1, 2 as in an nn.Sequential; the exported "
                "script's class SimpleNN names them fc1, relu1, fc2), and 9 parameters — 2 × 2 weights + 2 "
                "biases in the first layer, 2 weights + 1 bias in the second (in × out + out). Training it is "
                "optional: the request is one epoch of plain SGD on ten torch.randn points.",
                "zh": "教程里的第一个类 SimpleNN：Linear(2, 2)、ReLU、Linear(2, 1)。教程在这里不做训练，只是构建模型并"
                "打印出来。打开设计器的 print(model) 面板：教程中的各层（按 nn.Sequential 的方式编号为 0、1、2；"
                "导出脚本中的 SimpleNN 类把它们命名为 fc1、relu1、fc2），共 9 个参数——第一层 2 × 2 个权重加 2 个"
                "偏置，第二层 2 个权重加 1 个偏置（输入 × 输出 + 输出）。训练是可选的：这个请求只在十个 torch.randn "
                "点上用普通 SGD 训练一个 epoch。",
            },
            {
                "name": "SimpleNN",
                "dataset": {
                    "name": "random-regression",
                    "params": {"samples": 10, "features": 2, "draw": "torch"},
                    "test_fraction": 0,
                },
                "model": {"layers": [_linear(2), _act("ReLU"), _linear(1)]},
                "task": "regression",
                "loss": "MSELoss",
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 1,
                "batch_size": None,
                "seed": 0,
            },
            trains=False,
        ),
        Preset(
            "simple-linear-model",
            {"en": "SimpleLinearModel: Linear(2, 1)", "zh": "SimpleLinearModel：Linear(2, 1)"},
            {
                "en": "The tutorial's training loop in its smallest form: X = torch.randn(10, 2), "
                "y = torch.randn(10, 1), one Linear(2, 1) layer (3 parameters), MSELoss, SGD with lr 0.01, "
                "100 epochs over the whole set at once, a line printed every 10 epochs (Epoch [10/100], "
                "Loss: …). The targets are random, so the loss does not go to zero: it falls slowly "
                "towards the least-squares fit a line can give, and at lr 0.01 it is still falling after "
                "100 epochs. Export the script to see the same torch.randn calls.",
                "zh": "教程训练循环的最小形式：X = torch.randn(10, 2)，y = torch.randn(10, 1)，一个 Linear(2, 1) 层"
                "（3 个参数），MSELoss，学习率 0.01 的 SGD，整个数据集一次作为一个批次训练 100 个 epoch，每 10 个 epoch "
                "打印一行（Epoch [10/100], Loss: …）。目标是随机的，所以损失不会降到零：它缓慢地朝直线所能达到的最小二乘"
                "拟合下降，学习率 0.01 下 100 个 epoch 后仍在下降。导出脚本可以看到同样的 torch.randn 调用。",
            },
            {
                "name": "SimpleLinearModel",
                "dataset": {
                    "name": "random-regression",
                    "params": {"samples": 10, "features": 2, "draw": "torch"},
                    "test_fraction": 0,
                },
                "model": {"layers": [_linear(1)]},
                "task": "regression",
                "loss": "MSELoss",
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 100,
                "batch_size": None,
                "seed": 0,
                "print_every": 10,
            },
        ),
        Preset(
            "sigmoid-10-5-1",
            {
                "en": "Sequential 10 → 5 → 1 with a Sigmoid output",
                "zh": "Sequential 10 → 5 → 1（Sigmoid 输出）",
            },
            {
                "en": "The tutorial's nn.Sequential: Linear(10, 5), ReLU, Linear(5, 1), Sigmoid (61 parameters), "
                "on X = torch.randn(10, 10) with the fixed targets y = [1, 0, 0, 1, 1, 1, 0, 0, 1, 1], "
                "MSELoss, SGD lr 0.01, 50 full-batch epochs. The sigmoid starts near 0.5 for every row, so "
                "the first loss is about 0.25 (0.5² on each 0/1 target); in 50 small steps it only creeps "
                "down (the tutorial's run goes from about 0.25 to 0.24). Watch the loss curve, the accuracy "
                "(an output over 0.5 counts as 1) and, beside the confusion matrix, each row's target against "
                "the sigmoid's output by sample index, as the tutorial plots them. The plan warns "
                "about MSELoss on 0/1 targets: it runs, as in the tutorial, though BCELoss is the usual choice.",
                "zh": "教程中的 nn.Sequential：Linear(10, 5)、ReLU、Linear(5, 1)、Sigmoid（61 个参数），数据为 "
                "X = torch.randn(10, 10)，固定目标 y = [1, 0, 0, 1, 1, 1, 0, 0, 1, 1]，MSELoss，学习率 0.01 的 SGD，"
                "全批量训练 50 个 epoch。Sigmoid 对每一行的输出一开始都接近 0.5，所以初始损失约为 0.25（每个 0/1 目标上"
                "0.5²）；50 个小步只能让它缓慢下降（教程的运行从约 0.25 降到 0.24）。观察损失曲线、准确率（输出大于 0.5 算作 1），"
                "以及混淆矩阵旁按样本序号画出的每一行目标值与 Sigmoid 输出，和教程的图一样。计划会对 0/1 目标上的 MSELoss 给出警告：它能运行，和教程一样，只是通常选 BCELoss。",
            },
            {
                "name": "sequential-10-5-1",
                "dataset": {
                    "name": "inline",
                    "params": {"features": 10, "y": [1, 0, 0, 1, 1, 1, 0, 0, 1, 1]},
                    "test_fraction": 0,
                },
                "model": {"layers": [_linear(5), _act("ReLU"), _linear(1), _act("Sigmoid")]},
                "task": "binary",
                "loss": "MSELoss",
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 50,
                "batch_size": None,
                "seed": 0,
                "print_every": 10,
            },
        ),
        Preset(
            "mlp-32-64-32-1",
            {"en": "MLP 32 → 64 → 32 → 1 with Adam", "zh": "多层感知机 32 → 64 → 32 → 1（Adam）"},
            {
                "en": "The tutorial's MLP: Linear(32, 64), ReLU, Linear(64, 32), ReLU, Linear(32, 1) (4 225 "
                "parameters) on X = torch.randn(128, 32) with random targets, MSELoss, Adam lr 0.001, 100 "
                "steps, each over all 128 rows, no validation split. Adam adapts every weight's step, so "
                "the loss falls steadily although the targets are noise: the network is memorising the "
                "128 rows. Hold out a test fraction and the validation loss would show that nothing "
                "generalises.",
                "zh": "教程中的多层感知机：Linear(32, 64)、ReLU、Linear(64, 32)、ReLU、Linear(32, 1)（4 225 个参数），"
                "数据为 X = torch.randn(128, 32) 和随机目标，MSELoss，学习率 0.001 的 Adam，100 步，每步都用全部 128 行，"
                "不划分验证集。Adam 为每个权重自适应步长，所以即使目标是噪声，损失也稳步下降：网络在记住这 128 行。"
                "留出一部分测试数据，验证损失就会表明这里没有任何泛化。",
            },
            {
                "name": "mlp-32-64-32-1",
                "dataset": {
                    "name": "random-regression",
                    "params": {"samples": 128, "features": 32, "draw": "torch"},
                    "test_fraction": 0,
                },
                "model": {"layers": [_linear(64), _act("ReLU"), _linear(32), _act("ReLU"), _linear(1)]},
                "task": "regression",
                "loss": "MSELoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 100,
                "batch_size": None,
                "seed": 0,
                "print_every": 10,
            },
        ),
        Preset(
            "classifier-784-256-10",
            {"en": "Net 784 → 256 → 10 classifier", "zh": "Net 784 → 256 → 10 分类器"},
            {
                "en": "The tutorial's Net: Linear(784, 256), ReLU, Linear(256, 10) (203 530 parameters), "
                "CrossEntropyLoss, plain SGD lr 0.01, a DataLoader of batch 32 shuffled over "
                "torch.randn(100, 784) with torch.randint(0, 10) labels, 2 epochs (4 batches each, the last "
                "of 4 rows), then model.eval(), torch.no_grad() and argmax. The loss starts near ln 10 ≈ 2.30 "
                "(a uniform guess over ten classes) and two epochs of small steps barely move it; the "
                "accuracy is measured on the same 100 rows. The shapes are MNIST's; the data has no signal.",
                "zh": "教程中的 Net：Linear(784, 256)、ReLU、Linear(256, 10)（203 530 个参数），CrossEntropyLoss，"
                "学习率 0.01 的普通 SGD，DataLoader 批大小 32 并打乱顺序，数据为 torch.randn(100, 784) 和 "
                "torch.randint(0, 10) 标签，训练 2 个 epoch（每个 4 个批次，最后一个只有 4 行），然后 model.eval()、"
                "torch.no_grad() 和 argmax。损失从 ln 10 ≈ 2.30 附近开始（十个类别的均匀猜测），两个 epoch 的小步几乎"
                "不会改变它；准确率是在同样的 100 行上测的。形状与 MNIST 相同，但数据里没有信号。",
            },
            {
                "name": "Net",
                "dataset": {
                    "name": "random-classes",
                    "params": {"samples": 100, "features": 784, "classes": 10, "draw": "torch"},
                    "test_fraction": 0,
                },
                "model": {"layers": [_linear(256), _act("ReLU"), _linear(10)]},
                "task": "classification",
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 2,
                "batch_size": 32,
                "shuffle": True,
                "seed": 0,
            },
        ),
        Preset(
            "step-1-2-1",
            {"en": "1 → 2 → 1 sigmoid fit of a step function", "zh": "1 → 2 → 1 Sigmoid 拟合阶跃函数"},
            {
                "en": "The tutorial's step function: x = −30 … 29, y = 1 for x ≤ −10, 0.5 for −10 < x < 10, 0 for "
                "x ≥ 10. Linear(1, 2), Sigmoid, Linear(2, 1), Sigmoid, BCELoss, SGD lr 0.01, one sample per "
                "step in the data's order (no shuffling), 5000 epochs; the cost printed is the epoch's sum "
                "of the 60 sample losses, as the tutorial's `cost += loss.item()`, and the fit is drawn "
                "every 1000 epochs. Watch the fit curve: each hidden sigmoid becomes one of the two steps, "
                "sliding towards x ≈ −10 and x ≈ 10. The inputs are not normalised and lr is small, so "
                "progress is slow; the sum cannot go below about 13.2 (the 19 targets of 0.5 cost at least "
                "ln 2 each). The plan warns that the batches are unshuffled: here that is the point.",
                "zh": "教程中的阶跃函数：x = −30 … 29，x ≤ −10 时 y = 1，−10 < x < 10 时 0.5，x ≥ 10 时 0。Linear(1, 2)、"
                "Sigmoid、Linear(2, 1)、Sigmoid，BCELoss，学习率 0.01 的 SGD，每步一个样本，按数据原有顺序（不打乱），"
                "5000 个 epoch；打印的代价是每个 epoch 中 60 个样本损失之和，即教程中的 `cost += loss.item()`，每 1000 个 "
                "epoch 画一次拟合曲线。观察拟合曲线：每个隐藏的 Sigmoid 各自变成一个台阶，向 x ≈ −10 和 x ≈ 10 移动。"
                "输入没有归一化、学习率又小，所以进展缓慢；总和不会低于约 13.2（19 个值为 0.5 的目标每个至少贡献 ln 2）。计划会提示批次没有打乱：在这里这正是要点。",
            },
            {
                "name": "step-1-2-1",
                "dataset": {"name": "step", "params": {}, "test_fraction": 0},
                "model": {"layers": [_linear(2), _act("Sigmoid"), _linear(1), _act("Sigmoid")]},
                "task": "regression",
                "loss": "BCELoss",
                "loss_report": "epoch_sum",
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 5000,
                "batch_size": 1,
                "shuffle": False,
                "seed": 0,
                "snapshot_every": 1000,
                "print_every": 1000,
            },
        ),
        Preset(
            "mnist-cnn",
            {"en": "SimpleCNN on MNIST", "zh": "MNIST 上的 SimpleCNN"},
            {
                "en": "The tutorial's SimpleCNN on handwritten digits: Conv2d(1, 32, 3), ReLU, 2×2 max pooling, "
                "Conv2d(32, 64, 3), ReLU, 2×2 max pooling, Linear(·, 128), ReLU, Linear(128, 10); "
                "inputs normalised with mean 0.1307 and std 0.3081; plain SGD lr 0.01, batch 64, 10 epochs, "
                "then accuracy on the 10 000 test images. The tutorial flattens with view(-1, 64*6*6), "
                "which is a bug: a 28×28 image is 26, then 13, then 11, then 5 pixels wide after the "
                "layers, so 64 × 5 × 5 = 1600 values, not 2304, and that view fails with a shape error. "
                "torchplay infers the size and the first Linear gets in_features = 1600. Plain SGD at "
                "lr 0.01 learns more slowly than Adam; watch the accuracy climb epoch by epoch and the "
                "confusion matrix (4/9 and 3/5 are the usual mix-ups). Needs the MNIST download.",
                "zh": "教程中用于手写数字的 SimpleCNN：Conv2d(1, 32, 3)、ReLU、2×2 最大池化、Conv2d(32, 64, 3)、ReLU、"
                "2×2 最大池化、Linear(·, 128)、ReLU、Linear(128, 10)；输入按均值 0.1307、标准差 0.3081 归一化；学习率 0.01 的"
                "普通 SGD，批大小 64，训练 10 个 epoch，然后在 10 000 张测试图上计算准确率。教程用 view(-1, 64*6*6) 展平，"
                "这是个错误：28×28 的图像经过各层后宽度依次为 26、13、11、5，所以是 64 × 5 × 5 = 1600 个值而不是 2304，"
                "那个 view 会报形状错误。torchplay 会推断尺寸，第一个 Linear 的 in_features 为 1600。学习率 0.01 的普通 "
                "SGD 比 Adam 学得慢；观察准确率逐个 epoch 上升，以及混淆矩阵（4 和 9、3 和 5 最容易混淆）。需要下载 MNIST。",
            },
            {
                "name": "SimpleCNN",
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
                "optimizer": {"type": "SGD", "lr": 0.01},
                "epochs": 10,
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
