"""`python -m benchmarks [--quick] [--case NAME] [--device cpu|cuda]`: see the package docstring."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks import harness
from benchmarks.cases import Case, all_cases, latency_plan

RESULTS = harness.RESULTS


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller cases, fewer repeats (about a minute or two)")
    parser.add_argument("--case", action="append", help="only this case (repeatable); 'latency' for the latency part")
    parser.add_argument("--device", default="cpu", help="device for the training cases (cpu, cuda)")
    parser.add_argument("--repeats", type=int, help="A/B pairs per case (default 3, --quick 2)")
    args = parser.parse_args()

    data_dir = RESULTS / "data"
    harness.import_mnist(data_dir)
    cases = [c for c in all_cases(args.quick) if not args.case or c.name in args.case]
    want_latency = not args.case or "latency" in args.case
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "quick": args.quick,
        "device": args.device,
        "threads": harness.THREADS,
        "torch": torch.__version__,
        "machine": platform.platform(),
        "cases": {},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    server = harness.start_server(data_dir)
    try:
        for case in cases:
            report["cases"][case.name] = _run_case(server, case, args.device, data_dir, args.repeats)
            _print_case(case.name, report["cases"][case.name])
            out.write_text(json.dumps(report, indent=2))  # after each case: a cut-short run keeps what it measured
        if want_latency:
            report["latency"] = _latency(server, args.quick)
    finally:
        server.stop()
    _print_table(report)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")


def _run_case(server: harness.Server, case: Case, device: str, data_dir: Path, repeats: int | None) -> dict[str, Any]:
    job = case.request(device)
    runs: dict[str, list[dict[str, Any]]] = {"torchplay": [], "plain": []}
    if case.dataloader:
        runs["dataloader"] = []
    for repeat in range(repeats or case.repeats):
        order = list(runs)
        if repeat % 2:  # A/B, then B/A: drift in the machine's load hits both sides alike
            order.reverse()
        for side in order:
            server.wait_quiet()
            if side == "torchplay":
                watched = harness.run_job(server, job)
                epochs = [e for e in watched.events if e["type"] == "epoch"]
                runs[side].append(
                    {
                        "total_s": watched.arrivals[-1] - watched.posted,
                        "loop_s": epochs[-1]["elapsed_s"],
                        "first_epoch_s": watched.first("epoch"),
                        "first_loss": epochs[0]["train_loss"],
                        "last_loss": epochs[-1]["train_loss"],
                        "events": len(watched.events),
                    }
                )
            else:
                runs[side].append(harness.run_plain(job, data_dir, "slice" if side == "plain" else "dataloader"))
    summary: dict[str, Any] = {"note": case.note, "runs": runs}
    for side, results in runs.items():
        summary[side] = {key: statistics.median(r[key] for r in results) for key in ("total_s", "loop_s")}
    tp, plain = summary["torchplay"], summary["plain"]
    summary["ratio_total"] = tp["total_s"] / plain["total_s"]
    summary["ratio_loop"] = tp["loop_s"] / plain["loop_s"]
    summary["same_first_loss"] = abs(runs["torchplay"][0]["first_loss"] - runs["plain"][0]["first_loss"]) <= 1e-5 * max(
        1.0, abs(runs["plain"][0]["first_loss"])
    )
    if case.dataloader:
        summary["speedup_vs_dataloader"] = summary["dataloader"]["total_s"] / tp["total_s"]
    return summary


def _latency(server: harness.Server, quick: bool) -> dict[str, Any]:
    plan = latency_plan(quick)
    first_epoch, first_chart = [], []
    for _ in range(plan.starts):
        server.wait_quiet()  # the warm pool has refilled: a worker with torch imported is waiting
        watched = harness.run_job(server, plan.job)
        first_epoch.append(watched.first("epoch"))
        first_chart.append(watched.first("snapshot"))
        print(f"latency: request → first epoch {first_epoch[-1] * 1000:.0f} ms", flush=True)
    server.wait_quiet()
    spiral = next(c for c in all_cases(quick) if c.name == "spiral-mlp").request("cpu")
    watched = harness.run_job(server, {**spiral, "epochs": plan.stream_epochs})
    lags = [
        wall - event["time"]
        for event, wall in zip(watched.events, watched.walls, strict=True)
        if event["type"] == "epoch" and "time" in event
    ]
    print(f"delivery: p95 {1000 * _p95(lags):.1f} ms over {len(lags)} epochs", flush=True)
    fan: dict[str, list[dict[str, Any]]] = {"1": [], str(plan.viewers): []}
    for repeat in range(plan.fanout_repeats):
        counts = [1, plan.viewers] if repeat % 2 == 0 else [plan.viewers, 1]
        for count in counts:
            server.wait_quiet()
            fan[str(count)].append(harness.fan_out(server, spiral, count))
            print(f"fan-out: {count} viewers → {fan[str(count)][-1]}", flush=True)
    one = statistics.median(r["train_s"] for r in fan["1"])
    many = statistics.median(r["train_s"] for r in fan[str(plan.viewers)])
    return {
        "first_epoch_s": {"median": statistics.median(first_epoch), "max": max(first_epoch), "all": first_epoch},
        "first_chart_s": {"median": statistics.median(first_chart), "all": first_chart},
        "delivery_ms": {
            "p50": 1000 * statistics.median(lags),
            "p95": 1000 * _p95(lags),
            "max": 1000 * max(lags),
            "epochs": len(lags),
        },
        "fan_out": {
            "viewers": plan.viewers,
            "train_s_1_viewer": one,
            "train_s_many": many,
            "slowdown": many / one - 1,
            "all_got_done": all(r["with_done"] == plan.viewers for r in fan[str(plan.viewers)]),
            "runs": fan,
        },
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _print_case(name: str, summary: dict[str, Any]) -> None:
    tp, plain = summary["torchplay"], summary["plain"]
    print(
        f"{name}: torchplay {tp['total_s']:.2f} s (loop {tp['loop_s']:.2f}) · plain {plain['total_s']:.2f} s "
        f"(loop {plain['loop_s']:.2f}) · ratio {summary['ratio_total']:.2f}",
        flush=True,
    )


def _print_table(report: dict[str, Any]) -> None:
    print(f"\ntorch {report['torch']} · {report['threads']} threads · device {report['device']} · medians")
    print("| case | torchplay s | plain s | ratio | loop: torchplay s | plain s | ratio | DataLoader s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, s in report["cases"].items():
        dl = (
            f"{s['dataloader']['total_s']:.2f} (torchplay {s['speedup_vs_dataloader']:.1f}× faster)"
            if "dataloader" in s
            else ""
        )
        print(
            f"| {name} | {s['torchplay']['total_s']:.2f} | {s['plain']['total_s']:.2f} | {s['ratio_total']:.2f} "
            f"| {s['torchplay']['loop_s']:.2f} | {s['plain']['loop_s']:.2f} | {s['ratio_loop']:.2f} | {dl} |"
        )
    lat = report.get("latency")
    if lat:
        fan = lat["fan_out"]
        print(
            f"\nrequest → first epoch event: median {lat['first_epoch_s']['median'] * 1000:.0f} ms "
            f"(max {lat['first_epoch_s']['max'] * 1000:.0f}); → first chart (snapshot) "
            f"{lat['first_chart_s']['median'] * 1000:.0f} ms; n = {len(lat['first_epoch_s']['all'])}"
        )
        print(
            f"epoch end → WebSocket client: p50 {lat['delivery_ms']['p50']:.1f} ms, "
            f"p95 {lat['delivery_ms']['p95']:.1f} ms over {lat['delivery_ms']['epochs']} epochs"
        )
        print(
            f"{fan['viewers']} viewers: training {fan['train_s_many']:.2f} s vs {fan['train_s_1_viewer']:.2f} s "
            f"with one ({fan['slowdown'] * 100:+.1f} %); every viewer got done: {fan['all_got_done']}"
        )


if __name__ == "__main__":
    main()
