#!/usr/bin/env python3
"""Bayesian and genetic search against the grid's optimum and against Optuna's TPE sampler.

  search_compare.py WARDEN DATA.csv[.gz]

The grid (`warden optimize --method grid`) scores every point of cci's period 5..100 × lower
−200..−50 step 50 on 2021's hourly bars; the table of its scores is then the objective Optuna
(PyPI optuna, TPESampler) searches, so both samplers see exactly the same function. With a fifth
of the grid's evaluations, over seeds 1 to 5: the median best of warden's bayes and ga must be
within 1 % of the grid's optimum, and bayes's median no worse than Optuna's.
"""
import json, statistics, subprocess, sys
import optuna

WARDEN, DATA = sys.argv[1], sys.argv[2]
COMMON = ["--strategy", "cci", "--data", DATA, "--from", "2021-01-01", "--to", "2021-12-31", "--param", "period=5:100", "--param", "lower=-200:-50:50",
          "--objective", "sharpe", "--json", "--no-store"]


def optimize(*extra):
    return json.loads(subprocess.run([WARDEN, "optimize", *COMMON, *extra], capture_output=True, text=True, check=True).stdout)


grid = optimize("--method", "grid")
table = {(int(t["parameters"]["period"]), int(t["parameters"]["lower"])): t.get("score") for t in grid["trials"]}
optimum = grid["best"]["score"]
budget = len(table) // 5
tolerance = 0.01 * abs(optimum)


def optuna_best(seed):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    def objective(trial):
        score = table[(trial.suggest_int("period", 5, 100), trial.suggest_int("lower", -200, -50, step=50))]
        return -1e9 if score is None else score
    study.optimize(objective, n_trials=budget)
    return study.best_value


ours_bayes = [optimize("--method", "bayes", "--trials", str(budget), "--seed", str(seed))["best"]["score"] for seed in range(1, 6)]
ours_ga = [optimize("--method", "ga", "--population", "10", "--generations", str(budget // 10), "--seed", str(seed))["best"]["score"] for seed in range(1, 6)]
theirs = [optuna_best(seed) for seed in range(1, 6)]
median = {name: statistics.median(values) for name, values in [("bayes", ours_bayes), ("ga", ours_ga), ("optuna", theirs)]}
print(f"  grid optimum {optimum:.4f} over {len(table)} points; budget {budget}: median best bayes {median['bayes']:.4f}, ga {median['ga']:.4f}, "
      f"Optuna TPE {median['optuna']:.4f}")
problems = []
for name in ["bayes", "ga"]:
    if median[name] < optimum - tolerance:
        problems.append(f"{name}: median {median[name]:.4f} is more than 1% below the grid's {optimum:.4f} ({[round(v, 4) for v in (ours_bayes if name == 'bayes' else ours_ga)]})")
if median["bayes"] < median["optuna"] - 1e-12:
    problems.append(f"bayes median {median['bayes']:.4f} below Optuna's {median['optuna']:.4f} ({ours_bayes} vs {theirs})")
for line in problems:
    print(line)
sys.exit(1 if problems else 0)
