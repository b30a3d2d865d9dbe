"""`torchplay serve`, `torchplay train job.json`, `torchplay sweep sweep.json`,
`torchplay datasets import NAME DIR`, `torchplay users add|list|revoke`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, TextIO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="torchplay", description="A web playground for PyTorch.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the web server")
    serve.add_argument("--host", help="bind address (default 127.0.0.1; others need TORCHPLAY_TOKEN)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--data-dir", help="where jobs and datasets live (default ./torchplay-data)")
    serve.add_argument("--insecure-no-auth", action="store_true", help="allow a public bind without a token")

    train = commands.add_parser("train", help="train one job headless, printing progress")
    train.add_argument("job", type=Path, help="a job request as JSON (the body of POST /api/jobs)")
    train.add_argument("--jsonl", metavar="FILE", help="write every event as a JSON line ('-' for stdout)")
    train.add_argument("--data-dir", help="dataset cache (default ./torchplay-data)")

    sweep = commands.add_parser("sweep", help="train a sweep headless, a line per member, then a results table")
    sweep.add_argument("sweep", type=Path, help="a sweep as JSON (the body of POST /api/sweeps)")
    sweep.add_argument(
        "--by",
        choices=["val_loss", "train_loss", "accuracy"],
        default="val_loss",
        help="the final metric the table is sorted by (default val_loss; train_loss where a job has no validation)",
    )
    sweep.add_argument("--jsonl", metavar="FILE", help="write every member's events as JSON lines ('-' for stdout)")
    sweep.add_argument("--data-dir", help="dataset cache and the members' folders (default ./torchplay-data)")

    datasets = commands.add_parser("datasets", help="manage dataset files")
    dataset_commands = datasets.add_subparsers(dest="action", required=True)
    importer = dataset_commands.add_parser("import", help="copy MNIST-style IDX files from a folder into the cache")
    importer.add_argument("name", choices=["mnist", "fashion-mnist"])
    importer.add_argument("folder", type=Path)
    importer.add_argument("--data-dir", help="dataset cache (default ./torchplay-data)")

    users = commands.add_parser("users", help="people with their own tokens (run with the server's data dir)")
    user_commands = users.add_subparsers(dest="action", required=True)
    adder = user_commands.add_parser("add", help="add a user and print their new token (shown once)")
    adder.add_argument("name")
    adder.add_argument("--admin", action="store_true", help="sees and controls every job")
    lister = user_commands.add_parser("list", help="list users (never their tokens)")
    revoker = user_commands.add_parser("revoke", help="remove a user: their token stops working")
    revoker.add_argument("name")
    for sub in (adder, lister, revoker):
        sub.add_argument("--data-dir", help="the server's data dir (default: TORCHPLAY_DATA_DIR, ./torchplay-data)")

    args = parser.parse_args(argv)
    if getattr(args, "data_dir", None):
        os.environ["TORCHPLAY_DATA_DIR"] = args.data_dir
    if args.command == "serve":
        return _serve(args)
    if args.command == "train":
        return _train(args)
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "users":
        return _users(args)
    return _import(args)


def _settings(**overrides: Any) -> Any:
    from pydantic import ValidationError

    from torchplay.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            print(f"torchplay: {error['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        raise SystemExit(2) from None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from torchplay.api import create_app
    from torchplay.api.serving import uvicorn_options

    settings = _settings(host=args.host, port=args.port, insecure_no_auth=args.insecure_no_auth or None)
    print(f"torchplay: serving http://{settings.host}:{settings.port} (data in {settings.data_dir})", file=sys.stderr)
    if settings.binds_every_address and not settings.allowed_hosts:
        print(
            "torchplay: answering to localhost and 127.0.0.1; list the other names or addresses people "
            "use to reach this machine in TORCHPLAY_ALLOWED_HOSTS",
            file=sys.stderr,
        )
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for the
    # handler it found. Python's default for SIGTERM kills the process on the spot, skipping
    # `atexit`, where multiprocessing removes the workers' semaphores ("leaked semaphore
    # objects" at shutdown). A handler that exits normally lets that clean-up run.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_after_shutdown)
    uvicorn.run(create_app(settings), **uvicorn_options(settings))
    return 0


def _exit_after_shutdown(signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _train(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from torchplay.planning import plan_under
    from torchplay.spec import JobCreate, SpecError
    from torchplay.spec.wire import EventBase
    from torchplay.training import run_job

    settings = _settings()
    try:
        request = JobCreate.model_validate_json(args.job.read_text())
        plan = plan_under(settings, request)
    except (OSError, ValidationError, SpecError) as exc:
        print(f"torchplay: {args.job}: {exc}", file=sys.stderr)
        return 2
    for warning in plan.warnings:  # unusual but valid: the job runs, and says why it may surprise
        print(f"torchplay: warning: {'.'.join(map(str, warning.loc))}: {warning.msg}", file=sys.stderr)
    sink = None if args.jsonl is None else sys.stdout if args.jsonl == "-" else open(args.jsonl, "w")  # noqa: SIM115
    progress = _Progress(sys.stderr if sink is sys.stdout else sys.stdout)
    seq = 0

    def emit(event: EventBase) -> None:
        nonlocal seq
        seq += 1
        line = event.numbered(seq).to_json()
        if sink is not None:
            sink.write(line + "\n")
            sink.flush()
        progress.show(json.loads(line))

    try:
        status = run_job(plan, emit, data_dir=settings.data_dir)
    except KeyboardInterrupt:
        status = "stopped"
    finally:
        if sink not in (None, sys.stdout):
            sink.close()
    return 0 if status == "completed" else 1


class _Progress:
    """One line per epoch with a bar; a final line for `done`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.perf_counter()

    def show(self, event: dict[str, Any]) -> None:
        if event["type"] == "epoch":
            done, total = event["epoch"], event["epochs"]
            bar = "#" * int(24 * done / total)
            val = f" val_loss {event['val_loss']:.4f}" if event["val_loss"] is not None else ""
            acc = event["metrics"].get("accuracy")
            acc_text = f" acc {acc:.3f}" if acc is not None else ""
            print(
                f"[{bar:<24}] epoch {done}/{total} loss {event['train_loss']:.4f}{val}{acc_text}",
                file=self.out,
                flush=True,
            )
        elif event["type"] == "status":
            print(f"{event['status']} on {event.get('device')}", file=self.out, flush=True)
        elif event["type"] == "done":
            took = time.perf_counter() - self.started
            error = f": {event['error']}" if event.get("error") else ""
            print(f"{event['status']} in {took:.1f} s{error}", file=self.out, flush=True)


