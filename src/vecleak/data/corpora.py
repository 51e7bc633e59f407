"""Corpora that ship in the package, by role (each folder keeps its license note)."""

from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).resolve().parent

#: Example leaked pairs and unseen sentences of ``vecleak demo`` (STSb, ``examples/LICENSE_*``).
EXAMPLES = _DATA / "examples"
#: The attacker's own corpus by default: 2,000 English Tatoeba sentences (``aux/``).
AUX_CORPUS = _DATA / "aux" / "tatoeba_en.txt"
#: What a defense that learns (PCA, Eguard's autoencoder) is fitted on: the defender's own text.
DEFENDER_CORPUS = AUX_CORPUS
#: Downstream task subsets (``utility/``, with their license notes).
UTILITY_DATA = _DATA / "utility"
