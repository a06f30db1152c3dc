"""Speed and memory measurements of the engine against stock diffusers, in one process.

Every figure of one run comes from the same process, model and weights, so ratios are fair
even on a shared machine. Nothing here asserts a time: it only measures and reports.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import torch
from PIL import Image

from core.api.errors import ParameterError
from core.api.progress import JobControl, ProgressEvent
from core.flux.latents import shared_noise
from core.methods.stable_flow.editing import edit_from_trajectory, edit_image, generate_edits
from core.methods.stable_flow.kv_cache import SourceKVStore
from core.methods.stable_flow.kv_replay import source_kv_bytes_per_step
from core.model.flux_model import FluxModel
from core.model.host_memory import GB
from core.model.speed_options import apply_speed_options, parse_speed_config


@dataclass
class Measurement:
    """One timed operation: whole seconds, ms per transformer step, peak GPU memory, transformer passes."""

    name: str
    seconds: float
    steps: int
    ms_per_step: Optional[float]
    peak_memory_gb: Optional[float]
    transformer_passes: int


@dataclass
class BenchmarkReport:
    """All measurements of one configuration, with the ratios people read first."""

    config: str
    device: str
    height: int
    width: int
    steps: int
    measurements: list[Measurement] = field(default_factory=list)
    kv_budget_gb: float = 0.0  # host memory the recorded source K/V could use
    kv_needed_gb: float = 0.0  # what every step of the source would need
    kv_replayed_share: float = 0.0  # share of the re-edit's steps whose source row was replayed

    def by_name(self, name: str) -> Measurement:
        """The measurement called ``name``."""
        return next(m for m in self.measurements if m.name == name)

    def ratios(self) -> dict[str, float]:
        """Engine per-step time over stock's, and re-edit speed-ups over a first photo edit."""
        first = self.by_name("first photo edit").seconds
        ratios = {
            "generated edit per step / stock per step": self.by_name("generated edit (stable flow)").ms_per_step
            / self.by_name("stock FluxPipeline, same batch").ms_per_step,
            "first photo edit / re-edit (cached inversion)": first / self.by_name("re-edit, cached inversion").seconds,
            "first photo edit / re-edit (cached inversion + K/V)": first
            / self.by_name("re-edit, cached inversion + K/V").seconds,
        }
        return {key: round(value, 3) for key, value in ratios.items()}

    def to_dict(self) -> dict:
        """A JSON-ready dictionary."""
        return {**{k: v for k, v in asdict(self).items() if k != "measurements"},
                "measurements": [asdict(m) for m in self.measurements], "ratios": self.ratios()}


class _StepClock:
    """Collects the time of each transformer step from progress events (or pipeline callbacks)."""

    def __init__(self, phases: tuple[str, ...]) -> None:
        self.phases = phases
        self.stamps: list[float] = []

    def __call__(self, event: ProgressEvent) -> None:
        if event.phase in self.phases:
            _sync()
            self.stamps.append(time.perf_counter())

    def ms_per_step(self, start: float) -> Optional[float]:
        stamps = [start, *self.stamps]
        if len(stamps) < 2:
            return None
        return 1000 * (stamps[-1] - stamps[0]) / (len(stamps) - 1)


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


_STEP_PHASES = ("sample", "invert", "edit")


def _measure(model: FluxModel, name: str, steps: int, run: Callable[[JobControl], None]) -> Measurement:
    """Time ``run``; ms/step averages over every transformer step it reports (inversion included)."""
    clock = _StepClock(_STEP_PHASES)
    passes = []
    hook = model.pipeline.transformer.register_forward_pre_hook(lambda *_: passes.append(1))
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    _sync()
    start = time.perf_counter()
    try:
        run(JobControl(on_progress=clock))
        _sync()
    finally:
        hook.remove()
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 1024**3 if torch.cuda.is_available() else None
    return Measurement(name, round(seconds, 4), steps, clock.ms_per_step(start) if clock.stamps else None,
                       None if peak is None else round(peak, 2), len(passes))


