"""``vecleak evaluate-defense`` and the ``defend`` group (``train``, ``fit``, ``apply``): attack
defended vectors, and build, fit and apply defenses.

Defaults are :class:`~vecleak.configs.AttackConfig`'s, :class:`~vecleak.configs.DefenseEvalConfig`'s
and :class:`~vecleak.configs.EguardConfig`'s; every command that names a defense takes the DP
budget as ``--dp-epsilon`` (:data:`~vecleak.cli.options.DpEpsilon`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vecleak.cli.options import (
    CACHE, CONTEXT, Beams, Cache, Counts, DpEpsilon, OldEpsilon, Params, Tokenizer, one_count, parse_params, renamed,
    shots_option, usable_cache,
)
from vecleak.cli.output import console as _console
from vecleak.cli.output import emit as _emit
from vecleak.configs import ENCODER, AttackConfig, DefenseEvalConfig, EguardConfig
from vecleak.data.atomic import check_output_dir, check_output_file

_A, _D, _E = AttackConfig(), DefenseEvalConfig(), EguardConfig()

defend = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                     context_settings=CONTEXT,
                     help="Train a learned defense (Eguard) and apply it to stored vectors.")


def evaluate_defense_cmd(
    train: Annotated[Path, typer.Option(help="Leaked pairs (texts): the attacker sees their defended vectors.")],
    test: Annotated[Path, typer.Option(help="Texts whose defended vectors the attacker inverts (scored).")],
    out: Annotated[Path, typer.Option(help="Output folder for results.json and reconstructions.jsonl.")],
    defense: Annotated[str, typer.Option(help="none, purmech, lapmech, gaussian, dp-gaussian, rotation, shuffle, "
                                              "pca, quantize, or a trained-defense folder.")] = _A.defense,
    epsilon: DpEpsilon = None,
    old_epsilon: OldEpsilon = None,
    victim: Annotated[str, typer.Option(help="Victim encoder.")] = _A.victim,
    shots: Annotated[Counts, shots_option("Leaked pairs used for alignment.")] = Counts((_A.shots,)),
    attacker: Annotated[str, typer.Option(help="fewshot (ALGEN on defended vectors), adaptive (also fine-tunes "
                                               "its decoder on defended vectors of its own corpus), denoise (learns a "
                                               "Wiener denoiser on its own defended --aux copies, then ALGEN), "
                                               "decoder-aux (a decoder trained on (defended vector, text) pairs of "
                                               "--aux: ridge adapter + fine-tuning), token-set (multi-label word "
                                               "attacker on defended --aux vectors; --train unused), or strongest "
                                               "(fewshot, denoise, adaptive and decoder-aux; best per "
                                               "metric).")] = _D.attacker,
    aux: Annotated[Optional[Path], typer.Option(help="Adaptive attacker's own corpus (default: 2,000 shipped "
                                                     "Tatoeba English sentences).")] = None,
    aux_size: Annotated[int, typer.Option(help="Texts of --aux the adaptive attacker queries.")] = _D.aux_size,
    adapt_steps: Annotated[int, typer.Option(help="Adaptive fine-tuning steps (batch 32).")] = _D.adapt_steps,
    seed: Annotated[int, typer.Option(help="Seed of the defense's randomness and of fine-tuning.")] = _D.seed,
    param: Params = None,
    decoder: Annotated[str, typer.Option(help="'default' (English), 'multilingual', or a decoder "
                                              "folder.")] = _A.decoder,
    beams: Beams = _A.beams,
    attack_language: Annotated[Optional[str], typer.Option(help="Language a multilingual decoder writes "
                                                                "(default: the test rows' 'lang', else "
                                                                "eng).")] = _A.language,
    limit: Annotated[Optional[int], typer.Option(help="Attack only the first N test texts.")] = _A.limit,
    tokenizer: Tokenizer = _A.tokenizer,
) -> None:
    """Attack defended vectors: how much text still leaks through a defense."""
    from vecleak.cli.render import show_attack
    from vecleak.recipes.defense_eval import evaluate_defense

    epsilon = renamed(old_epsilon, epsilon, "--epsilon", "--dp-epsilon")
    results, rows = evaluate_defense(victim=victim, defense=defense, epsilon=epsilon, shots=one_count(shots),
                                     train=train, test=test, out=out, attacker=attacker, aux=aux, aux_size=aux_size,
                                     adapt_steps=adapt_steps, seed=seed, decoder=decoder, beams=beams,
                                     defense_params=parse_params(param), language=attack_language, limit=limit,
                                     tokenizer=tokenizer)
    show_attack(_console(), results, rows, str(out), limit=5)
    _emit(results)


@defend.command("train")
def defend_train(
    out: Annotated[Path, typer.Option(help="Output folder: defense.json + projection.safetensors.")],
    method: Annotated[str, typer.Option(help="Defense to train (eguard).")] = "eguard",
    encoder: Annotated[str, typer.Option(help="Victim encoder whose vectors the defense protects.")] = ENCODER,
    task: Annotated[str, typer.Option(help="Task loss: sst2, snli or retrieval (SNLI entailment pairs).")] = _E.task,
    architecture: Annotated[str, typer.Option(help="Projector: transformer (chunks of 32) or mlp.")] = _E.architecture,
    privacy: Annotated[str, typer.Option(help="Privacy term: mine (Eguard); adversarial, fgsm, freelb (against an "
                                              "online word attacker); mse, cosine, none.")] = _E.privacy,
    mi_weight: Annotated[float, typer.Option(help="Weight of the global MI term (the paper's alpha).")] = _E.alpha,
    old_alpha: Annotated[Optional[float], typer.Option("--alpha", hidden=True)] = None,
    beta: Annotated[float, typer.Option(help="Weight of the local (keyword/antonym CLUB) term.")] = _E.beta,
    steps: Annotated[int, typer.Option(help="Training steps.")] = _E.steps,
    n_train: Annotated[int, typer.Option(help="Training examples of the task.")] = _E.n_train,
    latent: Annotated[str, typer.Option(help="What the MI term measures: bow (the paper's text autoencoder) or a "
                                             "sentence encoder of the defender's (e.g. use-multilingual).")] = _E.latent,
    critic_hidden: Annotated[int, typer.Option(help="Width of the MINE / CLUB critics.")] = _E.critic_hidden,
    critic_steps: Annotated[int, typer.Option(help="Critic updates per projector update.")] = _E.critic_steps,
    neighbour_weight: Annotated[float, typer.Option(help="Weight of the retrieval task (keep each vector's batch "
                                                         "neighbours; 0: off).")] = _E.neighbour_weight,
    seed: Annotated[int, typer.Option(help="Seed of initialization and batches.")] = _E.seed,
    cache: Cache = CACHE,
) -> None:
    """Train a projection defense and save it as a folder any --defense option takes."""
    from vecleak.errors import InputError

    if method != "eguard":
        raise InputError(f"unknown --method '{method}'; the trainable defense is eguard")
    mi_weight = renamed(old_alpha, mi_weight, "--alpha", "--mi-weight")
    config = EguardConfig(task=task, architecture=architecture, privacy=privacy, alpha=mi_weight, beta=beta, steps=steps,
                          n_train=n_train, latent=latent, critic_hidden=critic_hidden, critic_steps=critic_steps,
                          neighbour_weight=neighbour_weight, seed=seed)
    check_output_dir(out, kind="model")
    cache = usable_cache(cache)
    from vecleak.encoders.registry import load_encoder
    from vecleak.recipes.eguard import train_eguard

    console = _console()
    report = lambda step, total, log: console.print(  # noqa: E731
        f"step {step}/{total}  " + "  ".join(f"{k} {v:.3f}" for k, v in log.items() if k != "step"))
    defense = train_eguard(load_encoder(encoder), config, cache_dir=str(cache) if cache else None, progress=report)
    defense.save(out)
    console.print(f"saved {out} ({defense.info['train_seconds']} s; {defense.info['overhead_ms_per_batch']} ms "
                  "per batch of 64 at inference)")


#: The largest vector dimension ``defend fit --dim`` takes: a rotation's key is dim x dim float64
#: (65,536: 32 GiB; embedding models stay far below, at 384 to 8,192).
MAX_DIM = 65_536


def _size(n_bytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:.0f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.0f} PiB"


@defend.command("fit")
def defend_fit(
    defense: Annotated[str, typer.Option(help="A defense with state: rotation, shuffle, pca (and any other name).")],
    out: Annotated[Path, typer.Option(help="Folder for defense.json + state.safetensors (the secret or the fit).")],
    in_: Annotated[Optional[Path], typer.Option("--in", help="Vectors to fit on (.npy, .jsonl, .parquet): needed "
                                                             "by pca; rotation and shuffle take only their "
                                                             "dimension.")] = None,
    dim: Annotated[Optional[int], typer.Option(min=1, help="Vector dimension, instead of --in (rotation, "
                                                           "shuffle).")] = None,
    param: Annotated[Optional[list[str]], typer.Option(help="Defense parameters, KEY=VALUE (n_components=64).")] = None,
    epsilon: DpEpsilon = None,
    seed: Annotated[Optional[int], typer.Option(help="Key seed, for experiments only; a deployment leaves it "
                                                     "unset (fresh OS entropy, never written).")] = None,
    secure: Annotated[bool, typer.Option(help="Noise from the OS CSPRNG (purmech, lapmech, gaussian, "
                                              "dp-gaussian, uniform): no seed, nothing replayable.")] = False,
) -> None:
    """Fit a defense once and save it: stored vectors and later queries then get the same map."""
    import numpy as np

    from vecleak.data.atomic import check_path_name
    from vecleak.data.vectors import read_vectors
    from vecleak.defenses import load_defense
    from vecleak.defenses.fitted import save_fitted
    from vecleak.errors import InputError

    if (in_ is None) == (dim is None):
        raise InputError("give the vectors to fit on with --in, or only their dimension with --dim")
    if dim is not None and dim > MAX_DIM:
        raise InputError(f"--dim {dim} is beyond the largest supported dimension, {MAX_DIM} (a rotation key of "
                         f"that size alone would take {_size(dim * dim * 8)}); give your encoder's dimension")
    check_output_dir(out, kind="model")
    mech = load_defense(defense, epsilon=epsilon, seed=seed, **parse_params(param),
                        **({"secure": True} if secure else {}))
    if in_ is not None:
        E = read_vectors(check_path_name(in_, setting="in"))
    else:
        E = np.zeros((1, dim), np.float32) + 1.0
    if in_ is None and mech.learns_from_data:
        raise InputError(f"{defense} learns from vectors; give them with --in instead of --dim")
    mech.fit(E)
    save_fitted(mech, out)
    _console().print(f"saved the fitted {defense} ({E.shape[1]}-d) in {out}; apply it with "
                     f"'vecleak defend apply --defense {out} --in VECTORS --out PROTECTED.npy'")


@defend.command("apply")
def defend_apply(
    defense: Annotated[str, typer.Option(help="A defense name, a fitted folder (defend fit) or a trained "
                                              "folder (defend train).")],
    in_: Annotated[Path, typer.Option("--in", help="Vectors: .npy, .jsonl or .parquet.")],
    out: Annotated[Path, typer.Option(help="Protected vectors (.npy).")],
    param: Params = None,
    epsilon: DpEpsilon = None,
    old_epsilon: OldEpsilon = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of a random defense (leave unset in deployment).")] = None,
    secure: Annotated[bool, typer.Option(help="Noise from the OS CSPRNG (purmech, lapmech, gaussian, "
                                              "dp-gaussian, uniform): no seed, nothing replayable.")] = False,
) -> None:
    """Defend stored vectors: read, transform, write .npy atomically.

    A folder is applied as it was fitted; a name with state (rotation, shuffle, pca) is fitted
    on these vectors and its state is lost afterwards: use 'defend fit' for anything that
    must also map later queries."""
    import io

    import numpy as np

    from vecleak.data.atomic import atomic_write_bytes
    from vecleak.data.atomic import check_path_name
    from vecleak.data.vectors import check_vectors, read_vectors
    from vecleak.defenses import load_defense
    from vecleak.errors import CheckpointError, InputError, VecleakError

    if out.suffix != ".npy":
        raise InputError(f"--out must end in .npy, got {out.name}")
    check_output_file(out)
    epsilon = renamed(old_epsilon, epsilon, "--epsilon", "--dp-epsilon")
    from_folder = Path(defense).is_dir()
    if from_folder and (param or epsilon is not None or seed is not None or secure):
        raise InputError("--param, --dp-epsilon, --seed and --secure belong to a defense name; a fitted folder "
                         "keeps its own")
    mech = load_defense(defense, epsilon=epsilon, seed=seed, **parse_params(param),
                        **({"secure": True} if secure else {}))
    E = read_vectors(check_path_name(in_, setting="in"))
    want = getattr(mech, "n_features_in_", None)
    if from_folder and want is not None and E.shape[1] != want:
        raise InputError(f"{in_} holds {E.shape[1]}-d vectors but the defense in {defense} was fitted on {want}-d "
                         "ones; use the folder fitted for this encoder")
    try:
        protected = (mech if from_folder else mech.fit(E)).transform(E)
    except (ValueError, IndexError, TypeError, RuntimeError) as err:
        if not from_folder or isinstance(err, VecleakError):
            raise
        raise CheckpointError(f"{defense}: the saved defense cannot map these vectors ({type(err).__name__}: "
                              f"{str(err).splitlines()[0][:100] if str(err) else ''}); fit or train it again") from None
    check_vectors(protected, name=f"the {defense} defense's output (nothing was written)")
    buf = io.BytesIO()
    np.save(buf, protected.astype(np.float32), allow_pickle=False)
    atomic_write_bytes(out, buf.getvalue())
    _console().print(f"wrote {len(protected)} protected vectors ({protected.shape[1]}-d) to {out}")
