"""Models that read text properties from vectors without generating text: the token-set
(multi-label word) attacker and the bag-of-words text autoencoder Eguard's MI term uses."""

from __future__ import annotations

from vecleak.classifiers.text_autoencoder import BagOfWordsAutoencoder
from vecleak.classifiers.token_set import TokenSetDecoder, TokenVocabulary, fit_multilabel

__all__ = ["BagOfWordsAutoencoder", "TokenSetDecoder", "TokenVocabulary", "fit_multilabel"]
