"""Predict and internals in a process of their own: the server never holds a model.

One long-lived process, started at the first request, loads a job's trained model (the
cache is in `training.inference`), runs it and answers with JSON text, which the server
sends on as it is. Requests take turns, waiting on the event loop, not in threads. A
request that runs past the timeout, or a process that dies (killed for memory, a crash in
torch), ends that request with `InferenceUnavailable`; the next request starts a fresh
process. Everything torch is in the child; the server side only moves requests and text.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import signal
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal

from torchplay.planning import PlannedJob
from torchplay.training.inference import InputError, NotTrained

START_TIMEOUT_S = 120.0  # importing torch on a small, busy machine
_ctx = mp.get_context("spawn")  # fork would copy the server's threads and sockets

Kind = Literal["predict", "internals"]


class InferenceUnavailable(Exception):
    """The inference process did not answer: it took too long, or it died."""


class InferenceProcess:
    def __init__(self, threads: int, timeout_s: float) -> None:
        self.threads = threads
        self.timeout_s = timeout_s
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._pipe = threading.Lock()  # one exchange at a time, even if its waiter was cancelled
        self._turn = asyncio.Lock()

    async def predict(self, plan: PlannedJob, folder: Path, inputs: list[Any]) -> str:
        """The prediction's JSON text (see `training.inference.predict`)."""
        return await self._ask(("predict", plan.model_dump_json(), str(folder), inputs))

    async def internals(self, plan: PlannedJob, folder: Path, data_dir: Path) -> str:
        """The internals' JSON text (see `training.internals.internals`)."""
        return await self._ask(("internals", plan.model_dump_json(), str(folder), str(data_dir)))

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def close(self) -> None:
        process = self._process
        if process is not None and process.is_alive():
            process.kill()  # an answer in flight ends now, not after its timeout
        with self._pipe:
            self._stop()

    async def _ask(self, request: tuple[Kind, str, str, Any]) -> str:
        async with self._turn:
            outcome, text = await asyncio.to_thread(self._exchange, request)
        if outcome == "ok":
            return text
        if outcome == "not_trained":
            raise NotTrained(text)
        if outcome == "input":
            raise InputError(text)
        raise InferenceUnavailable(text)

    def _exchange(self, request: tuple[Kind, str, str, Any]) -> tuple[str, str]:
        with self._pipe:
            deadline = time.monotonic() + self.timeout_s
            conn = self._handed(request)
            try:
                if not conn.poll(max(0.0, deadline - time.monotonic())):
                    self._stop()
                    raise InferenceUnavailable(
                        f"{request[0]} took longer than {self.timeout_s:g} s (predict_timeout_s) and was stopped"
                    )
                answer: tuple[str, str] = conn.recv()
                return answer
            except (EOFError, OSError):  # the process died under the request
                code = self._stop()
                raise InferenceUnavailable(
                    f"the process running {request[0]} stopped (exit code {code}) before answering; "
                    "it is restarted for the next request"
                ) from None

    def _handed(self, request: tuple[Kind, str, str, Any]) -> Connection:
        """Send `request` to a process that takes it (says so at once). One that died while
        idle can still look alive for a moment (a big process takes a while to go): then
        a fresh one takes the request, which has not run anywhere yet."""
        for _attempt in range(2):
            conn = self._started()
            try:
                conn.send(request)
                if conn.poll(START_TIMEOUT_S) and conn.recv() == ("taken", ""):
                    return conn
            except (EOFError, OSError):
                pass
            self._stop()
        raise InferenceUnavailable(f"no inference process took the {request[0]} request")

    def _started(self) -> Connection:
        if self._process is not None and self._conn is not None and self._process.is_alive():
            return self._conn
        self._stop()
        ours, theirs = _ctx.Pipe()
        process = _ctx.Process(
            target=inference_main, args=(theirs, self.threads), daemon=True, name="torchplay-inference"
        )
        process.start()
        theirs.close()
        self._process, self._conn = process, ours
        try:
            ready = ours.poll(START_TIMEOUT_S) and ours.recv() == ("ready", "")
        except (EOFError, OSError):
            ready = False
        if not ready:
            code = self._stop()
            raise InferenceUnavailable(f"the inference process did not start (exit code {code})")
        return ours

    def _stop(self) -> int | None:
        """End the process (if any); its exit code."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is None:
            return None
        if process.is_alive():  # it holds nothing worth a graceful exit: models load again
            process.kill()
        process.join()
        return process.exitcode


def inference_main(conn: Connection, threads: int) -> None:
    """The child: answer requests until the server closes the pipe (or dies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server ends it on its own shutdown
    import torch

    torch.set_num_threads(threads)
    conn.send(("ready", ""))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        conn.send(("taken", ""))
        conn.send(_answer(*request))


def _answer(kind: Kind, plan_json: str, folder: str, payload: Any) -> tuple[str, str]:
    from torchplay.training import inference, internals

    try:
        trained = inference.load_trained(PlannedJob.model_validate_json(plan_json), Path(folder))
    except NotTrained as exc:
        return "not_trained", str(exc)
    except Exception as exc:  # a damaged file: trying again will not help (409, not 503)
        return "not_trained", f"the trained weights of job {Path(folder).name} could not be read ({type(exc).__name__})"
    try:
        if kind == "predict":
            answer = inference.predict(trained, payload)
        else:
            answer = internals.internals(trained, Path(payload))
    except InputError as exc:
        return "input", str(exc)
    except Exception as exc:  # the request fails, not the process
        return "failed", f"{kind} failed: {type(exc).__name__}: {exc}"
    try:
        return "ok", json.dumps(answer, allow_nan=False)
    except ValueError:
        return "input", "the model's outputs for these inputs are not all finite numbers"
