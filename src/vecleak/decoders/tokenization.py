"""Text <-> token ids for a decoder, with explicit BOS / EOS / PAD."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from vecleak.decoders.vocabulary import language_token


class TextCodec:
    """Wraps a Hugging Face tokenizer: ``[BOS] tokens [EOS]`` sequences, truncated to ``max_length`` tokens.

    With ``languages`` (ISO 639-3 codes that have ``<xxx>`` tokens in the vocabulary) every
    sequence starts ``[BOS] <lang>``: the language token is given, never predicted.
    """

    def __init__(self, tokenizer, *, max_length: int, languages: Sequence[str] = ()) -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.languages = list(languages)
        self.language_ids = {}
        for lang in self.languages:
            idx = tokenizer.convert_tokens_to_ids(language_token(lang))
            if idx is None or idx == tokenizer.unk_token_id:
                raise ValueError(f"the tokenizer has no language token {language_token(lang)}")
            self.language_ids[lang] = idx
        self.bos_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
        self.eos_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else self.eos_id
        if self.bos_id is None or self.eos_id is None:
            raise ValueError("the tokenizer needs a start token (CLS/BOS) and an end token (SEP/EOS)")

    @property
    def vocab_size(self) -> int:
        return len(self.tokenizer)

    @property
    def num_start(self) -> int:
        """Tokens every sequence starts with: BOS, and the language token if conditioned."""
        return 2 if self.languages else 1

    @property
    def never_generated(self) -> list[int]:
        """Ids beam search must never emit (every special token but EOS)."""
        ids = set(self.tokenizer.all_special_ids) | {self.bos_id, self.pad_id, *self.language_ids.values()}
        return sorted(ids - {self.eos_id})

    def start_ids(self, n: int, languages: Sequence[str] | None = None) -> torch.Tensor:
        """``(n, num_start)`` ids every generation starts from (``languages``: one code per row)."""
        rows = [[self.bos_id] for _ in range(n)]
        if self.languages:
            if languages is None or len(languages) != n:
                raise ValueError("a language-conditioned codec needs one language per row")
            rows = [[self.bos_id, self.language_ids[lang]] for lang in languages]
        return torch.tensor(rows, dtype=torch.long)

    def encode(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> list[list[int]]:
        """Each text -> ``[bos, (lang,) t_1 .. t_m, eos]`` with ``m <= max_length``."""
        body = self.tokenizer(list(texts), add_special_tokens=False, truncation=True,
                              max_length=self.max_length)["input_ids"]
        starts = self.start_ids(len(body), languages).tolist()
        return [[*start, *ids, self.eos_id] for start, ids in zip(starts, body)]

    def pad(self, seqs: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-pad to ``(b, n)`` ids and a ``(b, n)`` 0/1 mask."""
        n = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), n), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), n), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, :len(s)] = 1
        return ids, mask

    def decode(self, ids: torch.Tensor) -> list[str]:
        """``(b, n)`` generated ids (no BOS; EOS and after already padding) -> texts."""
        # Space clean-up ("dog ." -> "dog.") suits WordPiece; it corrupts byte-level BPE output.
        wordpiece = getattr(self.tokenizer, "cls_token", None) is not None
        texts = self.tokenizer.batch_decode(ids.tolist(), skip_special_tokens=True,
                                            clean_up_tokenization_spaces=wordpiece)
        return [t.strip() for t in texts]
