"""The --latent-cache-gb option of the commands that invert photos (defined without torch; the rule is core's)."""

from __future__ import annotations

import argparse

from core.storage.cache_sizes import DEFAULT_LATENT_CACHE_BYTES, cache_bytes_from_gb

OPTION = "--latent-cache-gb"


def add_latent_cache_argument(parser: argparse.ArgumentParser) -> None:
    """``--latent-cache-gb``: the size cap of the disk cache of photo inversions."""
    parser.add_argument(OPTION, type=float, default=DEFAULT_LATENT_CACHE_BYTES / 1000**3,
                        help="size cap of the disk cache of photo inversions (default %(default)g GB)")


def latent_cache_bytes(args: argparse.Namespace) -> int:
    """The cap in bytes (ParameterError naming the option when it is not a sensible size)."""
    return cache_bytes_from_gb(args.latent_cache_gb, OPTION)
