"""The model and data of the test app: linear regression, plain numpy.

Every ClientApp builds its partition deterministically (seeded by its partition id) from one
shared ground-truth weight vector, or loads `data.npz` (arrays `x`, `y`) from the directory named
by the node config `data-dir` (or `FL_DATA_DIR`) when the site's data volume holds one. The ServerApp scores the global model on a
held-out set drawn from the same distribution, so the loss it records reflects real learning.
"""

import os
from pathlib import Path

import numpy as np

NUM_FEATURES = 8
TRUE_SEED = 1234
VALIDATION_SEED = 999_999


def true_weights() -> np.ndarray:
    """The ground truth every partition is drawn from (bias last)."""
    return np.random.default_rng(TRUE_SEED).normal(size=NUM_FEATURES + 1)


def synthetic(seed: int, num_examples: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """A deterministic sample: features with a seed-dependent shift, targets plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=0.1 * (seed % 3), size=(num_examples, NUM_FEATURES))
    w = true_weights()
    y = x @ w[:-1] + w[-1] + rng.normal(scale=0.1, size=num_examples)
    return x, y


def load_partition(partition_id: int, data_dir: str = "") -> tuple[np.ndarray, np.ndarray]:
    """The site's data: `<data_dir>/data.npz` if present (`data_dir` from the SuperNode's node
    config `data-dir`, which the stacks set to the site's volume; else `$FL_DATA_DIR`), else the
    synthetic partition."""
    data_dir = data_dir or os.environ.get("FL_DATA_DIR", "")
    candidate = Path(data_dir) / "data.npz" if data_dir else None
    if candidate is not None and candidate.is_file():
        with np.load(candidate) as data:
            return np.asarray(data["x"], dtype=float), np.asarray(data["y"], dtype=float)
    return synthetic(seed=partition_id + 1)


def validation_set() -> tuple[np.ndarray, np.ndarray]:
    """The held-out set the ServerApp scores the global model on."""
    return synthetic(seed=VALIDATION_SEED, num_examples=500)


def initial_weights() -> np.ndarray:
    """All-zero start, so the first rounds visibly lower the loss."""
    return np.zeros(NUM_FEATURES + 1)


def mse(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the model on (x, y)."""
    residual = x @ weights[:-1] + weights[-1] - y
    return float(np.mean(residual**2))


def train(weights: np.ndarray, x: np.ndarray, y: np.ndarray, epochs: int, lr: float) -> np.ndarray:
    """Full-batch gradient descent on the mean squared error."""
    w = weights.astype(float).copy()
    n = len(y)
    for _ in range(epochs):
        residual = x @ w[:-1] + w[-1] - y
        grad = np.append(2.0 / n * (x.T @ residual), 2.0 * residual.mean())
        w -= lr * grad
    return w
