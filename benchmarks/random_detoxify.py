"""A randomly initialised model of Detoxify's exact architecture, in Detoxify's file layout.

Speed and memory do not depend on the weights, so this stands in for the released
checkpoints, which cannot be downloaded here. The tokenizer is trained on the benchmark texts
to the real vocabulary size, so texts split into about as many tokens as with the real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.detoxify_checkpoint import ARCHITECTURES, save_checkpoints
from tests.support.training_text import write_byte_bpe, write_wordpiece


@dataclass(frozen=True)
class RandomModel:
    """The checkpoint (hub layout, as released) and its config-and-tokenizer folder."""

    checkpoint: Path
    hf_config: Path
    local_checkpoint: Path  # model_type pointing at hf_config, for Detoxify's own loader


def build(folder: Path, variant: str, texts: list[str]) -> RandomModel:
    """Write a random full-size `variant` model and a tokenizer trained on `texts`."""
    import torch
    import transformers

    arch = ARCHITECTURES[variant]
    outputs = len(arch.classes) + arch.extra_outputs
    hf_config = folder / arch.hub_model
    hf_config.mkdir(parents=True, exist_ok=True)
    if variant == "original":
        config = transformers.BertConfig(num_labels=outputs)  # the defaults are bert-base
        write_wordpiece(hf_config, texts, config.vocab_size)
    elif variant == "unbiased":
        config = transformers.RobertaConfig(
            vocab_size=50265,
            max_position_embeddings=514,
            type_vocab_size=1,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            num_labels=outputs,
        )
        write_byte_bpe(hf_config, texts, config.vocab_size)
    else:
        raise ValueError(f"no full-size random model for {variant!r}: original or unbiased")
    config.save_pretrained(hf_config)
    torch.manual_seed(0)
    model = getattr(transformers, arch.model_class)(config).eval()
    released, local = folder / f"{variant}-random.ckpt", folder / f"{variant}-random-local.ckpt"
    save_checkpoints(model, arch, hf_config, released, local)
    return RandomModel(released, hf_config, local)
