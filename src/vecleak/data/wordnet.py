"""WordNet for NLTK, offline: from NLTK's own data path, or built from Debian's WordNet files.

Debian's ``wordnet-base`` (data/index/exception files, ``cntlist.rev``) and
``wordnet-sense-index`` (``index.sense``, ``cntlist``) put WordNet 3.0 in ``/usr/share/wordnet``.
NLTK reads WordNet from an ``nltk_data/corpora/wordnet`` folder that also holds ``lexnames``,
which Debian does not ship (its table is in the ``lexnames(5WN)`` manual page) and refuses
files reached through symlinks, so :func:`wordnet` copies the files once into
``~/.cache/vecleak/nltk_data`` (or ``$VECLEAK_NLTK_DATA``), writes ``lexnames`` and points NLTK
there.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path

from vecleak.data.atomic import atomic_write_text
from vecleak.errors import InputError

#: Where Debian's wordnet-base and wordnet-sense-index install WordNet 3.0.
DEBIAN_WORDNET = Path("/usr/share/wordnet")
#: The files NLTK's WordNet reader opens (``lexnames`` is written, not copied).
WORDNET_FILES = tuple(f"{kind}.{pos}" for kind in ("data", "index") for pos in ("adj", "adv", "noun", "verb")) + (
    "adj.exc", "adv.exc", "noun.exc", "verb.exc", "index.sense", "cntlist.rev")
#: WordNet 3.0's lexicographer files: number, name, syntactic category (1 noun, 2 verb, 3 adj, 4 adv).
LEXNAMES = (
    ["adj.all", "adj.pert", "adv.all", "noun.Tops"]
    + [f"noun.{n}" for n in ("act animal artifact attribute body cognition communication event feeling food group "
                             "location motive object person phenomenon plant possession process quantity relation "
                             "shape state substance time").split()]
    + [f"verb.{n}" for n in ("body change cognition communication competition consumption contact creation emotion "
                             "motion perception possession social stative weather").split()]
    + ["adj.ppl"]
)
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
INSTALL_HINT = ("install WordNet with 'apt-get install wordnet-base wordnet-sense-index' (Debian/Ubuntu) or put an "
                "nltk_data folder with corpora/wordnet on NLTK_DATA")


def lexnames_text() -> str:
    """The ``lexnames`` file: ``NN<TAB>name<TAB>category`` per line, 45 lines."""
    return "".join(f"{i:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES))


def build_nltk_wordnet(target: str | os.PathLike[str], source: str | os.PathLike[str] = DEBIAN_WORDNET) -> Path:
    """Copy WordNet from ``source`` into ``target/corpora/wordnet`` with a ``lexnames`` file; returns ``target``."""
    src, root = Path(source), Path(target)
    missing = [f for f in WORDNET_FILES if not (src / f).is_file()]
    if missing:
        raise InputError(f"WordNet files missing in {src} ({', '.join(missing[:3])}...); {INSTALL_HINT}")
    folder = root / "corpora" / "wordnet"
    folder.mkdir(parents=True, exist_ok=True)
    for name in WORDNET_FILES:
        if not (folder / name).is_file() or (folder / name).stat().st_size != (src / name).stat().st_size:
            tmp = folder / f".{name}.tmp"
            shutil.copyfile(src / name, tmp)
            os.replace(tmp, folder / name)
    atomic_write_text(folder / "lexnames", lexnames_text())
    return root


@lru_cache(maxsize=1)
def wordnet():
    """NLTK's WordNet corpus reader, loaded (``nltk.corpus.wordnet``), or an :class:`InputError` saying how to install it."""
    import nltk
    from nltk.corpus import wordnet as wn

    try:
        wn.ensure_loaded()
        return wn
    except LookupError:
        pass
    cache = Path(os.environ.get("VECLEAK_NLTK_DATA", Path.home() / ".cache" / "vecleak" / "nltk_data"))
    if not (cache / "corpora" / "wordnet" / "lexnames").is_file():
        if not DEBIAN_WORDNET.is_dir():
            raise InputError(f"WordNet not found; {INSTALL_HINT}")
        build_nltk_wordnet(cache)
    if str(cache) not in nltk.data.path:
        nltk.data.path.insert(0, str(cache))
    from nltk.corpus import wordnet as wn  # a fresh lazy reader that searches the new path

    try:
        wn.ensure_loaded()
    except LookupError as err:
        raise InputError(f"WordNet in {cache} could not be read; {INSTALL_HINT}") from err
    return wn
