"""A decoder vocabulary that can write every training language, and its warm start.

MiniLM's WordPiece vocabulary is lower-cased and strips accents, so a decoder over it cannot
write ``ü``, ``é`` or ``ñ``. :func:`train_tokenizer` learns a cased BPE vocabulary (NFC,
SentencePiece-style ``▁`` word boundaries, accents kept) from the training texts themselves,
with one special token per language (``<deu>``) that conditions generation.
:func:`transfer_embeddings` initialises the new token embeddings from an existing vocabulary
(each new token = the mean of the old embeddings of its old sub-tokens), so a decoder trained
over MiniLM's vocabulary keeps most of what it learned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch

from vecleak.languages import normalize_language

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"


def language_token(lang: str) -> str:
    """The special token that asks the decoder for language ``lang`` (ISO 639-3): ``<deu>``."""
    return f"<{normalize_language(lang)}>"


def train_tokenizer(texts: Iterable[str], *, languages: Sequence[str], vocab_size: int = 16000,
                    min_frequency: int = 2):
    """A cased BPE tokenizer learned from ``texts``, as a ``PreTrainedTokenizerFast``.

    Args:
        texts: training sentences in every language of ``languages``.
        languages: ISO 639-3 codes; each gets a special token (:func:`language_token`).
        vocab_size: tokens in all, special ones included.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    lang_tokens = [language_token(x) for x in languages]
    tok = Tokenizer(models.BPE(unk_token=UNK))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=[PAD, BOS, EOS, UNK, *lang_tokens], limit_alphabet=300,
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD,
                                   unk_token=UNK, extra_special_tokens=lang_tokens)


def tokenizer_languages(tokenizer) -> list[str]:
    """The ISO 639-3 codes a tokenizer has language tokens for (``<xxx>`` specials)."""
    specials = list(tokenizer.all_special_tokens)
    return [t[1:-1] for t in specials if len(t) == 5 and t.startswith("<") and t.endswith(">") and t not in (PAD, BOS, EOS, UNK)]


def transfer_embeddings(new_tokenizer, old_tokenizer, old_embeddings: torch.Tensor) -> torch.Tensor:
    """Initial embeddings ``(V_new, h)`` for ``new_tokenizer`` from ``old_embeddings (V_old, h)``.

    A new token's row is the mean of the old rows of the old tokenizer's pieces of its text
    (``▁`` removed); tokens the old tokenizer cannot split (and the specials) get the mean row.
    """
    mean = old_embeddings.mean(0)
    out = mean.repeat(len(new_tokenizer), 1).clone()
    specials = set(new_tokenizer.all_special_ids)
    vocab = new_tokenizer.get_vocab()
    unk_old = getattr(old_tokenizer, "unk_token_id", None)
    for piece, idx in vocab.items():
        if idx in specials:
            continue
        text = piece.replace("▁", " ").strip()
        if not text:
            continue
        ids = [i for i in old_tokenizer(text, add_special_tokens=False)["input_ids"] if i != unk_old]
        if ids:
            out[idx] = old_embeddings[ids].mean(0)
    return out
