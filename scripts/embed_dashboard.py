#!/usr/bin/env python3
"""Embeds dashboard/{index.html, app.css, app.js} into Sources/API/Dashboard/DashboardAssets.swift,
so the API serves its pages with no file beside the binary. A unit test keeps the two identical."""
import os
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
parts = []
for name, member in [("index.html", "html"), ("app.css", "css"), ("app.js", "script")]:
    text = open(os.path.join(root, "dashboard", name)).read()
    assert '"""#' not in text, name
    # A multi-line literal drops the newline before its closing quotes: one more keeps the text whole.
    parts.append(f"    static let {member} = #\"\"\"\n{text}\n\"\"\"#\n")
with open(os.path.join(root, "Sources/API/Dashboard/DashboardAssets.swift"), "w") as out:
    out.write("// dashboard/, embedded (scripts/embed_dashboard.py regenerates this file; DashboardTests keeps it current).\n"
              "enum DashboardAssets {\n" + "\n".join(parts) + "}\n")
