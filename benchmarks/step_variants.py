"""Per-step cost of the tutorial's 1→2→1 sigmoid net at batch 1, trained several ways.

`python -m benchmarks.step_variants [--epochs N] [--threads T]`

All variants train the same model from the same weights on the same 60-sample `step`
set, one sample per step, in the same shuffled order, and print µs per step, the final
loss, and (for compiled variants) the compile time:

- plain:        the loop a learner types (`zero_grad` / `backward` / `step`, SGD);
- torchplay:    `training.fast_step.TrainStep`, what the worker runs;
- compiled:     `torch.compile` of forward + loss, eager backward and SGD;
- compiled-all: `torch.compile` of forward + backward + SGD update in one function
                (`torch.func.grad`, so the whole step can be one graph).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

STEPS_PER_EPOCH = 60


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    from torchplay.data import load_dataset

    with tempfile.TemporaryDirectory() as data_dir:  # a generated set: nothing is written
        loaded = load_dataset("step", {}, 0, 0.0, Path(data_dir))
    return loaded.x_train, loaded.y_train


def _model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())


def _orders(epochs: int, n: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return [torch.randperm(n, generator=generator) for _ in range(epochs)]


def _train(step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x, y, orders) -> tuple[float, float]:
    """Runs every epoch; returns (seconds, last epoch's mean loss)."""
    started = time.perf_counter()
    last = torch.zeros(())
    for order in orders:
        xs, ys = x[order], y[order]
        total = torch.zeros(())
        for i in range(len(order)):
            total += step(xs[i : i + 1], ys[i : i + 1]).detach()
        last = total / len(order)
    return time.perf_counter() - started, float(last)


def plain(x, y, orders, lr: float) -> dict[str, Any]:
    model, loss_fn = _model(), nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def step(xb, yb):
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

    seconds, loss = _train(step, x, y, orders)
    return {"seconds": seconds, "loss": loss}


def torchplay_step(x, y, orders, lr: float) -> dict[str, Any]:
    from torchplay.training.fast_step import TrainStep

    model, loss_fn = _model(), nn.MSELoss()
    train_step = TrainStep(model, loss_fn, torch.optim.SGD(model.parameters(), lr=lr))
    seconds, loss = _train(lambda xb, yb: train_step(xb, yb)[0], x, y, orders)
    return {"seconds": seconds, "loss": loss}


def compiled_forward(x, y, orders, lr: float) -> dict[str, Any]:
    model, loss_fn = _model(), nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    forward = torch.compile(lambda xb, yb: loss_fn(model(xb), yb))
    started = time.perf_counter()
    forward(x[:1], y[:1]).backward()  # compile now, then undo the warm-up's gradients
    optimizer.zero_grad()
    compile_s = time.perf_counter() - started

    def step(xb, yb):
        optimizer.zero_grad()
        loss = forward(xb, yb)
        loss.backward()
        optimizer.step()
        return loss

    seconds, loss = _train(step, x, y, orders)
    return {"seconds": seconds, "loss": loss, "compile_s": compile_s}


def compiled_whole_step(x, y, orders, lr: float) -> dict[str, Any]:
    from torch.func import functional_call, grad_and_value

    model, loss_fn = _model(), nn.MSELoss()
    params = {name: p.detach().clone() for name, p in model.named_parameters()}

    def loss_of(p, xb, yb):
        return loss_fn(functional_call(model, p, (xb,)), yb)

    def update(p, xb, yb):
        grads, loss = grad_and_value(loss_of)(p, xb, yb)
        return {name: p[name] - lr * grads[name] for name in p}, loss

    compiled = torch.compile(update, fullgraph=True)
    started = time.perf_counter()
    compiled(params, x[:1], y[:1])  # compile; its result is discarded
    compile_s = time.perf_counter() - started
    state = {"params": params}

    def step(xb, yb):
        state["params"], loss = compiled(state["params"], xb, yb)
        return loss

    seconds, loss = _train(step, x, y, orders)
    return {"seconds": seconds, "loss": loss, "compile_s": compile_s}


VARIANTS = {
    "plain": plain,
    "torchplay": torchplay_step,
    "compiled": compiled_forward,
    "compiled-all": compiled_whole_step,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = _data()
    orders = _orders(args.epochs, len(x))
    steps = args.epochs * len(x)
    results: dict[str, dict[str, Any]] = {}
    for name, variant in VARIANTS.items():
        result = variant(x, y, orders, args.lr)
        result["us_per_step"] = result["seconds"] / steps * 1e6
        results[name] = result
        extra = f", compile {result['compile_s']:.1f} s" if "compile_s" in result else ""
        print(f"{name:13} {result['us_per_step']:7.1f} µs/step  last loss {result['loss']:.6f}{extra}", flush=True)
    base = results["plain"]["us_per_step"]
    for result in results.values():
        result["ratio_to_plain"] = result["us_per_step"] / base
    print(json.dumps({"epochs": args.epochs, "steps": steps, "threads": args.threads, "results": results}))


if __name__ == "__main__":
    main()
