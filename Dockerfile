# torchplay: the server (and, with the same image, Ray head and worker nodes).
#
#   docker build -t torchplay .                                   # CPU torch (small)
#   docker build -t torchplay:cuda --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128 .
#
# The image installs the package with the `ray` extra, so one image serves every role in
# docker-compose.yml; Ray nodes and the app must run the same Python, torch and Ray.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim

# CPU wheels by default (no CUDA libraries: ~700 MB instead of several GB). A CUDA build
# points TORCH_INDEX at the matching PyTorch wheel index (cu126, cu128, …).
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG EXTRAS=ray

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install --index-url "${TORCH_INDEX}" "torch==${TORCH_VERSION}"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY frontend ./frontend
RUN pip install ".[${EXTRAS}]" && rm -rf /src

# Run as a plain user; /data (SQLite, checkpoints, datasets) is the one writable place.
RUN useradd --create-home --uid 1000 torchplay && mkdir /data && chown torchplay:torchplay /data
COPY docker/entrypoint.sh /usr/local/bin/torchplay-entrypoint
USER torchplay
WORKDIR /home/torchplay
ENV TORCHPLAY_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000

ENTRYPOINT ["torchplay-entrypoint"]
# Inside the container the server listens on all interfaces, so TORCHPLAY_TOKEN is required
# (the server refuses to start without it); compose publishes the port on 127.0.0.1 only.
CMD ["torchplay", "serve", "--host", "0.0.0.0", "--port", "8000"]
