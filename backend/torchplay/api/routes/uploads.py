"""CSV upload (`POST /api/datasets`): a table in, a new dataset in the catalogue out.

The size limit (`max_upload_bytes`) is enforced by the `BodyLimit` guard while the body
streams in; parsing, checking and storing are `data.import_csv`'s. The client's file name
is only a label: the stored dataset's name and folder are made by the server, and the
upload is listed to the one who sent it (see `GET /api/datasets`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile

from torchplay import data
from torchplay.api import schemas
from torchplay.api.deps import CallerDep, SettingsDep

router = APIRouter(prefix="/api", tags=["datasets"])


@router.post("/datasets", status_code=201, response_model=schemas.Dataset)
def upload_dataset(
    settings: SettingsDep,
    caller: CallerDep,
    file: Annotated[UploadFile, File(description="A CSV file with a header row.")],
    target: Annotated[str, Form(min_length=1, max_length=200, description="The column to predict.")],
    name: Annotated[
        str | None, Form(max_length=200, description="A label for people (default: the file name).")
    ] = None,
) -> dict[str, Any]:
    # A sync route: FastAPI runs it in a thread, so parsing a large file never blocks the
    # event loop that streams running jobs. The guard already refused oversized bodies;
    # reading one byte past the limit still catches a body that declared no length.
    limit = settings.max_upload_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise HTTPException(413, f"the file is over the limit max_upload_bytes={limit:,}")
    try:
        entry = data.import_csv(
            content,
            target,
            settings.data_dir,
            name=name or file.filename,
            max_rows=settings.max_samples,
            max_columns=settings.max_csv_columns,
            owner=caller.name,
        )
    except data.CsvError as exc:
        field = "target" if str(exc).startswith("unknown target column") else "file"
        raise HTTPException(422, [{"loc": ["body", field], "msg": str(exc), "type": "csv_invalid"}]) from None
    return data.catalogue_row(entry)
