"""Fetching Detoxify's files once, on a machine with internet access, for offline workers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from moderation.signals.detoxify.inference import predict
from moderation.signals.detoxify.model import DetoxifyOptions, LoadedDetoxify, load_detoxify


@dataclass(frozen=True)
class PreparedModel:
    """Where the prepared files are, and what loading them gave."""

    checkpoint: Path
    hf_config: Path
    version: str
    labels: tuple[str, ...]

    def environment(self) -> str:
        """The settings that point a worker at these files."""
        return (
            f"MODQ_DETOXIFY_CHECKPOINT={self.checkpoint}\nMODQ_DETOXIFY_HF_CONFIG={self.hf_config}"
        )


def release_url(variant: str) -> str:
    """Detoxify's download address of a variant's checkpoint."""
    from detoxify.detoxify import MODEL_URLS

    return str(MODEL_URLS[variant])


def prepare(
    variant: str, destination: Path, checkpoint_url: str | None = None, hf_source: str | None = None
) -> PreparedModel:
    """Download the checkpoint and its config and tokenizer files, then load them offline.

    `checkpoint_url` defaults to Detoxify's release of `variant`; `hf_source` to the hub model
    the checkpoint names (e.g. roberta-base). Both may be local (file:// or a folder).
    """
    destination.mkdir(parents=True, exist_ok=True)
    url = checkpoint_url or release_url(variant)
    checkpoint = destination / Path(urlsplit(url).path).name
    if not checkpoint.exists():
        _download(url, checkpoint)
    arch = _architecture(checkpoint)
    source = hf_source or arch["model_type"]
    hf_config = destination / Path(source).name
    _save_config_and_tokenizer(source, arch["tokenizer_name"], hf_config)
    loaded = _check(DetoxifyOptions(variant, checkpoint, hf_config))
    return PreparedModel(checkpoint, hf_config, loaded.version, loaded.labels)


def _download(url: str, target: Path) -> None:
    import torch

    partial = target.with_suffix(target.suffix + ".part")
    torch.hub.download_url_to_file(url, str(partial), progress=False)
    partial.rename(target)


def _architecture(checkpoint: Path) -> dict[str, str]:
    import torch

    loaded = torch.load(checkpoint, map_location="cpu", weights_only=False)
    return dict(loaded["config"]["arch"]["args"])


def _save_config_and_tokenizer(source: str, tokenizer_name: str, target: Path) -> None:
    import transformers

    transformers.AutoConfig.from_pretrained(source).save_pretrained(target)
    getattr(transformers, tokenizer_name).from_pretrained(source).save_pretrained(target)


def _check(options: DetoxifyOptions) -> LoadedDetoxify:
    """Load the prepared files the way an offline worker will, and score one sentence."""
    loaded = load_detoxify(options)
    predict(loaded, ["A sentence to check that the model runs."])
    return loaded
