"""A job's files: its folder (`data_dir/jobs/<job id>/`: checkpoints, the final weights),
and the file work the server does on them, in one background thread in order, never on
the event loop.

Folder names come from server-made ids, never from a request. The trainer writes into the
folder and never deletes; the server prunes checkpoints as the stored history moves on
(`training.checkpoint.prune`) and removes the folder with its job.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from torchplay.training import checkpoint


def job_dir(data_dir: Path | str, job_id: str) -> Path:
    """The job's own folder. Ids are server-made hex; anything else is refused outright."""
    if not job_id or not all(c in "0123456789abcdef" for c in job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    return Path(data_dir) / "jobs" / job_id


class MissingCheckpoint(Exception):
    """The checkpoint a fork asked for is not there; `available` are the epochs that are."""

    def __init__(self, available: list[int]) -> None:
        super().__init__(", ".join(map(str, available)) or "none yet")
        self.available = available


class JobFiles:
    def __init__(self, data_dir: Path, keep_checkpoints: int = checkpoint.DEFAULT_KEEP) -> None:
        self.data_dir = data_dir
        self.keep_checkpoints = keep_checkpoints
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-files")
        self._lock = threading.Lock()
        self._prunes: dict[str, int] = {}  # job → the stored epoch its waiting prune is for

    def folder(self, job_id: str) -> Path:
        return job_dir(self.data_dir, job_id)

    async def resume_point(self, job_id: str, at_most: int) -> checkpoint.ResumePoint:
        """The newest good checkpoint the stored history reaches (the worker may have run
        ahead), and the damaged newer ones passed over. Checksums are read in a thread."""
        return await asyncio.to_thread(checkpoint.newest_good, self.folder(job_id), at_most)

    async def checkpoints(self, job_id: str, at_most: int) -> list[int]:
        """Epochs with a good checkpoint the stored history reaches (what a fork may start from)."""
        folder = self.folder(job_id)

        def good() -> list[int]:
            return [e for e in checkpoint.epochs(folder) if e <= at_most and checkpoint.verify(folder, e) is None]

        return await asyncio.wrap_future(self._worker.submit(good))

    async def copy_checkpoint(self, source: str, target: str, at_most: int, epoch: int | None = None) -> int:
        """Copy the good checkpoint of `epoch` (None: the newest the stored history reaches)
        into another job's (new) folder, and say which epoch that was. Chosen and copied in
        one go in the file thread, so no prune can remove it in between; `MissingCheckpoint`
        (with the epochs there are) when there is none to copy."""
        folder = self.folder(source)

        def choose_and_copy() -> int:
            good = [e for e in checkpoint.epochs(folder) if e <= at_most and checkpoint.verify(folder, e) is None]
            chosen = good[-1] if epoch is None and good else epoch
            if chosen is None or chosen not in good:
                raise MissingCheckpoint(good)
            checkpoint.copy(folder, self.folder(target), chosen)
            return chosen

        return await asyncio.wrap_future(self._worker.submit(choose_and_copy))

    def prune(self, job_id: str, stored_epoch: int) -> None:
        """Drop checkpoints the history has passed, soon. A fast job stores many epochs a
        second: while one prune waits, newer epochs only move its target."""
        with self._lock:
            waiting = job_id in self._prunes
            self._prunes[job_id] = stored_epoch
        if not waiting:
            self._worker.submit(self._prune, job_id)

    async def remove(self, job_id: str) -> None:
        """Remove the job's folder; done when this returns."""
        await asyncio.wrap_future(self.remove_soon(job_id))

    def remove_soon(self, job_id: str) -> Future[None]:
        """Remove the job's folder after the file work already asked for (its last writes too)."""
        return self._worker.submit(self._remove, job_id)

    def close(self) -> None:
        self._worker.shutdown(wait=True)

    def _prune(self, job_id: str) -> None:
        with self._lock:
            epoch = self._prunes.pop(job_id, None)
        if epoch is not None:  # None: the job was removed meanwhile
            checkpoint.prune(self.folder(job_id), epoch, self.keep_checkpoints)

    def _remove(self, job_id: str) -> None:
        with self._lock:
            self._prunes.pop(job_id, None)
        shutil.rmtree(self.folder(job_id), ignore_errors=True)
