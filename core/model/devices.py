"""Choosing the compute device, the precision and the memory mode.

torch is imported inside the functions: the command line reads the choices without it.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from core.api.errors import ParameterError

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
DTYPE_CHOICES = ("auto", "float32", "bfloat16", "float16")


class MemoryMode(str, Enum):
    """How the pipeline's weights are placed on a GPU.

    - none: transformer and VAE stay on the GPU; the text encoders come to the GPU only to
      encode a new prompt and leave it afterwards (the prompt cache makes repeats free);
    - model-cpu-offload: each component comes to the GPU while it runs (diffusers);
    - group-offload: the transformer streams its blocks to the GPU one group at a time,
      overlapping transfers with compute (diffusers group offloading);
    - sequential-cpu-offload: every layer is moved in as it runs (slowest, least memory);
    - auto: the fastest of these (with FP8 weights where needed) whose expected peak fits
      the card, re-checked per edit (core/model/memory_auto.py); "none" on the CPU and MPS.
    """

    AUTO = "auto"
    NONE = "none"
    MODEL_CPU_OFFLOAD = "model-cpu-offload"
    GROUP_OFFLOAD = "group-offload"
    SEQUENTIAL_CPU_OFFLOAD = "sequential-cpu-offload"


WEIGHT_CHOICES = ("model", "fp8")
# The modes that place weights (every mode but AUTO, which chooses one of them).
PLACED_MODES = tuple(mode for mode in MemoryMode if mode is not MemoryMode.AUTO)


def cuda_unavailable_reason() -> str:
    """Why CUDA cannot be used here, in words a user understands."""
    import torch

    if torch.version.cuda is None:
        return "CUDA not available: this is the CPU build of PyTorch"
    return "CUDA not available: no NVIDIA GPU or driver was found"


def has_accelerator() -> bool:
    """Whether a CUDA or Apple MPS device is usable here: without one, FLUX.1 is impractically slow."""
    return resolve_device("auto").type != "cpu"


def resolve_device(name: str) -> torch.device:
    """Turn ``auto|cpu|cuda|mps`` into a usable device, refusing ones that are absent."""
    import torch

    if name not in DEVICE_CHOICES:
        raise ParameterError(f"unknown device '{name}': choose one of {', '.join(DEVICE_CHOICES)}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ParameterError(f"{cuda_unavailable_reason()}; use --device cpu")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ParameterError("Apple MPS is not available on this machine; use --device cpu")
    return torch.device(name)


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto`` is bfloat16 on GPUs (CUDA, MPS) and float32 on the CPU."""
    import torch

    if name == "auto":
        return torch.float32 if device.type == "cpu" else torch.bfloat16
    if name not in DTYPE_CHOICES:
        raise ParameterError(f"unknown precision '{name}': choose one of {', '.join(DTYPE_CHOICES)}")
    return getattr(torch, name)


def describe_device(device: torch.device) -> str:
    """A one-line description of the device for logs and the status bar."""
    import torch

    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    reason = cuda_unavailable_reason() if not torch.cuda.is_available() else ""
    return f"CPU ({reason})" if reason else "CPU"
