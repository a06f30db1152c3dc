"""The sizes the model works at: sides multiples of 16 up to a limit (no numpy, PIL or torch,
so the editor's widgets can use the same rule)."""

from __future__ import annotations

from core.api.errors import ParameterError

SIZE_MULTIPLE = 16
# The largest side the model works at (FLUX is trained up to about 2 megapixels).
MAX_SIDE = 4096


def check_side(name: str, value: object) -> int:
    """One side of a working size: a whole multiple of 16 from 16 to :data:`MAX_SIDE`."""
    if isinstance(value, bool) or not isinstance(value, int) or value % SIZE_MULTIPLE or \
            not SIZE_MULTIPLE <= value <= MAX_SIDE:
        raise ParameterError(
            f"{name} must be a multiple of {SIZE_MULTIPLE} from {SIZE_MULTIPLE} to {MAX_SIDE} (got {value})"
        )
    return value


def check_pixel_budget(max_pixels: object) -> int:
    """A photo pixel budget: a whole number from 16x16 to MAX_SIDE x MAX_SIDE."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or \
            not SIZE_MULTIPLE * SIZE_MULTIPLE <= max_pixels <= MAX_SIDE * MAX_SIDE:
        raise ParameterError(
            f"the pixel budget must be from {SIZE_MULTIPLE * SIZE_MULTIPLE} to {MAX_SIDE * MAX_SIDE} (got {max_pixels})"
        )
    return max_pixels
