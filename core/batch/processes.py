"""The processes of a batch: one, or those ``accelerate launch`` started (one per GPU, on one or many machines).

accelerate's :class:`~accelerate.PartialState` tells each process its rank and device
(on GPUs it also makes the process's own GPU the current one) and splits the photos with
``split_between_processes``. Without a GPU the processes talk over gloo on the CPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
# A process that finishes its share early waits for the others at the end; a long batch must not time out.
WAIT_TIMEOUT = timedelta(days=7)
_LAUNCHER_VARIABLES = ("LOCAL_RANK", "WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE")


@dataclass
class BatchProcesses:
    """This process's place among the batch's processes."""

    index: int = 0
    count: int = 1
    split: Callable[[Sequence[Any]], list] = list
    wait: Callable[[], None] = lambda: None

    @property
    def is_main(self) -> bool:
        """Whether this process merges the report and prints the summary."""
        return self.index == 0


def launched_by_accelerate() -> bool:
    """Whether a distributed launcher (accelerate launch, torchrun, mpirun) started this process."""
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def batch_processes() -> BatchProcesses:
    """One process, or this process's rank and share when started by ``accelerate launch``."""
    if not launched_by_accelerate():
        return BatchProcesses()
    import torch
    from accelerate import PartialState

    state = PartialState(cpu=not torch.cuda.is_available(), timeout=WAIT_TIMEOUT)

    def split(items: Sequence[T]) -> list[T]:
        with state.split_between_processes(list(items)) as mine:
            return list(mine)

    return BatchProcesses(state.process_index, state.num_processes, split, state.wait_for_everyone)
