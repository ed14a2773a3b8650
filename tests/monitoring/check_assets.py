#!/usr/bin/env python3
"""Checks the monitoring assets against each other: every metric that an alert rule or a Grafana
panel names is in the README's metrics table; every dashboard expression parses (promtool);
every alert has a severity, summary, description and runbook_url, and a test firing and not."""
import glob, json, os, re, subprocess, sys, tempfile
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
problems = []

# The contract: | `metric_name` | type | exported by | meaning |
readme = open(os.path.join(ROOT, "README.md")).read()
section = re.search(r"^## Metrics\n(.*?)(?=^## )", readme, re.M | re.S)
table = set(re.findall(r"^\| `([a-zA-Z_:][a-zA-Z0-9_:]*)`", section.group(1) if section else "", re.M))
if len(table) < 20:
    problems.append(f"README metrics table has only {len(table)} rows")

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "inf", "nan", "le"}


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers that are not functions, keywords, label
    names, durations or strings."""
    text = re.sub(r'"(\\.|[^"\\])*"', '""', expr)              # strings
    text = re.sub(r"\{[^}]*\}", "", text)                       # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)                      # range selectors
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        word = match.group(0)
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def covered(name, recorded):
    if name in table or name in recorded or name == "up":
        return True
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in table:
            return True
    return False


# Rules
rules_doc = yaml.safe_load(open(os.path.join(ROOT, "prometheus/rules/warden.rules.yml")))
rules = [rule for group in rules_doc["groups"] for rule in group["rules"]]
recorded = {rule["record"] for rule in rules if "record" in rule}
alerts = [rule for rule in rules if "alert" in rule]
if len(alerts) < 12:
    problems.append(f"only {len(alerts)} alerting rules")
for rule in rules:
    for name in metric_names(rule["expr"]):
        if not covered(name, recorded):
            problems.append(f"rule {rule.get('alert') or rule.get('record')}: metric {name} is not in the README table")
for alert in alerts:
    if alert.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
        problems.append(f"alert {alert['alert']}: no severity label")
    for key in ("summary", "description", "runbook_url"):
        if not alert.get("annotations", {}).get(key):
            problems.append(f"alert {alert['alert']}: no {key} annotation")

# Every alert is tested firing and not firing.
firing, quiet = set(), set()
for path in glob.glob(os.path.join(ROOT, "prometheus/tests/*.yml")):
    for test in yaml.safe_load(open(path))["tests"]:
        for case in test.get("alert_rule_test", []):
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
for alert in alerts:
    if alert["alert"] not in firing:
        problems.append(f"alert {alert['alert']}: no test where it fires")
    if alert["alert"] not in quiet:
        problems.append(f"alert {alert['alert']}: no test where it stays quiet")

# Dashboards: every expression parses and names only metrics from the table.
exprs = []
for path in sorted(glob.glob(os.path.join(ROOT, "grafana/dashboards/*.json"))):
    board = json.load(open(path))
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            exprs.append((os.path.basename(path), panel["title"], target["expr"]))
if not exprs:
    problems.append("no dashboard expressions found")
for board, title, expr in exprs:
    for name in metric_names(expr.replace("$__rate_interval", "5m")):
        if not covered(name, recorded):
            problems.append(f"{board} '{title}': metric {name} is not in the README table")
with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
    concrete = [e.replace("$__rate_interval", "5m").replace("$instance", ".*") for _, _, e in exprs]
    yaml.safe_dump({"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:expr_{i}", "expr": e} for i, e in enumerate(concrete)]}]}, f)
result = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
os.unlink(f.name)
if result.returncode != 0:
    problems.append("promtool rejects a dashboard expression:\n" + result.stdout + result.stderr)

print(f"{len(alerts)} alerts, {len(recorded)} recording rules, {len(exprs)} dashboard expressions, "
      f"{len(table)} metrics in the README table")
for problem in problems:
    print("PROBLEM:", problem)
sys.exit(1 if problems else 0)
