"""Corpora that ship in the package, by role (each folder keeps its license note)."""

from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).resolve().parent

#: Example leaked pairs and unseen sentences of ``vecleak demo`` (STSb, ``examples/LICENSE_*``).
EXAMPLES = _DATA / "examples"
#: The attacker's own corpus by default: 2,000 English Tatoeba sentences (``aux/``).
AUX_CORPUS = _DATA / "aux" / "tatoeba_en.txt"
#: What a defense that learns (PCA, Eguard's autoencoder) is fitted on: the defender's own text,
#: 2,000 SNLI premises, disjoint from the attacker's ``AUX_CORPUS`` (``aux/README.md``).
DEFENDER_CORPUS = _DATA / "aux" / "defender_snli.txt"
#: Downstream task subsets (``utility/``, with their license notes).
UTILITY_DATA = _DATA / "utility"
