"""FlowAlign on FLUX: the regularised update rule and true CFG (reverse editing: tests/cli)."""

import pytest

from core.methods.flowalign import flowalign
from core.methods.flowedit import flowedit
from tests.core.methods_reference import HEIGHT, SEQ, WIDTH, close, noise_draws, photo_latent, velocity

SOURCE, TARGET = "a photo of a dog", "a photo of a cat"


def reference_flowalign(model, x_src, seed, steps, zeta, g_src, g_tgt, w=None):
    """FlowAlign written out step by step from ALGORITHMS.md section 3."""
    s = model.schedule(steps, HEIGHT, WIDTH).sigmas
    draw = noise_draws(seed, x_src.shape[1])
    x = x_src.clone()
    for i in range(steps):
        q = (1 - s[i]) * x_src + s[i] * draw()
        p = x + q - x_src
        vq = velocity(model, q, s[i], SOURCE, g_src)
        vp = velocity(model, p, s[i], TARGET, g_tgt)
        if w is not None:
            negative = velocity(model, p, s[i], SOURCE, g_tgt)
            vp = negative + w * (vp - negative)
        x = x + (s[i + 1] - s[i]) * (vp - vq) + zeta * ((q - s[i] * vq) - (p - s[i] * vp))
    return x


@pytest.mark.parametrize("zeta, w", [(0.01, None), (0.3, None), (0.05, 2.5)])
def test_update_rule_matches_a_step_by_step_reference(tiny_model, zeta, w):
    _, x_src = photo_latent(tiny_model)
    ours = flowalign(tiny_model, x_src, SOURCE, [TARGET], height=HEIGHT, width=WIDTH, seed=4, max_sequence_length=SEQ,
                     steps=5, zeta=zeta, source_guidance=1.5, target_guidance=4.0, true_cfg=w)
    close(ours, reference_flowalign(tiny_model, x_src, 4, 5, zeta, 1.5, 4.0, w))


def test_without_the_regulariser_it_is_flowedit_over_the_whole_schedule(tiny_model):
    _, x_src = photo_latent(tiny_model, seed=1)
    options = dict(height=HEIGHT, width=WIDTH, seed=8, max_sequence_length=SEQ, steps=5, source_guidance=1.0,
                   target_guidance=3.0)
    close(flowalign(tiny_model, x_src, SOURCE, [TARGET], zeta=0.0, **options),
          flowedit(tiny_model, x_src, SOURCE, [TARGET], n_max=5, **options))


def test_several_targets_in_one_run_equal_one_at_a_time(tiny_model):
    _, x_src = photo_latent(tiny_model)
    options = dict(height=HEIGHT, width=WIDTH, seed=2, max_sequence_length=SEQ, steps=4, true_cfg=1.5)
    both = flowalign(tiny_model, x_src, SOURCE, [TARGET, "a painting of a dog"], **options)
    close(both[1], flowalign(tiny_model, x_src, SOURCE, ["a painting of a dog"], **options)[0])