def cap_gpu_memory(cap_gb: Optional[float]) -> None:
    """Let this process allocate at most ``cap_gb`` GiB on the GPU (None lifts the cap); no-op without CUDA.

    With the cap, PyTorch raises out-of-memory as a card of that size would, so a large card
    can measure what a smaller one can run.
    """
    if cap_gb is not None and not cap_gb > 0:
        raise ParameterError("the GPU memory cap must be a positive number of GB")
    if not torch.cuda.is_available():
        return
    total = torch.cuda.get_device_properties(0).total_memory / 1024**3
    torch.cuda.set_per_process_memory_fraction(1.0 if cap_gb is None else min(1.0, cap_gb / total))


def run_benchmark(
    model: FluxModel,
    photo: Image.Image,
    *,
    steps: int,
    vital_layers: tuple[int, ...],
    config: str = "eager",
    max_sequence_length: int = 512,
    warmup: bool = True,
    kv_budget_bytes: Optional[int] = None,
) -> BenchmarkReport:
    """Measure stock generation, a generated edit, a first photo edit and two kinds of re-edit.

    The K/V re-edit runs with ``kv_budget_bytes`` of host memory (default: the editor's
    default, sized from free host memory); the report says what share of steps it replayed.
    """
    apply_speed_options(model, config)
    width, height = photo.size
    prompts = ["a photo of a dog on a street", "a photo of a dog wearing a straw hat on a street"]
    report = BenchmarkReport(config, str(model.device), height, width, steps)
    seed = 0
    tokens, pooled = model.prompt_encoder.encode_batch(prompts, max_sequence_length)

    def stock(control: JobControl) -> None:
        noise = shared_noise(seed, model.image_tokens(height, width), model.latent_channels, model.device, model.dtype)
        stamps_clock = control.on_progress

        def on_step(_pipe, index, _t, kwargs):
            stamps_clock(ProgressEvent("sample", index + 1, steps))
            return kwargs

        model.pipeline(prompt_embeds=tokens, pooled_prompt_embeds=pooled, latents=noise.expand(2, -1, -1),
                       height=height, width=width, num_inference_steps=steps, guidance_scale=3.5,
                       output_type="pil", max_sequence_length=max_sequence_length, callback_on_step_end=on_step)

    def generated(control: JobControl) -> None:
        generate_edits(model, prompts, height=height, width=width, seed=seed, vital_layers=vital_layers,
                       steps=steps, max_sequence_length=max_sequence_length, control=control)

    inverted: dict = {}

    def first_edit(control: JobControl) -> None:
        output = edit_image(model, photo, prompts, vital_layers=vital_layers, steps=steps,
                            max_sequence_length=max_sequence_length, control=control)
        inverted["trajectory"] = output.source_trajectory

    replayed: list[int] = []

    def re_edit(control: JobControl, kv_store: Optional[SourceKVStore] = None) -> None:
        output = edit_from_trajectory(model, inverted["trajectory"], prompts[1:], vital_layers=vital_layers,
                                      max_sequence_length=max_sequence_length, control=control, kv_store=kv_store)
        replayed.append(output.kv_replayed_steps)

    def new_kv_store() -> SourceKVStore:
        return SourceKVStore(device_budget=0, host_budget=kv_budget_bytes)

    if warmup:  # first calls pay for kernel selection and compilation; keep them out of the figures
        generated(JobControl())
        stock(JobControl(on_progress=lambda event: None))
        if "compile" in parse_speed_config(config):
            # The inversion (one row) and the K/V replay (edit rows only) are shapes of their own:
            # compiled on first use, so warmed up too (dynamo settles within two replays).
            first_edit(JobControl())
            warm_store = new_kv_store()
            for _ in range(3):
                re_edit(JobControl(), warm_store)
    report.measurements.append(_measure(model, "stock FluxPipeline, same batch", steps, stock))
    report.measurements.append(_measure(model, "generated edit (stable flow)", steps, generated))
    report.measurements.append(_measure(model, "first photo edit", steps, first_edit))
    report.measurements.append(_measure(model, "re-edit, cached inversion", steps, re_edit))
    kv_store = new_kv_store()
    re_edit(JobControl(), kv_store)  # the first edit of this source records its K/V
    report.measurements.append(
        _measure(model, "re-edit, cached inversion + K/V", steps, lambda c: re_edit(c, kv_store))
    )
    report.kv_budget_gb = round(kv_store.host_budget / GB, 2)
    report.kv_needed_gb = round(steps * source_kv_bytes_per_step(model, height, width, vital_layers) / GB, 2)
    report.kv_replayed_share = round(replayed[-1] / steps, 3)
    return report
