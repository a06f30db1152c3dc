"""``python main.py train-demo-model``: train the demo model from a seed (CPU or GPU-free, resumable)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from core.api.errors import ParameterError
from core.demo_model.train_settings import TrainSettings

HELP = ("train the demo model on the synthetic shape world (about an hour and a half on a quiet 2-core CPU with "
        "--threads 2; Ctrl-C saves, run again to resume)")
_DEFAULTS = TrainSettings()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The train-demo-model command's options."""
    parser.add_argument("--output", type=Path, required=True, metavar="DIR",
                        help="run folder: checkpoints/, loss.png, training.json and, when done, model/")
    parser.add_argument("--seed", type=int, default=_DEFAULTS.seed, help="seed of weights, scenes and noise (default: %(default)s)")
    parser.add_argument("--vae-steps", type=int, default=_DEFAULTS.vae_steps, help="VAE steps (default: %(default)s)")
    parser.add_argument("--transformer-steps", type=int, default=_DEFAULTS.transformer_steps,
                        help="transformer steps on the plain world (default: %(default)s)")
    parser.add_argument("--horizon-vae-steps", type=int, default=_DEFAULTS.horizon_vae_steps,
                        help="VAE fine-tune steps on the horizon world (0: none; default: %(default)s)")
    parser.add_argument("--horizon-transformer-steps", type=int, default=_DEFAULTS.horizon_transformer_steps,
                        help="transformer fine-tune steps on the horizon world (0: none; default: %(default)s)")
    parser.add_argument("--export", action="store_true",
                        help="only write DIR/model from the latest checkpoint (a partly trained model) and exit")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads torch may use (default: %(default)s)")


def _stop_like_ctrl_c(signum, frame) -> None:
    """``kill`` (SIGTERM) saves a checkpoint as Ctrl-C does, also for a run started in the background."""
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Train or resume; print where the model went."""
    if args.vae_steps < 1 or args.transformer_steps < 1:
        raise ParameterError("--vae-steps and --transformer-steps must be at least 1")
    if args.horizon_vae_steps < 0 or args.horizon_transformer_steps < 0:
        raise ParameterError("--horizon-vae-steps and --horizon-transformer-steps must be 0 or more")
    if args.threads < 1:
        raise ParameterError("--threads must be at least 1")
    import torch
    from tqdm import tqdm

    from core.demo_model.training import export_checkpoint, train_demo_model

    torch.set_num_threads(args.threads)
    if args.export:
        print(f"partly trained model written to {export_checkpoint(args.output)}")
        return 0
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    settings = TrainSettings(seed=args.seed, vae_steps=args.vae_steps, transformer_steps=args.transformer_steps,
                             horizon_vae_steps=args.horizon_vae_steps,
                             horizon_transformer_steps=args.horizon_transformer_steps)
    interactive = sys.stderr.isatty()

    def progress(description: str, total: int, initial: int):
        return tqdm(total=total, initial=initial, desc=description, unit="step", dynamic_ncols=True,
                    mininterval=0.5 if interactive else 30.0)

    try:
        model_dir = train_demo_model(args.output, settings, progress)
    except KeyboardInterrupt:
        print("\nstopped: the checkpoint is saved; run the same command again to resume", file=sys.stderr)
        return 130
    print(f"demo model written to {model_dir} (loss curve: {args.output / 'loss.png'})")
    return 0
