"""Quick Eguard settings sweep: two cheap proxies per trained projector, no decoder involved.

* ``sst2_acc``: a logistic head trained on defended vectors of 2,400 SST-2 train phrases that
  Eguard never saw, scored on the 872 SST-2 test sentences (utility; identity row for reference);
* ``ridge_cos``: a ridge map fitted on the same (defended, undefended) pairs, mean cosine of its
  prediction of the undefended test vector (how linearly invertible ``g_p`` is: an attacker who
  recovers ``e`` can run any attack on the undefended space);
* ``mine_heldout``: a fresh MINE critic trained for 600 steps on (latent, defended) pairs of
  the held-out phrases, its estimate in nats on the test sentences.

Each setting is ``key=value,...`` over :class:`EguardConfig` fields:

    python benchmarks/eguard_sweep.py --victim minilm "beta=0" "beta=0.001" "alpha=0.3,beta=0"
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from common import write_json
from vecleak.align import Ridge
from vecleak.defenses.mutual_information import MINE
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import run_script
from vecleak.metrics.vector import cosine_rows
from vecleak.recipes.eguard import EguardConfig, prepare, train_eguard
from vecleak.utility.heads import LogisticHead
from vecleak.utility.tasks import load_task


def parse_setting(text: str) -> dict:
    types = {f.name: f.type for f in fields(EguardConfig)}
    out = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=")
        out[key] = {"float": float, "int": int, "str": str}[str(types[key])](value)
    return out


def heldout_mine(Z_aux, E_aux, Z_test, E_test, *, steps: int = 600, seed: int = 0) -> float:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    c = 1.0 / float(E_aux.std())
    mine = MINE(Z_aux.shape[1], E_aux.shape[1])
    opt = torch.optim.Adam(mine.parameters(), lr=1e-3)
    for _ in range(steps):
        idx = torch.randint(len(E_aux), (64,), generator=g)
        loss = -mine.surrogate(Z_aux[idx], c * E_aux[idx], generator=g)[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(mine.lower_bound(Z_test, c * E_test, generator=g))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("settings", nargs="*", help="key=value,... overrides of EguardConfig (none: defaults only)")
    ap.add_argument("--victim", default="minilm")
    ap.add_argument("--task", default="sst2")
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "eguard_sweep.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    victim = load_encoder(args.victim)
    sst = load_task("sst2")
    aux, test = sst.train.texts[3000:5400], sst.test.texts
    y_aux, y_test = np.asarray(sst.train.labels[3000:5400]), np.asarray(sst.test.labels)
    X_aux = np.asarray(encode_cached(victim, aux, args.cache), np.float32)
    X_test = np.asarray(encode_cached(victim, test, args.cache), np.float32)
    data, autoencoder = prepare(victim, EguardConfig(task=args.task), cache_dir=args.cache)
    Z_aux, Z_test = (torch.as_tensor(autoencoder.encode(t)) for t in (aux, test))
    out = Path(args.out)
    rows = json.loads(out.read_text()) if out.is_file() else []

    def measure(label: str, transform, extra: dict) -> None:
        D_aux, D_test = transform(X_aux), transform(X_test)
        acc = float((LogisticHead(threads=1).fit(D_aux, y_aux).predict(D_test) == y_test).mean())
        ridge_cos = float(cosine_rows(Ridge(alpha="auto").fit(D_aux, X_aux).transform(D_test), X_test).mean())
        mi = heldout_mine(Z_aux, torch.as_tensor(D_aux), Z_test, torch.as_tensor(D_test))
        row = {"victim": args.victim, "task": args.task, "setting": label, "sst2_acc": round(acc, 4),
               "ridge_cos": round(ridge_cos, 4), "mine_heldout": round(mi, 4), **extra}
        rows.append(row)
        write_json(out, rows)
        print(row, flush=True)

    measure("identity", lambda X: X, {})
    for text in args.settings or [""]:
        cfg = EguardConfig(task=args.task, **parse_setting(text))
        t0 = time.monotonic()
        defense = train_eguard(victim, cfg, data=data)
        last = defense.info["log"][-1]
        measure(text or "defaults", defense.transform,
                {"train_s": round(time.monotonic() - t0, 1), "task_loss": round(last["task"], 3),
                 "mi_global": round(last["mi_global"], 3), "mi_local": round(last["mi_local"], 1)})


if __name__ == "__main__":
    run_script(main)
