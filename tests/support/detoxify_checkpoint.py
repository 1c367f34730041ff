"""Builds tiny Detoxify-format checkpoints, laid out like the released ones.

A released checkpoint is a PyTorch Lightning file holding `config` (with `arch.args` naming
the transformers model and tokenizer classes, the number of outputs and the hub model in
`model_type`, and `dataset.args.classes` naming the labels) and `state_dict`. These have the
same structure for each of Detoxify's four architectures, at 2 layers and 32 wide, so
Detoxify's own loading and inference code runs on them offline. The RoBERTa one (`unbiased`,
the default) is trained for a few seconds so that it really separates insults from civil
sentences: tests can then tell publish from reject.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.training_text import TOKENIZER_WRITERS, sentences

UNBIASED_LABELS = [
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
]
# The 'original' checkpoints keep Jigsaw's names; Detoxify renames three of them on load.
ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
ORIGINAL_LABELS = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]
IDENTITY_OUTPUTS = 9  # 'unbiased' also predicts 9 identity columns that Detoxify ignores
TRAINED = ("toxicity", "insult")
STEPS = 300


@dataclass(frozen=True)
class Architecture:
    """What differs between Detoxify's model families."""

    name: str
    hub_model: str
    model_class: str
    tokenizer_class: str
    classes: list[str]
    extra_outputs: int


ARCHITECTURES = {
    "unbiased": Architecture(
        "roberta",
        "roberta-base",
        "RobertaForSequenceClassification",
        "RobertaTokenizer",
        UNBIASED_LABELS,
        IDENTITY_OUTPUTS,
    ),
    "original": Architecture(
        "bert",
        "bert-base-uncased",
        "BertForSequenceClassification",
        "BertTokenizer",
        ORIGINAL_CLASSES,
        0,
    ),
    "multilingual": Architecture(
        "xlm-roberta",
        "xlm-roberta-base",
        "XLMRobertaForSequenceClassification",
        "XLMRobertaTokenizer",
        UNBIASED_LABELS,
        0,
    ),
    "original-small": Architecture(
        "albert",
        "albert-base-v2",
        "AlbertForSequenceClassification",
        "AlbertTokenizer",
        ORIGINAL_CLASSES,
        0,
    ),
    "unbiased-small": Architecture(
        "albert",
        "albert-base-v2",
        "AlbertForSequenceClassification",
        "AlbertTokenizer",
        UNBIASED_LABELS,
        IDENTITY_OUTPUTS,
    ),
}
VARIANT_LABELS = {
    variant: ORIGINAL_LABELS if arch.classes == ORIGINAL_CLASSES else UNBIASED_LABELS
    for variant, arch in ARCHITECTURES.items()
}


@dataclass(frozen=True)
class TinyDetoxify:
    """A built checkpoint: `hub_layout` stores a hub name as model_type, as released
    checkpoints do; `local_layout` stores the local folder."""

    hub_layout: Path
    local_layout: Path
    hf_config: Path


def build(folder: Path, variant: str = "unbiased", train: bool = True) -> TinyDetoxify:
    """Write tokenizer files, config and the two checkpoints of `variant` into `folder`."""
    import torch
    import transformers

    arch = ARCHITECTURES[variant]
    hf_config = files_in(folder).hf_config
    hf_config.mkdir(parents=True, exist_ok=True)
    vocab_size = TOKENIZER_WRITERS[arch.name](hf_config)
    torch.manual_seed(0)
    config = _config(arch, vocab_size)
    config.save_pretrained(hf_config)
    model = getattr(transformers, arch.model_class)(config)
    if train:
        model = _train(model, hf_config, arch)
    built = files_in(folder)
    save_checkpoints(model, arch, hf_config, built.hub_layout, built.local_layout)
    return built


def files_in(folder: Path) -> TinyDetoxify:
    """Where `build(folder)` writes the checkpoints and the HF folder."""
    return TinyDetoxify(folder / "hub_layout.ckpt", folder / "local_layout.ckpt", folder / "hf")


def build_once(folder: Path) -> TinyDetoxify:
    """`build(folder)` by the first process to ask; the others (pytest-xdist's) wait for it
    and share what it built."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    built = folder / "built"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not built.exists():
            build(folder)
            built.touch()
    return files_in(folder)


def save_checkpoints(
    model: Any, arch: Architecture, hf_config: Path, hub_layout: Path, local_layout: Path
) -> None:
    """Save `model` in the layout of Detoxify's released checkpoints (`config.arch.args`,
    `config.dataset.args.classes`, `state_dict`) twice: with the hub model name as model_type,
    as released, and with the local config folder, which Detoxify's own loader reads offline."""
    import torch

    args = {
        "model_type": arch.hub_model,
        "model_name": arch.model_class,
        "tokenizer_name": arch.tokenizer_class,
        "num_classes": model.config.num_labels,
    }
    checkpoint = {
        "config": {"arch": {"args": args}, "dataset": {"args": {"classes": arch.classes}}},
        "state_dict": model.state_dict(),
    }
    torch.save(checkpoint, hub_layout)
    args["model_type"] = str(hf_config)
    torch.save(checkpoint, local_layout)


def _config(arch: Architecture, vocab_size: int) -> Any:
    import transformers

    common = {
        "vocab_size": vocab_size,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "num_labels": len(arch.classes) + arch.extra_outputs,
        # tiny nets train badly with dropout
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
    }
    if arch.name in ("roberta", "xlm-roberta"):
        cls = (
            transformers.RobertaConfig if arch.name == "roberta" else transformers.XLMRobertaConfig
        )
        return cls(
            **common,
            max_position_embeddings=514,
            type_vocab_size=1,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
        )
    if arch.name == "bert":
        return transformers.BertConfig(**common, max_position_embeddings=512, pad_token_id=0)
    return transformers.AlbertConfig(
        **common,
        embedding_size=16,
        max_position_embeddings=512,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=3,
    )


def _train(model: Any, hf_config: Path, arch: Architecture) -> Any:
    """Fit toxicity and insult; the other outputs are pinned near zero.

    Trained on every output at once, a net this small learns the constant answer; trained on
    the two labels the sentences speak to, it learns the insult words.
    """
    import torch
    import transformers

    tokenizer = getattr(transformers, arch.tokenizer_class).from_pretrained(str(hf_config))
    texts = sentences(600, True, seed=3) + sentences(600, False, seed=4)
    targets = torch.zeros(len(texts), len(TRAINED))
    targets[:600] = 1.0
    columns = [UNBIASED_LABELS.index(label) for label in TRAINED]
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3)
    order = random.Random(5)
    model.train()
    for _ in range(STEPS):
        picked = order.sample(range(len(texts)), 64)
        batch = tokenizer([texts[i] for i in picked], return_tensors="pt", padding=True)
        optimiser.zero_grad()
        logits = model(**batch).logits[:, columns]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets[picked])
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        head = getattr(model.classifier, "out_proj", model.classifier)
        others = [i for i in range(head.out_features) if i not in columns]
        head.weight[others] = 0.0
        head.bias[others] = -4.0  # sigmoid(-4) ~ 0.018
    return model.eval()
