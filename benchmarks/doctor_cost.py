"""What the training doctor and the histograms cost, as a share of the epoch, on the MNIST MLP case.

`python -m benchmarks.doctor_cost [--epochs N] [--threads T] [--case mnist-mlp]`

In one process, on the case's data and model (784-256-10, batch 64, 60 000 images):
each epoch trains as the worker does (resident tensors, one shuffle gather, the fast
step) and evaluates on the test split; then `Diagnostics.after_epoch` runs as the loop
calls it — probe forward pass, dead/saturated fractions, the doctor's rules and, on the
epochs that get one, a histogram set of every layer's activations, weights and gradients.
Both are timed in the same run; the figure is doctor time / epoch time, per epoch and
overall. A second column gives the cost of one epoch's full look (probe + histograms,
forced) so the bound holds even on epochs the budget would skip. Goal: ≤ 5 %.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import torch

from benchmarks import harness
from benchmarks.cases import all_cases


def _epoch(step: Any, split: Any, batch_size: int, shuffle: torch.Generator) -> tuple[float, float]:
    """One epoch as the worker runs it (one shuffle gather, batches as slices), then evaluation;
    returns (train loss, validation loss)."""
    x, y = split.x_train, split.y_train
    step.model.train()
    order = torch.randperm(len(x), generator=shuffle)
    x, y = x[order], y[order]
    losses = [step(x[i : i + batch_size], y[i : i + batch_size])[0].detach() for i in range(0, len(x), batch_size)]
    step.model.eval()
    with torch.no_grad():
        val = step.loss_fn(step.model(split.x_test), split.y_test)  # 10 000 rows: one pass
    return torch.stack(losses).mean().item(), val.item()


def measure(case_name: str, epochs: int) -> dict[str, Any]:
    from torchplay import data
    from torchplay.models import build_model
    from torchplay.planning import plan_job
    from torchplay.spec import JobCreate
    from torchplay.spec.limits import Limits
    from torchplay.training import internals, optim
    from torchplay.training.diagnostics import Diagnostics
    from torchplay.training.fast_step import TrainStep
    from torchplay.training.objectives import Objective

    data_dir = harness.RESULTS / "data"
    harness.import_mnist(data_dir)
    case = next(c for c in all_cases(quick=False) if c.name == case_name)
    job = JobCreate.model_validate({**case.request("cpu"), "epochs": epochs})
    plan = plan_job(job, Limits(), data_dir)
    job = plan.request
    ref = job.dataset
    split = data.load_dataset(ref.name, ref.params, plan.data_seed, ref.test_fraction, data_dir)
    objective = Objective(plan.task, plan.loss)
    torch.manual_seed(job.seed)
    model = build_model(plan.spec("model"))
    optimizer = optim.build_optimizer(job.optimizer, model.parameters(), torch.device("cpu"))
    step = TrainStep(model, objective.make_loss(), optimizer)
    shuffle = torch.Generator().manual_seed(job.seed)
    diagnostics = Diagnostics.start(model, split.x_train, split.y_train, objective, epochs)
    rows: list[dict[str, float]] = []
    for epoch in range(1, epochs + 1):
        began = time.perf_counter()
        train_loss, val_loss = _epoch(step, split, job.batch_size or len(split.x_train), shuffle)
        norms = internals.layer_norms(model)  # in every epoch event already: not the doctor's cost
        epoch_s = time.perf_counter() - began
        spent = diagnostics.spent_s
        examined = diagnostics.after_epoch(epoch, train_loss, val_loss, norms, epoch_s)
        doctor_s = diagnostics.spent_s - spent
        forced = time.perf_counter()
        diagnostics.probe.look(with_histograms=True)  # the full look, whatever the budget said
        full_s = time.perf_counter() - forced
        rows.append(
            {
                "epoch": epoch,
                "epoch_s": epoch_s,
                "doctor_s": doctor_s,
                "full_look_s": full_s,
                "ratio": doctor_s / epoch_s,
                "full_ratio": full_s / epoch_s,
                "histograms": examined.histograms is not None,
                "findings": len(examined.findings),
                "train_loss": train_loss,
            }
        )
        print(
            f"epoch {epoch}: train {epoch_s:.2f} s · doctor {doctor_s * 1000:.1f} ms ({rows[-1]['ratio']:.2%}) · "
            f"full look {full_s * 1000:.1f} ms ({rows[-1]['full_ratio']:.2%}) · loss {train_loss:.4f}",
            flush=True,
        )
    total_epoch = sum(r["epoch_s"] for r in rows)
    return {
        "case": case_name,
        "note": case.note,
        "epochs": rows,
        "doctor_share": diagnostics.spent_s / total_epoch,  # includes the start (probe pick, first loss)
        "median_share": statistics.median(r["ratio"] for r in rows),
        "median_full_look_share": statistics.median(r["full_ratio"] for r in rows),
        "max_full_look_share": max(r["full_ratio"] for r in rows),
        "findings": [f.kind for f in diagnostics.doctor.found],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=harness.THREADS)
    parser.add_argument("--case", default="mnist-mlp")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = measure(args.case, args.epochs)
    result["threads"] = args.threads
    result["torch"] = torch.__version__
    print(
        f"\n{args.case}: doctor + histograms {result['doctor_share']:.2%} of the epoch time over {args.epochs} "
        f"epochs (median per epoch {result['median_share']:.2%}); a full look every epoch would be {result['median_full_look_share']:.2%} (max "
        f"{result['max_full_look_share']:.2%}); goal ≤ 5 %; findings {result['findings'] or 'none'}"
    )
    harness.RESULTS.mkdir(parents=True, exist_ok=True)
    out = harness.RESULTS / f"doctor-cost-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
