"""Ray, started on first use: the local machine unless ``ray.init(address=...)`` ran before."""

from __future__ import annotations

from vecleak.errors import InputError


def ray_runtime():
    """The ``ray`` module, initialized (a clear error when the ``vecleak[ray]`` extra is missing)."""
    try:
        import ray
    except ImportError:
        raise InputError("the ray backend needs Ray; install it with: pip install 'vecleak[ray]'") from None
    if not ray.is_initialized():
        ray.init(num_cpus=None, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    return ray


def ray_dataset(items: list[dict]):
    """``(ray, dataset)``: a Ray Data dataset of ``items`` that keeps their order, quietly (no
    progress bars, warnings only), for ``map_batches`` over a pool of actors."""
    import logging

    ray = ray_runtime()
    import ray.data as ray_data

    ctx = ray_data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    return ray, ray_data.from_items(items)
