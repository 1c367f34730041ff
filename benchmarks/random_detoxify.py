"""A randomly initialised model of Detoxify's exact architecture, in Detoxify's file layout.

Speed and memory do not depend on the weights, so this stands in for the released
checkpoints, which cannot be downloaded here. The tokenizer is trained on the benchmark texts
to the real vocabulary size, so texts split into about as many tokens as with the real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# Detoxify's released architectures, as in its checkpoints' config.arch.args.
SHAPES = {
    "original": ("BertForSequenceClassification", "BertTokenizer", "bert-base-uncased", 6),
    "unbiased": ("RobertaForSequenceClassification", "RobertaTokenizer", "roberta-base", 16),
}
LABELS = {
    "original": ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"],
    "unbiased": [
        "toxicity",
        "severe_toxicity",
        "obscene",
        "identity_attack",
        "insult",
        "threat",
        "sexual_explicit",
    ],
}


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

    model_name, tokenizer_name, hub_name, outputs = SHAPES[variant]
    hf_config = folder / hub_name
    hf_config.mkdir(parents=True, exist_ok=True)
    if variant == "original":
        config = transformers.BertConfig(num_labels=outputs)  # the defaults are bert-base
        _wordpiece(hf_config, texts, config.vocab_size)
    else:
        config = transformers.RobertaConfig(
            vocab_size=50265,
            max_position_embeddings=514,
            type_vocab_size=1,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            num_labels=outputs,
        )
        _byte_bpe(hf_config, texts, config.vocab_size)
    config.save_pretrained(hf_config)
    torch.manual_seed(0)
    model = getattr(transformers, model_name)(config).eval()
    args = {
        "model_type": hub_name,
        "model_name": model_name,
        "tokenizer_name": tokenizer_name,
        "num_classes": outputs,
    }
    checkpoint = {
        "config": {"arch": {"args": args}, "dataset": {"args": {"classes": LABELS[variant]}}},
        "state_dict": model.state_dict(),
    }
    released, local = folder / f"{variant}-random.ckpt", folder / f"{variant}-random-local.ckpt"
    torch.save(checkpoint, released)
    checkpoint["config"]["arch"]["args"]["model_type"] = str(hf_config)
    torch.save(checkpoint, local)
    return RandomModel(released, hf_config, local)


def _wordpiece(folder: Path, texts: list[str], size: int) -> None:
    from tokenizers import BertWordPieceTokenizer

    tokenizer = BertWordPieceTokenizer(lowercase=True)
    tokenizer.train_from_iterator(texts, vocab_size=size)
    tokenizer.save_model(str(folder))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"model_max_length": 512, "do_lower_case": True})
    )


def _byte_bpe(folder: Path, texts: list[str], size: int) -> None:
    from tokenizers import ByteLevelBPETokenizer

    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(
        texts, vocab_size=size, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    tokenizer.save_model(str(folder))
    (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 512}))
