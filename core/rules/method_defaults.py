"""Default parameters of every editing method, importable without torch.

The command line shows them in its help before any model library is loaded; each method
module takes its defaults from here.
"""

from __future__ import annotations

# The method an edit uses when none is chosen
DEFAULT_METHOD = "stable-flow"

# The parameters each method takes (for a photo: a generated Stable Flow edit has no nudging),
# so the command line can list and check them without torch. tests/core/test_method_parameters.py
# holds this table to each method's own defaults().
METHOD_PARAMETERS: dict[str, tuple[str, ...]] = {
    "stable-flow": ("steps", "guidance", "nudging"),
    "flowedit": ("steps", "n_max", "n_min", "n_avg", "source_guidance", "target_guidance"),
    "flowalign": ("steps", "zeta", "source_guidance", "target_guidance", "true_cfg"),
    "sdedit": ("steps", "strength", "guidance"),
    "dual": ("steps", "inversion_guidance", "target_guidance", "nudging", "inversion_prompt"),
}

# Stable Flow (core/methods/stable_flow/editing.py, ALGORITHMS.md section 1)
GENERATED_STEPS = 15
GENERATED_GUIDANCE = 3.5
REAL_STEPS = 50
REAL_EDIT_GUIDANCE = 3.0
INVERSION_GUIDANCE = 1.0
NUDGING = 1.15

# FlowEdit (core/methods/flowedit.py)
FLOWEDIT_STEPS = 28
FLOWEDIT_N_MAX = 24
FLOWEDIT_N_MIN = 0
FLOWEDIT_N_AVG = 1
FLOWEDIT_SOURCE_GUIDANCE = 1.5
FLOWEDIT_TARGET_GUIDANCE = 5.5

# FlowAlign (core/methods/flowalign.py). Its reference code leaves the source velocity
# unguided, so the source prompt runs at FLUX guidance 1.0; the demo-world benchmark measured
# 1.0 and 1.5 alike (README: Demo model), so the reference's choice stands. The target keeps
# FlowEdit's 5.5.
FLOWALIGN_STEPS = 28
FLOWALIGN_ZETA = 0.01
FLOWALIGN_SOURCE_GUIDANCE = 1.0
FLOWALIGN_TARGET_GUIDANCE = FLOWEDIT_TARGET_GUIDANCE

# SDEdit (core/methods/sdedit.py)
SDEDIT_STEPS = 28
SDEDIT_STRENGTH = 0.8
SDEDIT_GUIDANCE = 3.5

# ODE inversion, "dual" (core/methods/dual.py); nudging 1 = none: the plain baseline
DUAL_STEPS = 28
DUAL_INVERSION_GUIDANCE = 1.0
DUAL_TARGET_GUIDANCE = 3.5
DUAL_NUDGING = 1.0
# "empty" inverts with the empty prompt: the dual baseline of the FlowEdit and FlowAlign papers
DUAL_INVERSION_PROMPTS = ("source", "empty")
DUAL_INVERSION_PROMPT = "source"
