"""The text the tiny Detoxify checkpoints learn from, and their tokenizer files: random
sentences of common words with and without an insult, and tokenizers of each architecture's
kind (byte-level BPE, WordPiece, SentencePiece) trained on them."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

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


def _corpus() -> list[str]:
    return sentences(400, True, seed=1) + sentences(400, False, seed=2)


def write_byte_bpe(folder: Path, texts: list[str], vocab_size: int, min_frequency: int = 2) -> int:
    """A byte-level BPE tokenizer (RoBERTa's kind) trained on `texts`; its vocabulary size."""
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        texts,
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    bpe.save_model(str(folder))
    (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 512}))
    return int(bpe.get_vocab_size())


def write_wordpiece(folder: Path, texts: list[str], vocab_size: int) -> int:
    """A lower-casing WordPiece tokenizer (BERT's kind) trained on `texts`; its vocabulary size."""
    from tokenizers import BertWordPieceTokenizer

    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train_from_iterator(texts, vocab_size=vocab_size)
    wordpiece.save_model(str(folder))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"model_max_length": 512, "do_lower_case": True})
    )
    return int(wordpiece.get_vocab_size())


def _write_bpe(folder: Path) -> int:
    return write_byte_bpe(folder, _corpus() * 3, 2000, min_frequency=1)


def _write_wordpiece(folder: Path) -> int:
    return write_wordpiece(folder, _corpus(), 1000)


def _write_sentencepiece(file_name: str, model_type: str, **pieces: Any) -> Any:
    def write(folder: Path) -> int:
        import sentencepiece

        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(_corpus()),
            model_writer=model,
            vocab_size=500,
            model_type=model_type,
            minloglevel=2,
            **pieces,
        )
        (folder / file_name).write_bytes(model.getvalue())
        (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 512}))
        return 502  # 500 pieces and the two the tokenizer adds

    return write


TOKENIZER_WRITERS = {
    "roberta": _write_bpe,
    "bert": _write_wordpiece,
    "xlm-roberta": _write_sentencepiece("sentencepiece.bpe.model", "bpe"),
    # ALBERT's real spiece.model holds <pad>=0, <unk>=1, [CLS]=2, [SEP]=3.
    "albert": _write_sentencepiece(
        "spiece.model",
        "unigram",
        pad_id=0,
        unk_id=1,
        bos_id=2,
        eos_id=3,
        pad_piece="<pad>",
        unk_piece="<unk>",
        bos_piece="[CLS]",
        eos_piece="[SEP]",
        user_defined_symbols=["[MASK]"],
    ),
}
