#!/usr/bin/env python3
"""`warden risk var` and `warden portfolio weights` against numpy and scipy on the same returns.

  risk_compare.py WARDEN BTC.csv ETH.csv

The two shared 1h files on their common bars, close-to-close returns, the last 1,000, weights
60/40: historical VaR/CVaR equal numpy's percentile (linear interpolation) and the tail mean,
also over 24-bar overlapping compounded returns; parametric equals scipy's norm.ppf formula;
Cornish–Fisher equals its closed form with scipy's skew and kurtosis, its CVaR scipy's quad of
the corrected quantile; Monte Carlo is within four standard errors of the parametric value;
inverse-volatility weights equal 1/σ normalised and risk-parity weights equal scipy's SLSQP
solution to 1e-6; the markets' correlation equals pandas' DataFrame.corr.
"""
import json, math, subprocess, sys
import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

WARDEN, BTC, ETH = sys.argv[1:4]
problems = []


def close(a, b, tolerance, what):
    if not abs(a - b) <= tolerance:
        problems.append(f"{what}: warden {a}, oracle {b} (tolerance {tolerance})")


def warden(*arguments):
    return json.loads(subprocess.run([WARDEN, *arguments, "--json"], capture_output=True, text=True, check=True).stdout)


frames = [pd.read_csv(path).set_index("timestamp")["close"] for path in (BTC, ETH)]
joined = pd.concat(frames, axis=1, join="inner").sort_index()
returns = (joined / joined.shift(1) - 1).iloc[1:].tail(1000).to_numpy()
weights = np.array([0.6, 0.4])
portfolio = returns @ weights
data = ["--data", f"BTC-USDT={BTC}", "--data", f"ETH-USDT={ETH}", "--weights", "BTC-USDT=0.6,ETH-USDT=0.4", "--window", "1000"]

for horizon in (1, 24):
    report = warden("risk", "var", *data, "--horizon", str(horizon))
    if report["inputs"]["observations"] != 1000 or report["inputs"]["first"] != int(joined.index[-1000]):
        problems.append(f"inputs: {report['inputs']} vs the last 1000 returns from {joined.index[-1000]}")
    got = {(e["method"], e["confidence"]): e for e in report["estimates"]}
    if horizon == 1:
        h_returns = portfolio
    else:
        h_returns = np.array([np.prod(1 + portfolio[i:i + horizon]) - 1 for i in range(len(portfolio) - horizon + 1)])
    mu, sigma = portfolio.mean() * horizon, portfolio.std(ddof=1) * math.sqrt(horizon)
    skew, kurt = stats.skew(portfolio), stats.kurtosis(portfolio)
    for level in (0.95, 0.99):
        alpha = 1 - level
        q = np.percentile(h_returns, alpha * 100)
        close(got[("historical", level)]["var"], -q, 1e-12, f"historical VaR {level} H={horizon}")
        close(got[("historical", level)]["cvar"], -h_returns[h_returns <= q].mean(), 1e-12, f"historical CVaR {level} H={horizon}")
        z = stats.norm.ppf(alpha)
        close(got[("parametric", level)]["var"], -(mu + z * sigma), 1e-10, f"parametric VaR {level} H={horizon}")
        close(got[("parametric", level)]["cvar"], -(mu - sigma * stats.norm.pdf(z) / alpha), 1e-10, f"parametric CVaR {level} H={horizon}")
        cf = lambda p: mu + sigma * (lambda z: z + (z * z - 1) * skew / 6 + (z ** 3 - 3 * z) * kurt / 24 - (2 * z ** 3 - 5 * z) * skew ** 2 / 36)(stats.norm.ppf(p))
        close(got[("cornish_fisher", level)]["var"], -cf(alpha), 1e-10, f"Cornish-Fisher VaR {level} H={horizon}")
        tail, _ = integrate.quad(cf, 0, alpha, limit=200)
        close(got[("cornish_fisher", level)]["cvar"], -tail / alpha, 1e-8 * abs(tail / alpha), f"Cornish-Fisher CVaR {level} H={horizon}")
        # Monte Carlo from a normal model converges to the parametric value; its standard error
        # for the quantile is √(α(1−α)/n)/φ(z)·σ, for the tail mean about σ_tail/√(nα).
        n = 100_000
        se_var = math.sqrt(alpha * (1 - alpha) / n) / stats.norm.pdf(z) * sigma
        close(got[("monte_carlo", level)]["var"], -(mu + z * sigma), 4 * se_var, f"Monte Carlo VaR {level} H={horizon}")
        close(got[("monte_carlo", level)]["cvar"], -(mu - sigma * stats.norm.pdf(z) / alpha), 4 * sigma / math.sqrt(n * alpha), f"Monte Carlo CVaR {level} H={horizon}")

covariance = np.cov(returns.T, ddof=1)
inverse = warden("portfolio", "weights", "--method", "inverse_volatility", "--data", f"BTC-USDT={BTC}", "--data", f"ETH-USDT={ETH}", "--window", "1000")
expected = (1 / np.sqrt(np.diag(covariance))) / (1 / np.sqrt(np.diag(covariance))).sum()
for i, market in enumerate(["BTC-USDT", "ETH-USDT"]):
    close(inverse["weights"][market], expected[i], 1e-12, f"inverse volatility {market}")
parity = warden("portfolio", "weights", "--method", "risk_parity", "--data", f"BTC-USDT={BTC}", "--data", f"ETH-USDT={ETH}", "--window", "1000")


def spread(w):
    contributions = w * (covariance @ w)
    return ((contributions - contributions.mean()) ** 2).sum() * 1e12


solved = optimize.minimize(spread, np.array([0.5, 0.5]), method="SLSQP", bounds=[(0, 1)] * 2,
                           constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], options={"ftol": 1e-20, "maxiter": 1000})
for i, market in enumerate(["BTC-USDT", "ETH-USDT"]):
    close(parity["weights"][market], solved.x[i], 1e-6, f"risk parity {market}")
correlation = warden("portfolio", "correlation", "--data", f"BTC-USDT={BTC}", "--data", f"ETH-USDT={ETH}", "--window", "500")
theirs = (joined / joined.shift(1) - 1).iloc[1:].tail(500).corr().iloc[0, 1]
close(correlation["pairs"][0]["correlation"], theirs, 1e-12, "correlation (pandas DataFrame.corr, last 500 returns)")
contributions = list(parity["risk_contributions"].values())
close(max(contributions) - min(contributions), 0, 1e-8, "risk contributions equal")
print(f"  VaR/CVaR at 95% and 99%, 1 and 24 bars, four methods; risk parity {parity['weights']} in {parity['iterations']} iterations")
for line in problems:
    print(line)
sys.exit(1 if problems else 0)
