"""What `celery -A workers.app worker|beat` imports: the app, built from the environment."""

import os

# oneDNN builds a kernel per input shape and caches it. Unbounded (1,024 kernels), the endless
# lengths of comments grew a scoring worker by ~100 MB per 128 comments; off, every layer of
# every bfloat16 MiniLM pass built its kernels anew, 2-3x slower. A pass reuses a handful of
# kernels in each of its layers, and its lengths are padded to a few (relevance/embeddings.py):
# 8 kept MiniLM as fast as 16, 32 or 128 did, for the least memory (README "Measurements").
# Set before torch is first used.
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "8")
# MKL's own memory manager keeps the buffers its matrix products freed, per thread, for reuse:
# with Detoxify on two lanes about 100 MB that glibc's trim cannot reach (a process holding
# only fp32 Detoxify peaked at 1,016 MB with it and 933 MB without, no slower). Without it,
# MKL allocates from the C heap, which each task trims (moderation/allocator.py).
os.environ.setdefault("MKL_DISABLE_FAST_MM", "1")

from moderation.allocator import one_arena  # after the environment is set
from moderation.config import load_settings
from workers.celery_app import create_celery
from workers.logs import configure_worker_logging, own_celery_logging

# Every thread of a worker (lanes, batches, Celery's own) allocates from one C heap instead of
# one each: 25-35 MB less at a scoring worker's peak (allocator.py). Before the pools' threads
# start (numpy's, started by the imports above, holds no arena of its own: a test counts them).
one_arena()
settings = load_settings()
# Lines logged before the worker or beat starts; they set it up again with their options.
configure_worker_logging(settings.log_level, settings.log_format, settings.secret_values())
settings.var_dir.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule file there
celery = create_celery(settings)
own_celery_logging(celery, settings.log_format, settings.secret_values())
