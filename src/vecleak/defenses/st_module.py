"""A trained projection defense as a sentence-transformers module.

Append it to a ``SentenceTransformer`` and ``model.encode`` returns protected vectors; saving
the model writes the defense folder (``defense.json`` + ``projection.safetensors``) as the
module's subfolder, and loading the model rebuilds it (safetensors only, local folders only).
sentence-transformers imports a module class from outside its own package only with
``trust_remote_code=True``: the class comes from the installed vecleak, the folder holds only
JSON and safetensors.

Example:
    >>> from sentence_transformers import SentenceTransformer
    >>> from vecleak.defenses.st_module import ProtectedEmbedding
    >>> model = SentenceTransformer(path_to_minilm)                      # doctest: +SKIP
    >>> model.append(ProtectedEmbedding.from_folder("runs/eguard"))     # doctest: +SKIP
    >>> model.encode(["a protected sentence"]).shape                     # doctest: +SKIP
    (1, 384)
    >>> model.save("protected-minilm")                                   # doctest: +SKIP
    >>> SentenceTransformer("protected-minilm", trust_remote_code=True)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from sentence_transformers.base.modules.module import Module

from vecleak.defenses.projection import ProjectionDefense
from vecleak.errors import DimensionMismatchError


class ProtectedEmbedding(Module):
    """Maps ``features["sentence_embedding"] (b, d)`` through a trained projector ``g_p``."""

    save_in_root = False

    def __init__(self, defense: ProjectionDefense) -> None:
        super().__init__()
        self.defense = defense
        self.projector = defense.projector

    @classmethod
    def from_folder(cls, folder: str | os.PathLike[str]) -> ProtectedEmbedding:
        """The module for a defense folder written by ``vecleak defend train``."""
        return cls(ProjectionDefense.load(folder))

    def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        e = features["sentence_embedding"]
        if e.shape[-1] != self.defense.dim:
            raise DimensionMismatchError(f"the defense projects {self.defense.dim}-d embeddings, the model gives "
                                         f"{e.shape[-1]}-d; append it to the encoder it was trained for")
        features["sentence_embedding"] = self.projector(e.to(torch.float32)).to(e.dtype)
        return features

    def get_sentence_embedding_dimension(self) -> int:
        return self.defense.dim

    def save(self, output_path: str, *args, **kwargs) -> None:
        self.defense.save(output_path)

    @classmethod
    def load(cls, model_name_or_path: str, subfolder: str = "", **kwargs) -> ProtectedEmbedding:
        return cls.from_folder(Path(model_name_or_path) / subfolder)
