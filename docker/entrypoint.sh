#!/bin/sh
# With TORCHPLAY_EXECUTOR=ray and RAY_HEAD_ADDRESS set, the app container first joins the
# Ray cluster as a node with no CPUs and no GPUs (so no job ever lands here), then runs the
# server as an ordinary Ray driver with TORCHPLAY_RAY_ADDRESS=auto. No Ray client port is
# needed, and every Ray port stays on the compose network.
set -eu
uses_ray=no
if [ "${1:-}" = "ray" ] || [ "${TORCHPLAY_EXECUTOR:-local}" = "ray" ]; then uses_ray=yes; fi
if [ "$uses_ray" = "yes" ] && [ "${RAY_AUTH_MODE:-}" = "token" ] && [ -z "${RAY_AUTH_TOKEN:-}" ]; then
    echo "torchplay: RAY_AUTH_MODE=token needs RAY_AUTH_TOKEN (e.g. openssl rand -hex 32)" >&2
    exit 1
fi
if [ "${TORCHPLAY_EXECUTOR:-local}" = "ray" ] && [ -n "${RAY_HEAD_ADDRESS:-}" ]; then
    tries=0
    until ray start --address="${RAY_HEAD_ADDRESS}" --num-cpus=0 --num-gpus=0 --disable-usage-stats >/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -ge 30 ]; then
            echo "torchplay: could not join the Ray cluster at ${RAY_HEAD_ADDRESS}" >&2
            exit 1
        fi
        sleep 2
    done
    export TORCHPLAY_RAY_ADDRESS="${TORCHPLAY_RAY_ADDRESS:-auto}"
fi
exec "$@"
