"""Building large edit trees fast (tiny 16x16 images, 1-step trajectories) for load-time checks."""

from __future__ import annotations

import torch
from PIL import Image

from core.api.trajectory import Trajectory
from core.session.node import EditNode
from core.session.tree import EditTree

SIDE = 16


def tiny_trajectory(seed: int) -> Trajectory:
    """A valid 1-step trajectory of a 16x16 image (one packed token of 64 channels)."""
    latents = torch.randn(2, 1, 64, generator=torch.Generator().manual_seed(seed))
    return Trajectory(latents, torch.tensor([1.0, 0.0]), SIDE, SIDE, f"prompt {seed}", 3.5)


def large_tree(count: int, shape: str) -> EditTree:
    """A tree of ``count`` nodes: ``chain`` (each the child of the previous) or ``star`` (all under the root)."""
    tree = EditTree()
    image = Image.new("RGB", (SIDE, SIDE), (10, 20, 30))
    root = EditNode("n0", None, "photo", "root", original_size=(SIDE, SIDE))
    tree.reset(root, image)
    for index in range(1, count):
        parent = f"n{index - 1}" if shape == "chain" else "n0"
        node = EditNode(f"n{index}", parent, "edit", f"edit {index}", source_prompt="root", method="stable-flow",
                        params={"steps": 1}, seed=index, trajectory_id=f"n{index}")
        tree.insert(node, image, tiny_trajectory(index))
    return tree
