"""The catalogue's descriptions in 简体中文: each built-in set's, and each dataset parameter's
(keyed by its English text, so one sentence used by several sets is translated once).

The catalogue sends them beside the English ones (`description_zh`), and the page shows
them when it speaks Chinese; a test checks every English description has its line here.
"""

from __future__ import annotations

from torchplay.data.written import DRAW_DESCRIPTION

_OFFICIAL_SPLIT = "使用官方划分：test_fraction 大于 0 时得到那 10 000 张测试图（为 0 时没有）；seed 不改变划分。"

DATASETS_ZH: dict[str, str] = {
    "random-regression": "标准正态分布的输入和目标：没有规律可学，足够大的网络只能把这些点记下来。",
    "random-classes": "标准正态分布的输入和均匀抽取的标签，默认形状同展平的 MNIST：用来试模型、测速度。",
    "step": "60 个点 x = -30 … 29：x ≤ -10 时 y = 1，-10 < x < 10 时 y = 0.5，x ≥ 10 时 y = 0。入门回归用的阶跃函数。",
    "circle": "圆盘（类别 0）套在圆环（类别 1）里：需要一个隐藏层。",
    "xor": "两个坐标同号为类别 0，异号为类别 1：单层网络解决不了的经典问题。",
    "gaussian": "两团高斯分布的点：线性可分。",
    "spiral": "两条交错的螺旋臂：五个二维点集里最难的一个，需要两个隐藏层。",
    "moons": "两个交错的半圆。",
    "plane": "正方形 [-1, 1]² 上的 y = (x0 + x1) / 2 加噪声：线性模型就能拟合。",
    "sine": "x 在 [-2π, 2π] 内的 y = sin(x) 加噪声：适合小型 MLP 的一条曲线。",
    "shapes": "28×28 灰度图：圆、正方形、三角形、十字和圆环，大小、位置和角度随机，带像素噪声；"
    "取值在 [0, 1]。MNIST 的快速替代。",
    "mnist": "手写数字，28×28 灰度；60 000 张训练图和 10 000 张测试图，下载一次后缓存；"
    "按均值 0.1307、标准差 0.3081 归一化。" + _OFFICIAL_SPLIT,
    "fashion-mnist": "Zalando 的服饰图片，共十类，28×28 灰度；60 000 张训练图和 10 000 张测试图，"
    "下载一次后缓存；按均值 0.2860、标准差 0.3530 归一化。" + _OFFICIAL_SPLIT,
    "sine-forecast": "带噪声的正弦波窗口，每条波有自己的频率和相位；目标是波的下一个值。适合循环网络。",
    "sequence-classes": "噪声序列里藏着一个 6 步的模式（上升、下降、先升后降、先降后升），位置随机；"
    "类别就是这个模式。LSTM 或 Transformer 学得会，把序列展平后用 MLP 明显差一些。",
    "ring": "GAN 的目标分布：半径为 1 的细圆环上的点。",
    "gaussian-mixture": "GAN 的目标分布：均匀排在圆周上的 8 个小高斯；生成器一旦坍缩到其中几个，立刻看得出来。",
    "inline": "写在请求里的数字：y，以及 x 或一次 torch.randn 抽取的特征数（就像教程写 "
    "`y = torch.tensor([1, 0, 0, 1])`）。目标是 ≥ 0 的整数时也可以当类别标签"
    "（任务 classification 或 binary）。",
}

PARAMS_ZH: dict[str, str] = {
    "Number of rows.": "行数。",
    "Number of points.": "点数。",
    "Number of images.": "图片张数。",
    "Number of windows.": "窗口数。",
    "Number of sequences.": "序列数。",
    "Number of classes.": "类别数。",
    "Input values per row.": "每行的输入值个数。",
    "Standard deviation of the Gaussian noise; the data spans about [-1, 1].": "高斯噪声的标准差；数据大约分布在 [-1, 1]。",
    "Standard deviation of the noise added to sin(x).": "加到 sin(x) 上的噪声的标准差。",
    "Standard deviation of the per-pixel Gaussian noise.": "每个像素的高斯噪声的标准差。",
    "Values the model sees before predicting.": "模型预测前看到的值的个数。",
    "Steps per sequence (at least 6).": "每条序列的步数（至少 6）。",
    DRAW_DESCRIPTION: "numpy：torchplay 自己的生成器；torch：先 torch.manual_seed(数据种子)，再 torch.randn / "
    "torch.randint，和教程的写法一样（导出的代码里就是这些调用）。",
    "Input rows (a flat list: one feature per row); null: drawn as torch.randn(rows, features).": "输入的各行"
    "（一维列表：每行一个特征）；null：用 torch.randn(行数, features) 抽取。",
    "Targets, one per row: a value (or class index), or a row of values.": "目标，每行一个：一个值（或类别下标），或一行值。",
    "Inputs per row when x is null (drawn by torch.randn; default 1).": "x 为 null 时每行的输入个数"
    "（由 torch.randn 抽取；默认 1）。",
}


def with_zh(schema: object) -> object:
    """A params JSON schema with `description_zh` beside every description this table knows."""
    if isinstance(schema, list):
        return [with_zh(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: with_zh(value) for key, value in schema.items()}
    english = schema.get("description")
    if isinstance(english, str) and english in PARAMS_ZH:
        out["description_zh"] = PARAMS_ZH[english]
    return out