def _sweep(args: argparse.Namespace) -> int:
    import asyncio

    from pydantic import ValidationError

    from torchplay.spec import SpecError
    from torchplay.spec.sweep import SweepCreate
    from torchplay.sweeps.headless import run_sweep
    from torchplay.sweeps.results import results_table

    settings = _settings()
    try:
        sweep = SweepCreate.model_validate_json(args.sweep.read_text())
    except (OSError, ValidationError) as exc:
        print(f"torchplay: {args.sweep}: {exc}", file=sys.stderr)
        return 2
    sink = None if args.jsonl is None else sys.stdout if args.jsonl == "-" else open(args.jsonl, "w")  # noqa: SIM115
    progress = _SweepProgress(sys.stderr if sink is sys.stdout else sys.stdout)

    def on_event(member: Any) -> None:
        if sink is not None:
            sink.write(json.dumps(member.event) + "\n")
            sink.flush()
        progress.show(member)

    try:
        members = asyncio.run(run_sweep(settings, sweep, on_event))
    except SpecError as exc:
        for error in exc.errors:
            print(f"torchplay: {args.sweep}: {_loc(error['loc'])}: {error['msg']}", file=sys.stderr)
        return 2
    finally:
        if sink not in (None, sys.stdout):
            sink.close()
    metric = args.by
    if metric == "val_loss" and all(m["val_loss"] is None for m in members):
        metric = "train_loss"  # no validation split: the training loss is all there is
    print(f"\n{len(members)} members, best {metric} first:", file=progress.out)
    print(results_table(members, list(sweep.axes), metric), file=progress.out, flush=True)
    finished = all(m["status"] == "completed" or m["stopped_by"] for m in members)
    return 0 if finished else 1


