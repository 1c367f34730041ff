"""Loading Detoxify: from its release (online) or from local files (offline), once per process.

torch, transformers and detoxify are imported inside functions so that importing this module
(as the web process does, indirectly) costs nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Detoxify renames these labels when it loads a checkpoint; we do the same on our offline path.
_STANDARD_LABELS = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}
HOW_TO_PROVIDE = (
    "On a machine with internet access the weights download on first use. Offline, set "
    "MODQ_DETOXIFY_CHECKPOINT to a Detoxify .ckpt file and MODQ_DETOXIFY_HF_CONFIG to a folder "
    "holding the matching Hugging Face config.json and tokenizer files (README: 'Offline models')."
)


class ModelUnavailable(RuntimeError):
    """The model could not be loaded: `what` is missing, and how to provide it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} {HOW_TO_PROVIDE}")
        self.what = what


HALF_TABLES = "+f16emb"  # in the version: scores from a model whose tables are in float16
BATCH_SIZE = 8  # text windows per forward pass: measured best for BERT-base on 2 cores


@dataclass(frozen=True)
class DetoxifyOptions:
    """Which Detoxify model to load, where from, and how to run it."""

    variant: str = "unbiased"
    checkpoint: Path | None = None
    hf_config: Path | None = None
    device: str = "cpu"
    quantize: bool = False
    batch_size: int = BATCH_SIZE


@dataclass(frozen=True)
class LoadedDetoxify:
    """A Detoxify model ready for inference."""

    model: Any
    tokenizer: Any
    labels: tuple[str, ...]
    version: str
    device: str


def load_detoxify(options: DetoxifyOptions) -> LoadedDetoxify:
    """Load the configured model, or raise ModelUnavailable explaining what is missing."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # log noise
    try:
        if options.checkpoint is not None and options.hf_config is not None:
            loaded = _load_local(options.checkpoint, options.hf_config, options.device)
        else:
            loaded = _load_with_detoxify(options)
        _settle(loaded.tokenizer)
        half_precision_embeddings(loaded.model)
        loaded = dataclasses.replace(loaded, version=f"{loaded.version}{HALF_TABLES}")
        return _tuned(loaded, options)
    except ModelUnavailable:
        raise
    except Exception as exc:
        source = options.checkpoint or f"the '{options.variant}' release"
        raise ModelUnavailable(
            f"Detoxify weights from {source} could not be loaded "
            f"({type(exc).__name__}: {_first_line(exc)})."
        ) from exc


def _load_with_detoxify(options: DetoxifyOptions) -> LoadedDetoxify:
    from detoxify import Detoxify

    if options.checkpoint is not None:
        _require_file(options.checkpoint)
    detox = Detoxify(
        options.variant,
        checkpoint=options.checkpoint and str(options.checkpoint),
        device=options.device,
    )
    source = options.checkpoint.name if options.checkpoint else options.variant
    return LoadedDetoxify(
        detox.model.eval(),
        detox.tokenizer,
        tuple(detox.class_names),
        _version(source),
        options.device,
    )


def _load_local(checkpoint: Path, hf_config: Path, device: str) -> LoadedDetoxify:
    """Detoxify's own loader, fed a checkpoint whose model_type points at the local folder.

    detoxify 0.5.4 asks `from_pretrained(model_type)` for the config even when given
    `huggingface_config_path`, and real checkpoints store a hub name there ('roberta-base'),
    so they cannot load offline as shipped. Pointing model_type at the local folder makes
    every lookup local and keeps `num_labels` from the checkpoint.
    """
    import torch
    from detoxify.detoxify import get_model_and_tokenizer

    _require_file(checkpoint)
    if not (hf_config / "config.json").is_file():
        raise ModelUnavailable(f"MODQ_DETOXIFY_HF_CONFIG={hf_config} has no config.json.")
    loaded = torch.load(checkpoint, map_location=device, weights_only=False)
    arch = {**loaded["config"]["arch"]["args"], "model_type": str(hf_config)}
    model, tokenizer = get_model_and_tokenizer(**arch, state_dict=loaded["state_dict"])
    labels = [_STANDARD_LABELS.get(c, c) for c in loaded["config"]["dataset"]["args"]["classes"]]
    version = _version(f"{checkpoint.name}@{_sha256_prefix(checkpoint)}")
    return LoadedDetoxify(model.to(device).eval(), tokenizer, tuple(labels), version, device)


def _settle(tokenizer: Any) -> None:
    """Truncation and padding off for good, at load. Inference asks for neither, and a fast
    tokenizer whose files set them would turn them off at its first call: a change to the
    shared Rust tokenizer that fails ('Already borrowed') while another lane is tokenizing."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        backend.no_truncation()
        backend.no_padding()


def _tuned(loaded: LoadedDetoxify, options: DetoxifyOptions) -> LoadedDetoxify:
    """On CPU, optional int8 quantisation of the linear layers. (Torch's thread count is the
    process's, set where its scorers are built: wiring.py.)"""
    if not options.quantize:
        return loaded
    if options.device != "cpu":
        raise ModelUnavailable(
            f"MODQ_DETOXIFY_QUANTIZE works on the CPU only; unset it for device {options.device}."
        )
    return dataclasses.replace(
        loaded, model=quantize_dynamic_int8(loaded.model), version=f"{loaded.version}+int8"
    )


def half_precision_embeddings(model: Any) -> None:
    """Every embedding table of `model` stored in float16, in place, its looked-up rows cast
    back to float32 before the model goes on.

    A table is only read a row at a time, so half precision costs a cast of the rows read and
    nothing else. The rows carry float16's rounding (about 5e-4 of each value) into the
    model: on the test suite's trained model, scores moved by 2.7e-6 on average, 3e-5 at the
    99th percentile and 9e-4 at most. BERT-base's word table is 94 MB of its 438 in float32
    and RoBERTa's 154 MB of 499; half of that is a scoring worker's memory saved for good
    (README, "Memory of a scoring worker"). transformers' `model.dtype` then reads float16
    (it names the first table's); nothing here relies on it.
    """
    import torch

    for table in model.modules():
        if isinstance(table, torch.nn.Embedding) and table.weight.dtype == torch.float32:
            table.weight = torch.nn.Parameter(table.weight.detach().half(), requires_grad=False)
            table.register_forward_hook(_as_float32)


def _as_float32(_table: Any, _ids: Any, rows: Any) -> Any:
    return rows.float()


def quantize_dynamic_int8(model: Any) -> Any:
    """Int8 weights and dynamically quantised activations for every nn.Linear, in place.

    In place, each fp32 layer is freed as its int8 copy replaces it; otherwise torch copies the
    whole fp32 model first, which raised a BERT-base worker's peak memory by ~400 MB.
    """
    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not pinned here;
        # quantize_dynamic still works in 2.13 and is covered by a test that would notice.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", "torch.quantize_per_tensor", UserWarning)
        return torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise ModelUnavailable(f"MODQ_DETOXIFY_CHECKPOINT={path} is not a file.")


def _version(source: str) -> str:
    from importlib.metadata import version

    return f"detoxify-{version('detoxify')}/{source}"


def _sha256_prefix(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]
