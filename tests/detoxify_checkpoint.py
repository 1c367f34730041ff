"""Builds a tiny Detoxify-format checkpoint, trained here, laid out like the released ones.

The released `unbiased` checkpoint is a PyTorch Lightning file holding `config` (with
`arch.args` naming `RobertaForSequenceClassification`, `RobertaTokenizer`, 16 outputs and the
hub model `roberta-base`, and `dataset.args.classes` naming the 7 labels) and `state_dict`.
This one has the same structure with a 2-layer, 32-wide RoBERTa, so Detoxify's own loading and
inference code runs on it. It is trained for a few seconds on the sentences below, so that it
really separates insults from civil comments: tests can then tell publish from reject.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNBIASED_LABELS = [
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
]
TRAINED = ("toxicity", "insult")
STEPS = 300
IDENTITY_OUTPUTS = 9  # the 'unbiased' model also predicts 9 identity columns Detoxify ignores

INSULTS = [
    "idiot",
    "idiots",
    "stupid",
    "moron",
    "morons",
    "pathetic",
    "fool",
    "bigot",
    "garbage",
    "trash",
    "worthless",
    "disgusting",
    "liar",
    "clueless",
    "ignorant",
]
# Kept out of the civil sentences: insults and their kin in the common-word list.
BANNED = {
    *INSULTS,
    "dumb",
    "shit",
    "fuck",
    "fucking",
    "ass",
    "hell",
    "damn",
    "crap",
    "bitch",
    "sucks",
    "hate",
    "kill",
    "die",
    "dead",
    "ugly",
    "fat",
    "loser",
    "sex",
    "porn",
}
# Civil sentences are random draws of common English words; abusive ones add an insult
# anywhere, so the net learns that the insult, not the topic or the length, makes abuse.
COMMON_WORDS = 3000
ENDINGS = ["", ".", "!", "?", "...", ";"]


def common_words() -> list[str]:
    """The most frequent English words, less the insulting ones."""
    from wordfreq import top_n_list

    return [w for w in top_n_list("en", COMMON_WORDS) if w.isalpha() and w not in BANNED]


def sentences(count: int, insult: bool, seed: int) -> list[str]:
    """Random sentences of 3 to 16 neutral words, each with one insult when `insult`."""
    neutral = common_words()
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        words = [rng.choice(neutral) for _ in range(rng.randint(3, 16))]
        if insult:
            words.insert(rng.randint(0, len(words)), rng.choice(INSULTS))
        text = " ".join(words)
        if rng.random() < 0.5:
            text = f"{text[0].upper()}{text[1:]}"
        made.append(text + rng.choice(ENDINGS))
    return made


@dataclass(frozen=True)
class TinyDetoxify:
    """Paths of a built checkpoint: `hub_layout` stores a hub name as model_type, as released
    checkpoints do; `local_layout` stores the local folder."""

    hub_layout: Path
    local_layout: Path
    hf_config: Path


def build(folder: Path) -> TinyDetoxify:
    """Write tokenizer, config and two checkpoints into `folder`."""
    import torch
    import transformers

    hf_config = folder / "hf"
    hf_config.mkdir(parents=True, exist_ok=True)
    vocab_size = _write_tokenizer(hf_config)
    torch.manual_seed(0)
    config = transformers.RobertaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
        type_vocab_size=1,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,  # tiny nets train badly with it
        num_labels=len(UNBIASED_LABELS) + IDENTITY_OUTPUTS,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    config.save_pretrained(hf_config)
    model = _train(transformers.RobertaForSequenceClassification(config), hf_config)
    checkpoint = {
        "config": {
            "arch": {
                "args": {
                    "model_type": "roberta-base",
                    "model_name": "RobertaForSequenceClassification",
                    "tokenizer_name": "RobertaTokenizer",
                    "num_classes": config.num_labels,
                }
            },
            "dataset": {"args": {"classes": UNBIASED_LABELS}},
        },
        "state_dict": model.state_dict(),
    }
    hub_layout, local_layout = folder / "hub_layout.ckpt", folder / "local_layout.ckpt"
    torch.save(checkpoint, hub_layout)
    checkpoint["config"]["arch"]["args"]["model_type"] = str(hf_config)
    torch.save(checkpoint, local_layout)
    return TinyDetoxify(hub_layout, local_layout, hf_config)


def _write_tokenizer(folder: Path) -> int:
    from tokenizers import ByteLevelBPETokenizer

    corpus = sentences(400, True, seed=1) + sentences(400, False, seed=2)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus * 3,
        vocab_size=2000,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    bpe.save_model(str(folder))
    (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 512}))
    return int(bpe.get_vocab_size())


def _train(model: Any, hf_config: Path) -> Any:
    """Fit toxicity and insult; the other outputs are pinned near zero.

    Trained on every output at once, a net this small learns the constant answer; trained on
    the two labels the sentences speak to, it learns the insult words.
    """
    import torch
    import transformers

    tokenizer = transformers.RobertaTokenizer.from_pretrained(str(hf_config))
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
        head = model.classifier.out_proj
        others = [i for i in range(head.out_features) if i not in columns]
        head.weight[others] = 0.0
        head.bias[others] = -4.0  # sigmoid(-4) ~ 0.018
    return model.eval()
