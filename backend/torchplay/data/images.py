"""`shapes`: procedurally drawn 28×28 grayscale shapes, a small stand-in for MNIST."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from torchplay.data.base import DatasetParams

SHAPES = ["circle", "square", "triangle", "cross", "ring"]  # class names, in label order


class ShapesParams(DatasetParams):
    # 2000 images draw in well under a second and are enough for a small CNN to score > 90 %.
    samples: int = Field(2000, ge=1, le=60_000, description="Number of images.")
    noise: float = Field(0.1, ge=0.0, le=1.0, description="Standard deviation of the per-pixel Gaussian noise.")


def shapes(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Images (samples, 1, 28, 28) in [0, 1] of one shape each, at random size, place and angle.

    Each shape is a distance function in its own frame (unit radius): negative inside,
    positive outside. Multiplied by the radius in pixels it gives a one-pixel soft edge.
    """
    y = np.arange(samples) % 5  # balanced: circle, square, triangle, cross, ring
    radius = rng.uniform(6.0, 11.0, samples).astype(np.float32)  # in pixels
    margin = 1.1 * radius + 1  # the square's corners reach 1.06 × radius; keep a blank border
    cx = rng.uniform(margin, 27 - margin).astype(np.float32)
    cy = rng.uniform(margin, 27 - margin).astype(np.float32)
    angle = rng.uniform(0.0, 2 * np.pi, samples).astype(np.float32)
    brightness = rng.uniform(0.6, 1.0, samples).astype(np.float32)
    row, col = np.mgrid[0:28, 0:28].astype(np.float32)

    x = np.empty((samples, 1, 28, 28), dtype=np.float32)
    for start in range(0, samples, 1024):  # in chunks: the distance fields are 5 × the images
        k = slice(start, start + 1024)
        # Pixel centres in each image's shape frame: shift, scale, rotate.  (chunk, 28, 28)
        dx = (col - cx[k, None, None]) / radius[k, None, None]
        dy = (row - cy[k, None, None]) / radius[k, None, None]
        cos, sin = np.cos(angle[k, None, None]), np.sin(angle[k, None, None])
        u, v = cos * dx + sin * dy, cos * dy - sin * dx
        r = np.hypot(u, v)
        corners = (np.pi / 2, 7 * np.pi / 6, 11 * np.pi / 6)
        triangle = np.max([u * np.cos(a) + v * np.sin(a) for a in corners], axis=0)
        bar_across = np.maximum(np.abs(u) - 0.9, np.abs(v) - 0.25)
        bar_down = np.maximum(np.abs(u) - 0.25, np.abs(v) - 0.9)
        distance = np.select(
            [y[k, None, None] == i for i in range(5)],
            [
                r - 0.9,  # circle
                np.maximum(np.abs(u), np.abs(v)) - 0.75,  # square
                triangle - 0.5,  # triangle: three edges 0.5 from the centre
                np.minimum(bar_across, bar_down),  # cross
                np.maximum(r - 1.0, 0.6 - r),  # ring
            ],
        )
        ink = np.clip(0.5 - distance * radius[k, None, None], 0.0, 1.0) * brightness[k, None, None]
        ink += noise * rng.standard_normal(ink.shape, dtype=np.float32)
        x[k, 0] = np.clip(ink, 0.0, 1.0)
    return x, y
