"""Reproducibility and CPU threading, set once at the start of every verb."""

from __future__ import annotations

import os
import random

import numpy as np


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (when installed) PyTorch, so a run can be repeated exactly."""
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)  # the CPU and every CUDA device
    # Repeatable convolutions on GPUs. (torch.use_deterministic_algorithms would go further,
    # but loading it costs seconds at every start, and CPU runs are repeatable without it.)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


def available_cpus() -> int:
    """CPUs this process may run on (respects taskset and container limits)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def set_threads(threads: int) -> int:
    """Pin the number of CPU threads; 0 means all the CPUs this process may use.

    On small shared machines, letting every library pick its own thread count
    makes the same run take anywhere from seconds to a minute.
    """
    count = threads or available_cpus()
    os.environ["OMP_NUM_THREADS"] = str(count)
    try:  # BLAS and OpenMP pools already loaded (NumPy's) ignore the variable above
        from threadpoolctl import threadpool_limits

        threadpool_limits(count)
    except ImportError:
        pass
    try:
        import torch
    except ImportError:
        return count
    torch.set_num_threads(count)
    return count
