"""The machine a run ran on and how loaded it was, for metrics.json: a measured time means little without them."""

from __future__ import annotations

import os
from typing import Any


def machine_facts() -> dict[str, Any]:
    """Device, CPU count, torch threads and the load averages (1, 5, 15 min) as the run ends."""
    import torch

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_avg": [round(value, 2) for value in load] if load else None,
    }
