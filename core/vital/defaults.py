"""Default settings of vital-layer detection, importable without torch (the CLI's help shows them)."""

from __future__ import annotations

DETECTION_STEPS = 15
DETECTION_GUIDANCE = 3.5
DETECTION_SIZE = 1024
DETECTION_MAX_SEQUENCE_LENGTH = 512
DEFAULT_METRIC_MODEL = "facebook/dinov2-giant"
