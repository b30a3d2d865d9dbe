"""Control: one command per counter tick, even when the tick is seen before the command."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

from torchplay.training.control import Control


def test_a_tick_that_arrives_before_its_command_is_not_lost() -> None:
    ctx = mp.get_context("spawn")
    counter, commands = ctx.RawValue("q", 0), ctx.Queue()
    control = Control(counter=counter, commands=commands)
    counter.value += 1  # the owner's tick lands first…
    threading.Timer(0.05, commands.put, args=({"op": "pause"},)).start()  # …its command a bit later
    control.poll()
    assert control.paused and control.seen == 1
    commands.close()


def test_commands_apply_in_order() -> None:
    control = Control()
    for command in ({"op": "pause"}, {"op": "step"}, {"op": "set", "values": {"lr": 0.5}}, {"op": "stop"}):
        control.send(command)
    assert control.poll() is True
    assert control.step_once and not control.paused
    assert control.take_changes() == {"lr": 0.5} and control.take_changes() == {}


def test_wait_while_paused_returns_on_resume() -> None:
    control = Control()
    control.send({"op": "pause"})
    control.poll()
    threading.Timer(0.1, control.send, args=({"op": "resume"},)).start()
    started = time.monotonic()
    control.wait_while_paused()
    assert not control.paused and time.monotonic() - started < 5