def _loc(loc: list[str | int]) -> str:
    """`axes → model.layers.0.out_features → 1 → in_features`: the axis path stays whole."""
    return " → ".join(str(part) for part in loc)


class _SweepProgress:
    """A line per member when it starts, at each quarter of its epochs, and when it ends."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started: dict[str, float] = {}
        self.shown: dict[str, int] = {}  # member → quarters of its epochs already shown
        self.last_epoch: dict[str, dict[str, Any]] = {}

    def show(self, member: Any) -> None:
        event = member.event
        label = " · ".join(f"{path}={json.dumps(value)}" for path, value in member.values.items())
        head = f"[{member.index:>{len(str(member.count))}}/{member.count}] {label}"
        if event["type"] == "status" and event["status"] == "running" and member.job_id not in self.started:
            self.started[member.job_id] = time.perf_counter()
            print(f"{head}  running on {event.get('device')}", file=self.out, flush=True)
        elif event["type"] == "epoch":
            quarter = 4 * event["epoch"] // event["epochs"]
            if quarter > self.shown.get(member.job_id, 0) and event["epoch"] < event["epochs"]:
                self.shown[member.job_id] = quarter
                print(f"{head}  epoch {event['epoch']}/{event['epochs']}{_losses(event)}", file=self.out, flush=True)
            self.last_epoch[member.job_id] = event
        elif event["type"] == "done":
            took = time.perf_counter() - self.started.get(member.job_id, time.perf_counter())
            last = self.last_epoch.get(member.job_id)
            at = f" at epoch {last['epoch']}/{last['epochs']}{_losses(last)}" if last else ""
            error = f": {event['error']}" if event.get("error") else ""
            print(f"{head}  {event['status']} in {took:.1f} s{at}{error}", file=self.out, flush=True)


def _losses(event: dict[str, Any]) -> str:
    val = f" val_loss {event['val_loss']:.4f}" if event["val_loss"] is not None else ""
    acc = event["metrics"].get("accuracy")
    return f" loss {event['train_loss']:.4f}{val}" + (f" acc {acc:.3f}" if acc is not None else "")


def _import(args: argparse.Namespace) -> int:
    from torchplay import data

    settings = _settings()
    try:
        target = data.import_idx_dataset(args.name, args.folder, settings.data_dir)
    except (OSError, ValueError, data.DatasetUnavailable) as exc:
        print(f"torchplay: {exc}", file=sys.stderr)
        return 2
    print(f"imported {args.name} into {target}")
    return 0


def _users(args: argparse.Namespace) -> int:
    from torchplay.people import Accounts, UserError

    settings = _settings()
    accounts = Accounts(settings.db_path)
    try:
        if args.action == "add":
            # The token alone on stdout (scripts capture it); it is stored only as a hash.
            print(accounts.add_user(args.name, admin=args.admin))
            print(
                f"torchplay: added {args.name}{' (admin)' if args.admin else ''}; the token is shown once",
                file=sys.stderr,
            )
        elif args.action == "revoke":
            accounts.revoke_user(args.name)
            print(f"torchplay: revoked {args.name}; their token no longer works", file=sys.stderr)
        else:
            for user in accounts.users():
                print(f"{user['name']}{'  admin' if user['admin'] else ''}")
    except UserError as exc:
        print(f"torchplay: {exc}", file=sys.stderr)
        return 2
    finally:
        accounts.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
