"""Loading Detoxify's five variants through its own code, offline, from released layouts."""

import shutil
from pathlib import Path
from typing import Any

import pytest
from detoxify import Detoxify

from moderation.signals.detoxify.inference import predict
from moderation.signals.detoxify.model import (
    DetoxifyOptions,
    ModelUnavailable,
    half_precision_embeddings,
    load_detoxify,
    quantize_dynamic_int8,
)
from tests.support.detoxify_checkpoint import (
    ARCHITECTURES,
    UNBIASED_LABELS,
    VARIANT_LABELS,
    TinyDetoxify,
)
from tests.support.training_text import sentences


def local(tiny: TinyDetoxify, **options: object) -> DetoxifyOptions:
    return DetoxifyOptions("unbiased", tiny.hub_layout, tiny.hf_config, "cpu", **options)


def test_released_layout_does_not_load_offline_through_detoxify_alone(
    tiny_detoxify: TinyDetoxify,
) -> None:
    # detoxify 0.5.4 asks the hub for model_type's config even with huggingface_config_path.
    # If this starts passing, Detoxify fixed the gap and our work-around can go.
    with pytest.raises(OSError):
        Detoxify(
            checkpoint=str(tiny_detoxify.hub_layout),
            huggingface_config_path=str(tiny_detoxify.hf_config),
        )


@pytest.mark.parametrize("variant", sorted(ARCHITECTURES))
def test_every_variant_loads_offline_with_all_its_labels(
    variant: str, untrained_detoxify: dict[str, TinyDetoxify]
) -> None:
    tiny = untrained_detoxify[variant]
    loaded = load_detoxify(DetoxifyOptions(variant, tiny.hub_layout, tiny.hf_config))
    assert list(loaded.labels) == VARIANT_LABELS[variant]
    assert type(loaded.model).__name__ == ARCHITECTURES[variant].model_class
    [scores] = predict(loaded, ["A comment about the talks."])
    assert set(scores.scores) == set(VARIANT_LABELS[variant])
    assert all(0.0 <= p <= 1.0 for p in scores.scores.values())


def test_the_version_names_the_file_and_its_digest(tiny_detoxify: TinyDetoxify) -> None:
    loaded = load_detoxify(local(tiny_detoxify))
    assert loaded.labels == tuple(UNBIASED_LABELS)
    assert loaded.version.startswith("detoxify-0.5.4/hub_layout.ckpt@")


def test_int8_quantisation_keeps_the_verdicts(tiny_detoxify: TinyDetoxify) -> None:
    texts = ["Energy cooperation with Athens makes sense.", "You are a stupid idiot."]
    full = predict(load_detoxify(local(tiny_detoxify)), texts)
    quantised_model = load_detoxify(local(tiny_detoxify, quantize=True))
    quantised = predict(quantised_model, texts)
    assert quantised_model.version.endswith("+f16emb+int8")
    assert half_tables(quantised_model.model)  # quantisation leaves the tables as they are
    assert "DynamicQuantizedLinear" in repr(quantised_model.model) or "QuantizedLinear" in repr(
        quantised_model.model
    )
    for a, b in zip(full, quantised, strict=True):
        assert a.scores["toxicity"] == pytest.approx(b.scores["toxicity"], abs=0.05)


def test_embedding_tables_are_kept_in_half_precision_and_the_scores_barely_move(
    tiny_detoxify: TinyDetoxify,
) -> None:
    loaded = load_detoxify(local(tiny_detoxify))
    assert half_tables(loaded.model) and loaded.version.endswith("+f16emb")
    texts = [*sentences(40, False, seed=3), *sentences(40, True, seed=4)]
    reference = Detoxify(
        checkpoint=str(tiny_detoxify.local_layout),
        huggingface_config_path=str(tiny_detoxify.hf_config),
    ).predict(texts)  # Detoxify's own model, every table in float32
    ours = predict(loaded, texts)
    for label in UNBIASED_LABELS:
        assert [t.scores[label] for t in ours] == pytest.approx(reference[label], abs=2e-3)


def test_half_precision_tables_hand_float32_rows_to_the_model() -> None:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 2))
    full = model(torch.tensor([[1, 2, 3]]))
    half_precision_embeddings(model)
    half_precision_embeddings(model)  # a second call changes nothing more
    halved = model(torch.tensor([[1, 2, 3]]))
    assert half_tables(model) and len(model[0]._forward_hooks) == 1
    assert halved.dtype == torch.float32
    assert torch.allclose(halved, full, atol=1e-3)


def half_tables(model: Any) -> bool:
    """Whether the model has embedding tables and every one is in float16."""
    import torch

    tables = [m for m in model.modules() if isinstance(m, torch.nn.Embedding)]
    return bool(tables) and all(table.weight.dtype == torch.float16 for table in tables)


def test_int8_quantisation_replaces_the_layers_in_place(tiny_detoxify: TinyDetoxify) -> None:
    import torch

    model = load_detoxify(local(tiny_detoxify)).model
    assert quantize_dynamic_int8(model) is model  # no second fp32 copy at load time
    assert not any(type(layer) is torch.nn.Linear for layer in model.modules())


def test_quantisation_is_refused_off_the_cpu(tiny_detoxify: TinyDetoxify) -> None:
    options = DetoxifyOptions(
        "unbiased", tiny_detoxify.hub_layout, tiny_detoxify.hf_config, "cuda", quantize=True
    )
    with pytest.raises(ModelUnavailable):
        load_detoxify(options)


def test_missing_weights_fail_with_what_is_missing_and_how_to_provide_it(tmp_path: Path) -> None:
    options = DetoxifyOptions("unbiased", tmp_path / "nope.ckpt", tmp_path, "cpu")
    with pytest.raises(ModelUnavailable) as raised:
        load_detoxify(options)
    message = str(raised.value)
    assert "MODQ_DETOXIFY_CHECKPOINT=" in message and "is not a file" in message
    assert "MODQ_DETOXIFY_HF_CONFIG" in message


def test_a_config_folder_without_config_json_is_named(
    tiny_detoxify: TinyDetoxify, tmp_path: Path
) -> None:
    options = DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tmp_path, "cpu")
    with pytest.raises(ModelUnavailable, match=r"has no config\.json"):
        load_detoxify(options)


def test_a_tokenizer_saved_with_truncation_and_padding_loads_with_neither(
    tiny_detoxify: TinyDetoxify, tmp_path: Path
) -> None:
    # Inference asks for neither, so the tokenizer would turn them off at its first call: a
    # change to the shared tokenizer that fails while the other lane is tokenizing.
    folder = tmp_path / "hf"
    shutil.copytree(tiny_detoxify.hf_config, folder)
    backend = load_detoxify(local(tiny_detoxify)).tokenizer.backend_tokenizer
    backend.enable_truncation(16)
    backend.enable_padding()
    backend.save(str(folder / "tokenizer.json"))
    loaded = load_detoxify(DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, folder))
    assert loaded.tokenizer.backend_tokenizer.truncation is None
    assert loaded.tokenizer.backend_tokenizer.padding is None
    [scores] = predict(loaded, ["A comment about the talks, " * 20])
    assert scores.windows == 1
