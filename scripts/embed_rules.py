#!/usr/bin/env python3
"""Embeds prometheus/rules/warden.rules.yml into Sources/Alerting/Rules/DefaultRules.swift."""
import os
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
rules = open(os.path.join(root, "prometheus/rules/warden.rules.yml")).read()
with open(os.path.join(root, "Sources/Alerting/Rules/DefaultRules.swift"), "w") as out:
    out.write("// The default rule set: prometheus/rules/warden.rules.yml, embedded so the supervisor needs no\n"
              "// file to alert. A unit test keeps the two identical; regenerate with scripts/embed_rules.py.\n"
              "enum DefaultRules {\n    static let text = #\"\"\"\n" + rules + "\"\"\"#\n}\n")
