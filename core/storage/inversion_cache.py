"""Photo inversions on disk: the :class:`~core.api.requests.InversionStore` that survives a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from core.api.trajectory import ExpectedTrajectory, Trajectory
from core.storage.cache_sizes import DEFAULT_LATENT_CACHE_BYTES
from core.storage.file_cache import FileCache
from core.storage.finite_latents import require_finite_latents
from core.storage.paths import cache_dir
from core.storage.trajectory_files import trajectory_from_bytes, trajectory_to_bytes


class DiskLatentCache:
    """An :class:`~core.api.requests.InversionStore` on disk (``cache_dir()/latents`` by default).

    Keys come from :func:`core.storage.cache_keys.inversion_key`.
    """

    def __init__(self, folder: Optional[Path] = None, max_bytes: int = DEFAULT_LATENT_CACHE_BYTES) -> None:
        self.files = FileCache(folder or cache_dir() / "latents", max_bytes)

    def get(self, key: str, expected: Optional[ExpectedTrajectory] = None) -> Optional[Trajectory]:
        """The stored trajectory, or None on a miss.

        An entry that is damaged, whose metadata disagrees with its tensors, or that does not
        fit ``expected`` (prompt, size, steps, shape, dtype, finite values) is deleted.
        """
        def decode(data: bytes, info: dict) -> Trajectory:
            trajectory = trajectory_from_bytes(data)
            stored = [list(trajectory.latents.shape), str(trajectory.latents.dtype), trajectory.prompt,
                      trajectory.height, trajectory.width]
            if stored != [info.get(name) for name in ("shape", "dtype", "prompt", "height", "width")]:
                raise ValueError("its metadata disagrees with its tensors")
            reason = expected.mismatch(trajectory) if expected is not None else None
            if reason is not None:
                raise ValueError(reason)
            return trajectory

        return self.files.read_checked(key, decode)

    def put(self, key: str, trajectory: Trajectory) -> None:
        """Store ``trajectory`` under ``key`` (skipped when it alone exceeds the cap; a
        non-finite one stops the job instead, see core.storage.finite_latents)."""
        require_finite_latents(trajectory)
        info = {"shape": list(trajectory.latents.shape), "dtype": str(trajectory.latents.dtype),
                "prompt": trajectory.prompt, "height": trajectory.height, "width": trajectory.width}
        self.files.write(key, trajectory_to_bytes(trajectory), info)
