"""The plain PyTorch loop, run as its own process: `python -m benchmarks.plain JOB.json`.

It trains what the job describes the way a learner would type it: tensors in memory,
shuffled index slicing (or, with `--loader dataloader`, `DataLoader(TensorDataset)`),
`zero_grad` / `backward` / `step` with torch's default optimizer implementation, the epoch
loss summed on the device, and an evaluation pass per epoch when there is a test split.
torchplay is used only outside the loop, to load the same tensors and build the same
`nn.Sequential` (so both sides train identical models on identical data).

Prints one JSON line: total_s (data + model + loop), loop_s, data_s, to_first_epoch_s (set-up
and the first epoch with its evaluation), first and last epoch loss.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("job", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--loader", choices=["slice", "dataloader"], default="slice")
    args = parser.parse_args()

    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from torchplay.data import load_dataset
    from torchplay.models import build_model
    from torchplay.planning import plan_job
    from torchplay.spec import JobCreate
    from torchplay.spec.limits import Limits
    from torchplay.training.objectives import Objective

    torch.set_num_threads(args.threads)  # the worker's count: cpu_count // max_running_jobs
    started = time.perf_counter()
    job = JobCreate.model_validate(json.loads(args.job.read_text()))
    plan = plan_job(job, Limits(), args.data_dir)
    job = plan.request
    device = torch.device(plan.placement())
    ref = job.dataset
    data_started = time.perf_counter()
    loaded = load_dataset(ref.name, ref.params, plan.data_seed, ref.test_fraction, args.data_dir)
    data_s = time.perf_counter() - data_started
    objective = Objective(plan.task, plan.loss)
    x, x_test = loaded.x_train.to(device), loaded.x_test.to(device)
    y = objective.targets(x, loaded.y_train)
    y_test = objective.targets(x_test, loaded.y_test)
    torch.manual_seed(job.seed)
    model = build_model(plan.spec("model"), device)
    loss_fn = getattr(nn, plan.loss)()
    kwargs = job.optimizer.model_dump(exclude={"type"})
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    optimizer = getattr(torch.optim, job.optimizer.type)(model.parameters(), **kwargs)
    n, bs = len(x), min(job.batch_size or len(x), len(x))
    shuffle = torch.Generator(device=device).manual_seed(job.seed)
    loader = DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True) if args.loader == "dataloader" else None
    classify = job.task == "classification"

    def batches():
        if loader is not None:
            yield from loader
            return
        order = torch.randperm(n, device=device, generator=shuffle)
        for start in range(0, n, bs):
            index = order[start : start + bs]
            yield x[index], y[index]

    loop_started = time.perf_counter()
    losses = []
    first_epoch_at = None
    for _epoch in range(job.epochs):
        model.train()
        total = torch.zeros((), device=device)
        for xb, yb in batches():
            out = model(xb)
            loss = loss_fn(out, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(xb)
        losses.append((total / n).item())
        if len(x_test):
            model.eval()
            with torch.no_grad():
                val, correct = 0.0, 0
                for start in range(0, len(x_test), 8192):
                    out = model(x_test[start : start + 8192])
                    yb = y_test[start : start + 8192]
                    val += loss_fn(out, yb).item() * len(yb)
                    if classify:
                        correct += int((out.argmax(1) == yb).sum())
        if first_epoch_at is None:
            first_epoch_at = time.perf_counter()
    if device.type == "cuda":
        torch.cuda.synchronize()
    finished = time.perf_counter()
    print(
        json.dumps(
            {
                "total_s": finished - started,
                "loop_s": finished - loop_started,
                "data_s": data_s,  # load_dataset alone: what a worker draws too
                "to_first_epoch_s": (first_epoch_at or finished) - started,  # plan, data, model, epoch 1
                "first_loss": losses[0],
                "last_loss": losses[-1],
                "finite": all(math.isfinite(v) for v in losses),
            }
        )
    )


if __name__ == "__main__":
    main()
