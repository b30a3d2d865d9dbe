"""torchplay against the plain PyTorch loop a learner would type: `python -m benchmarks`.

Each case runs through a real server, a real worker and a WebSocket viewer that receives
every event, and as a plain script in a subprocess, alternating, several times; the table
shows medians and the ratio torchplay / plain. Results go to `benchmarks/results/`.
"""
