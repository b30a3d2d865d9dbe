"""How an event goes on the wire: the fields every event has, and its one JSON form.

Events are emitted without `seq` and `job_id` (the trainer knows neither); whoever stores
them (the server, the CLI) numbers them. Fields an emitter leaves unset stay off the wire,
so optional notes appear only when there is something to say; non-finite floats (a
diverging loss) become `null`, keeping every frame valid JSON.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")

    seq: int | None = Field(None, description="Per job, from 1, in the order the server stored it.")
    type: str
    job_id: str | None = Field(None, description="The job it belongs to.")

    # Tags are on the wire even when left to their defaults (they tell the kinds apart).
    tags: ClassVar[tuple[str, ...]] = ("type",)

    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.update(self.tags)

    def numbered(self, seq: int, job_id: str | None = None) -> EventBase:
        """The same event with its place in the job's history."""
        update: dict[str, Any] = {"seq": seq} if job_id is None else {"seq": seq, "job_id": job_id}
        return self.model_copy(update=update)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_unset=True)
