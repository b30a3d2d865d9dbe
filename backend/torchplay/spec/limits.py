"""Size limits checked before anything is allocated (values come from the settings)."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Of a machine's memory (RAM, or a GPU's), what the jobs running at once share between them;
# the rest is the server's and the system's.
FAIR_SHARE = 0.8


class Limits(BaseModel):
    max_params: int = Field(50_000_000, description="Parameters in one model (all parts of a GAN).")
    max_layers: int = Field(1_000, description="Layers in one model, nested blocks counted.")
    max_epochs: int = Field(1_000_000, description="Epochs in one job.")
    max_samples: int = Field(1_000_000, description="Samples a generated dataset may ask for.")
    max_batch_size: int = Field(65_536, description="Samples in one batch.")
    # Typed data is for a tutorial's handful of rows; a CSV upload is the way for more.
    max_inline_values: int = Field(100_000, description="Numbers in an inline dataset (x and y together).")
    max_body_bytes: int = Field(10 * 2**20, description="Size of a JSON request body.")
    max_upload_bytes: int = Field(100 * 2**20, description="Size of an uploaded CSV file.")
    max_queued_jobs: int = Field(100, description="Jobs waiting to run at once.")
    max_sweep_members: int = Field(64, description="Member jobs of one sweep.")
    max_running_jobs: int = Field(2, description="Jobs training at once (per device).")
    max_ws_message_bytes: int = Field(64 * 2**10, description="Size of a message a viewer may send.")
    max_json_depth: int = Field(64, description="Nesting of a JSON body or parameter (arrays and objects).")
    max_csv_columns: int = Field(10_000, description="Columns of an uploaded CSV file.")
    max_header_bytes: int = Field(64 * 2**10, description="Size of a request's line and headers.")
    # A lecture's viewers each hold a WebSocket, and their pages open a few more while loading.
    max_connections: int = Field(2_048, description="Open connections and requests at once; more get 503.")
    # A 28×28 canvas or a 2-D plane query needs far fewer; rows are run in memory-sized chunks.
    max_predict_rows: int = Field(1_024, description="Rows (inputs) in one predict request.")
    # Settings default both to a fair share of this machine: RAM (or one GPU's memory) over
    # the jobs that may run at once.
    max_train_memory_mb: int = Field(8_192, ge=1, description="Estimated training memory of one job (RAM).")
    max_train_gpu_memory_mb: int | None = Field(
        None, ge=1, description="Estimated training memory of one CUDA job (default: max_train_memory_mb)."
    )
    train_memory_budget_mb: int | None = Field(
        None, ge=1, description="Memory at which a worker fails its job (default: the job's limit)."
    )
