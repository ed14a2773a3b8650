#!/usr/bin/env python3
"""The dashboard in a real headless Chromium (Debian's chromium and chromedriver, Selenium).

Usage: dashboard_browser.py BASE_URL SQLITE_PATH OUT_DIR -- WARDEN_CTL_STATUS_COMMAND...
Prints one line per check: `PASS<TAB>what` or `FAIL<TAB>what<TAB>detail`; saves a screenshot per
check under OUT_DIR so a person can look."""
import json, os, sqlite3, subprocess, sys, time, urllib.request
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

base, database, out = sys.argv[1], sys.argv[2], sys.argv[3]
ctl = sys.argv[sys.argv.index("--") + 1:]
os.makedirs(out, exist_ok=True)


def report(ok, what, detail=""):
    print(("PASS\t" + what) if ok else ("FAIL\t" + what + "\t" + str(detail)), flush=True)


def until(condition, seconds, step=0.1):
    deadline = time.time() + seconds
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception:
            pass
        if time.time() > deadline:
            return None
        time.sleep(step)


def browser(width=1280, height=900):
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def log_in(driver, name, password):
    driver.get(base + "/dashboard")
    until(lambda: driver.find_element(By.ID, "username").is_displayed(), 20)
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    return until(lambda: driver.execute_script("return document.body.dataset.live") == "true", 30)


def api(path, token, body=None):
    headers = {"authorization": "Bearer " + token}
    if body is not None:
        headers["content-type"] = "application/json"
    request = urllib.request.Request(base + "/api/v1" + path, headers=headers, data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


operator = browser()
try:
    report(log_in(operator, "oscar", "operator password"), "an operator logs in and the overview goes live over the WebSocket")
    token = operator.execute_script("return sessionStorage.getItem('warden.access')")

    def curve_matches_store():
        # Live points can be ahead of the journal by a bar: compare up to the last time both have.
        svg = operator.find_element(By.ID, "curve")
        shown = [int(t) for t in svg.get_attribute("data-times").split(",") if t]
        drawn = len(operator.find_element(By.CSS_SELECTOR, "#curve polyline").get_attribute("points").split())
        stored = [t for (t,) in sqlite3.connect(database).execute("SELECT taken_at FROM equity_snapshots ORDER BY taken_at")]
        if not shown or not stored or drawn != len(shown):
            return None
        upto = min(shown[-1], stored[-1])
        mine, theirs = [t for t in shown if t <= upto], [t for t in stored if t <= upto]
        last_curve[:] = [f"page {mine[:3]}…{mine[-3:]} ({len(mine)}), store {theirs[:3]}…{theirs[-3:]} ({len(theirs)})"]
        # At least 20 journaled points (10 s of bars), so a point lost while the page went live shows.
        return (len(mine), len(shown)) if mine == theirs and len(theirs) >= 20 else None
    last_curve = ["never read"]
    matched = until(curve_matches_store, 60, 0.5)
    report(matched, f"the equity curve draws every point the store holds ({matched[0] if matched else '?'} journaled, {matched[1] if matched else '?'} shown with the live ones)",
           "page and store disagree: " + last_curve[0])
    operator.save_screenshot(os.path.join(out, "overview-first.png"))

    before = api("/trading/fills?limit=1", token)["total"]
    grown = until(lambda: api("/trading/fills?limit=1", token)["total"] > before, 150, 0.5)
    newest = api(f"/trading/fills?limit=1&cursor={api('/trading/fills?limit=1', token)['total'] - 1}", token)["items"][0]["trade_id"] if grown else None
    appeared = newest and until(lambda: operator.find_elements(By.CSS_SELECTOR, f'#fills tr[data-trade-id="{newest}"]'), 1)
    report(appeared, f"a fill the engine makes ({newest}) is in the fills table within a second of the store listing it, without a reload",
           "not shown" if grown else "the engine made no fill in 150 s")
    operator.save_screenshot(os.path.join(out, "overview.png"))

    operator.find_element(By.ID, "pause").click()
    paused = until(lambda: operator.find_element(By.ID, "engine-state").text == "paused", 15)
    report(paused, "pausing from the page shows the engine paused")

    def ctl_says_paused():
        status = json.loads(subprocess.run(ctl, capture_output=True, text=True, check=True).stdout)
        engine = next(c for c in status["children"] if c["name"] == "engine")
        return "paused" in (engine.get("status_text") or "").lower()
    report(until(ctl_says_paused, 15, 0.5), "and warden ctl status shows the engine paused")
    operator.save_screenshot(os.path.join(out, "paused.png"))
    operator.find_element(By.ID, "resume").click()
    report(until(lambda: operator.find_element(By.ID, "engine-state").text == "trading", 15), "resume from the page: trading again")

    # Markets: the candles drawn are the API's window, the trade markers are `warden trades --json`'s
    # round trips inside it.
    operator.get(base + "/dashboard#markets")
    until(lambda: int(operator.find_element(By.ID, "candles").get_attribute("data-candles") or 0) > 0, 20)

    def markers_match():
        drawn = operator.find_element(By.ID, "candles").get_attribute("data-draws")
        operator.find_element(By.ID, "chart-latest").click()
        until(lambda: operator.find_element(By.ID, "candles").get_attribute("data-draws") != drawn, 5)
        bodies = operator.find_elements(By.CSS_SELECTOR, "#candles rect")
        times = [int(r.get_attribute("data-time")) for r in bodies]
        if len(bodies) != int(operator.find_element(By.ID, "candles").get_attribute("data-candles")) or not times:
            return None
        first, last = min(times), max(times)
        shown = {(m.get_attribute("class"), m.get_attribute("data-strategy"), int(m.get_attribute("data-time")))
                 for m in operator.find_elements(By.CSS_SELECTOR, "#candles path")}
        expected = set()
        for slot in json.loads(subprocess.run(os.environ["WARDEN_TRADES"].split(), capture_output=True, text=True, check=True).stdout):
            if slot["market"] != "BTC-USDT":
                continue
            for trade in slot["trades"]:
                if first <= trade["entry_time"] <= last:
                    expected.add(("entry", slot["strategy"], trade["entry_time"]))
                if trade["exit_time"] is not None and first <= trade["exit_time"] <= last:
                    expected.add(("exit", slot["strategy"], trade["exit_time"]))
        return (len(bodies), len(shown)) if shown == expected and shown else None
    matched = until(markers_match, 30, 1)
    report(matched, f"the markets page draws the stored candles ({matched[0] if matched else '?'}) with a marker for every entry and exit "
           f"warden trades --json lists in that window ({matched[1] if matched else '?'})", "markers and trades disagree")
    operator.save_screenshot(os.path.join(out, "markets.png"))

    # Trades: the table against the API's own count for the same filter, and the CSV download.
    downloads = os.path.join(out, "downloads")
    os.makedirs(downloads, exist_ok=True)
    operator.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    operator.get(base + "/dashboard#trades")
    until(lambda: operator.execute_script("return document.body.dataset.page") == "trades", 10)
    operator.find_element(By.ID, "f-strategy").send_keys("cci")
    operator.find_element(By.CSS_SELECTOR, "#trade-filter button[type=submit]").click()
    expected = api("/trading/trades?strategy=cci&limit=1000", token)
    shown = until(lambda: operator.find_element(By.ID, "trades").get_attribute("data-total") == str(expected["total"])
                  and len(operator.find_elements(By.CSS_SELECTOR, "#trades tr")) == min(100, expected["total"]), 10)
    report(shown, f"the trades page filtered by strategy lists what the API counts ({expected['total']} cci trades)")
    first = operator.find_element(By.CSS_SELECTOR, "#trades tr")
    first.find_element(By.TAG_NAME, "button").click()
    detail = until(lambda: operator.find_elements(By.CSS_SELECTOR, "#trades tr.detail tr[data-time]"), 10)
    entry = int(first.get_attribute("data-entry"))
    report(detail and int(detail[0].get_attribute("data-time")) == entry and len(detail) >= 1,
           f"a trade's detail lists its fills, the first at its entry time ({len(detail) if detail else 0} fills)")
    operator.find_element(By.ID, "trades-csv").click()
    csv_path = os.path.join(downloads, "warden-trades.csv")
    lines = until(lambda: open(csv_path).read().splitlines() if os.path.exists(csv_path) else None, 10)
    report(lines and lines[0].startswith("strategy,market,entry_time") and len(lines) >= expected["total"] + 1 and all(l.startswith("cci,") for l in lines[1:]),
           f"Download CSV saves the filtered trades with a header ({len(lines) - 1 if lines else '?'} rows)")
    operator.save_screenshot(os.path.join(out, "trades.png"))

    # Strategies: deactivate from the page, seen by the engine through the API.
    operator.get(base + "/dashboard#strategies")
    card = until(lambda: operator.find_element(By.CSS_SELECTOR, '#strategies [data-strategy="bollinger"]'), 10)
    card.find_element(By.CSS_SELECTOR, "button.toggle").click()
    inactive = until(lambda: not next(s for s in api("/strategies", token)["strategies"] if s["name"] == "bollinger")["active"], 15, 0.5)
    # Read between two reads of the API: the engine may close a trade meanwhile.
    closed = lambda: (api("/analytics/performance", token)["by_slot"].get("cci/BTC-USDT") or {}).get("closed")
    before = closed()
    operator.execute_async_script("loadStrategies().then(arguments[arguments.length - 1])")
    shown_results = operator.find_element(By.CSS_SELECTOR, '#strategies [data-strategy="cci"] .results').text
    after = closed()
    report(before is not None and any(shown_results.startswith(f"{n} closed trades") for n in {before, after}),
           f"each strategy card shows its slot's results from the analytics ({shown_results})", f"API said {before} then {after}")
    report(inactive, "deactivating bollinger on the strategies page deactivates it in the engine")
    operator.save_screenshot(os.path.join(out, "strategies.png"))
    card = until(lambda: operator.find_element(By.CSS_SELECTOR, '#strategies [data-strategy="bollinger"]'), 10)
    card.find_element(By.CSS_SELECTOR, "button.toggle").click()
    until(lambda: next(s for s in api("/strategies", token)["strategies"] if s["name"] == "bollinger")["active"], 15, 0.5)

    # A strategy created from the page runs in the engine, then is archived from its card.
    operator.get(base + "/dashboard#strategies")
    until(lambda: operator.find_elements(By.CSS_SELECTOR, "#new-strategy option"), 10)
    Select(operator.find_element(By.ID, "new-strategy")).select_by_value("rsi_macd")
    until(lambda: operator.find_elements(By.CSS_SELECTOR, "#new-market option"), 5)
    operator.find_element(By.CSS_SELECTOR, "#strategy-create button[type=submit]").click()
    rsi = lambda: next((s for s in api("/strategies", token)["strategies"] if s["name"] == "rsi_macd"), None)
    created = until(rsi, 30, 0.5)
    report(created and created.get("created_by") == "oscar" and created["active"] and not created["archived"],
           "creating rsi_macd on the strategies page runs it in the engine, made by the operator", created)

    def archived_from_card():
        operator.get(base + "/dashboard#strategies")
        card = until(lambda: operator.find_element(By.CSS_SELECTOR, '#strategies [data-strategy="rsi_macd"] button.archive'), 5)
        return card
    archive = until(archived_from_card, 20, 1)
    if archive:
        archive.click()
    gone = until(lambda: rsi()["archived"] and not rsi()["active"], 30, 0.5)
    shown = gone and until(lambda: (operator.get(base + "/dashboard#strategies") or True) and until(
        lambda: operator.find_element(By.CSS_SELECTOR, '#strategies [data-strategy="rsi_macd"]').get_attribute("data-state") == "archived", 3), 20, 1)
    report(shown, "archiving it from its card archives it in the engine, and the card says archived")
    operator.save_screenshot(os.path.join(out, "strategies-created.png"))

    # Backtests: run one from the form; the result shown is the job's own (statistics, every equity point, every trade).
    operator.get(base + "/dashboard#backtests")
    until(lambda: operator.find_elements(By.CSS_SELECTOR, "#bt-strategies input"), 10)
    for box in operator.find_elements(By.CSS_SELECTOR, "#bt-strategies input"):
        if (box.get_attribute("value") == "cci") != box.is_selected():
            box.click()
    operator.find_element(By.CSS_SELECTOR, "#backtest-form button[type=submit]").click()
    job_id = until(lambda: operator.find_element(By.ID, "backtest-result").is_displayed() and operator.find_element(By.ID, "backtest-result").get_attribute("data-job"), 180, 0.5)
    job = api("/backtests/" + job_id, token) if job_id else {}
    result = job.get("result") or {}
    page_trades = operator.find_element(By.ID, "bt-trades").get_attribute("data-count") if job_id else None
    page_points = operator.find_element(By.ID, "bt-equity").get_attribute("data-points") if job_id else None
    page_return = operator.find_element(By.CSS_SELECTOR, '#bt-stats dd[data-stat="total_return"]').text if job_id else None
    expected_return = str(round(result.get("stats", {}).get("total_return", float("nan")) * 10000) / 10000) if result else None
    report(job_id and job["state"] == "done" and job["request"]["strategies"] == ["cci"] and page_trades == str(len(result.get("trades", [])))
           and page_points == str(len(result.get("equity", []))) and int(page_points) > 1 and float(page_return) == float(expected_return),
           f"a cci backtest run from the page shows the job's result: {page_trades} trades, {page_points} equity points, total return {page_return}",
           f"job {job_id}: {job.get('state')}, page {page_trades}/{page_points}/{page_return} vs {len(result.get('trades', []))}/{len(result.get('equity', []))}/{expected_return}")
    operator.save_screenshot(os.path.join(out, "backtests.png"))

    # An optimisation from the same page: cci's period searched by grid, the report shown is the job's.
    Select(operator.find_element(By.ID, "opt-strategy")).select_by_value("cci")
    Select(operator.find_element(By.ID, "opt-param")).select_by_value("period")
    for field, value in [("opt-low", "10"), ("opt-high", "30")]:
        operator.find_element(By.ID, field).clear()
        operator.find_element(By.ID, field).send_keys(value)
    operator.find_element(By.CSS_SELECTOR, "#optimise-form button[type=submit]").click()
    opt_id = until(lambda: operator.find_element(By.ID, "optimise-result").is_displayed() and operator.find_element(By.ID, "optimise-result").get_attribute("data-job"), 180, 0.5)
    report_json = (api("/backtests/" + opt_id, token).get("result") or {}) if opt_id else {}
    shown_best = operator.find_element(By.CSS_SELECTOR, '#opt-summary dd[data-stat="best"]').text if opt_id else ""
    expected_best = " ".join(f"{k}={v:g}" for k, v in sorted((report_json.get("best") or {}).get("parameters", {}).items()))
    rows = len(operator.find_elements(By.CSS_SELECTOR, "#opt-trials-table tr")) if opt_id else 0
    scored = len([t for t in report_json.get("trials", []) if t.get("score") is not None])
    report(opt_id and report_json.get("evaluations") == 21 and shown_best.startswith(expected_best) and rows == min(20, scored),
           f"an optimisation run from the page shows the job's report: best {shown_best}, {rows} best trials of {report_json.get('evaluations')}",
           f"{opt_id}: shown {shown_best!r} vs {expected_best!r}, rows {rows} vs {scored}")
    operator.save_screenshot(os.path.join(out, "optimisation.png"))

    # Risk: each limit the API reports, with the engine's state.
    operator.get(base + "/dashboard#risk")
    risk = api("/analytics/risk", token)
    rows = until(lambda: len(operator.find_elements(By.CSS_SELECTOR, "#risk-limits tr")) == len(risk["limits"]) > 0
                 and operator.find_element(By.ID, "risk-state").text == risk["state"], 10)
    report(rows, f"the risk page lists every limit the API reports ({len(risk['limits'])}) and the engine's state ({risk.get('state')})")
    operator.save_screenshot(os.path.join(out, "risk.png"))
    report(not operator.find_element(By.ID, "nav-operations").is_displayed(), "an operator is not shown the operations page")

    operator.get(base + "/dashboard#alerts")
    until(lambda: operator.execute_script("return document.body.dataset.page") == "alerts", 10)
    notices = api("/notifications/notices?limit=50", token)["items"]
    rows = until(lambda: len(operator.find_elements(By.CSS_SELECTOR, "#notices tr")) == len(notices) > 0, 10)
    report(rows, f"the alerts page lists the operator notices, the page's pause among them ({len(notices)})")
    silence = api("/notifications/silences", token, {"matchers": ['alertname="WardenEngineDown"'], "duration_minutes": 30, "comment": "upgrade"})
    operator.refresh()
    row = until(lambda: [r for r in operator.find_elements(By.CSS_SELECTOR, "#silences tr") if "upgrade" in r.text], 10)
    report(row and "oscar" in row[0].text, "a silence is listed on the alerts page with its matchers, end, maker and comment")
    operator.save_screenshot(os.path.join(out, "alerts.png"))
    if row:
        row[0].find_element(By.TAG_NAME, "button").click()
    report(until(lambda: not any(x["id"] == silence["id"] for x in api("/notifications/silences", token)), 10, 0.5), "ending it from the page ends it")
    operator.get(base + "/dashboard#overview")
    until(lambda: operator.execute_script("return document.body.dataset.live") == "true", 20)

    operator.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    background = operator.execute_script("return getComputedStyle(document.body).backgroundColor")
    report(background == "rgb(17, 20, 24)", f"the dark theme follows the system's preference ({background})")
    operator.save_screenshot(os.path.join(out, "overview-dark.png"))
finally:
    operator.quit()

admin = browser()
try:
    report(log_in(admin, "alice", "admin password!"), "an admin logs in and is shown the operations page")
    admin_token = admin.execute_script("return sessionStorage.getItem('warden.access')")
    admin.find_element(By.ID, "nav-operations").click()
    lists = {name: api(path, admin_token) for name, path in [("users", "/users"), ("keys", "/keys"), ("backups", "/operations/backups"), ("runbooks", "/operations/runbooks")]}
    counted = until(lambda: all(admin.find_element(By.ID, name).get_attribute("data-count") == str(len(items)) for name, items in lists.items()), 10)
    report(counted and len(lists["users"]) == 3 and lists["runbooks"],
           "the operations page lists the users, keys, backups and runbooks the API has (" + ", ".join(f"{len(v)} {k}" for k, v in lists.items()) + ")")
    row = next(r for r in admin.find_elements(By.CSS_SELECTOR, "#runbooks tr") if r.find_element(By.CSS_SELECTOR, "td").text == "engine-not-trading")
    row.find_element(By.XPATH, ".//button[text()='Dry run']").click()
    ran = until(lambda: any(r["runbook"] == "engine-not-trading" and r["actor"] == "alice" and r["mode"] == "dry_run" for r in api("/operations/recovery", admin_token)), 60, 0.5)
    listed = ran and until(lambda: (admin.refresh() or True) and until(lambda: "engine-not-trading" in admin.find_element(By.ID, "recoveries").text, 3), 15, 1)
    report(listed, "a runbook dry-run from the page runs as a supervisor job in the admin's name and is listed")
    admin.find_element(By.ID, "new-user").send_keys("bea")
    Select(admin.find_element(By.ID, "new-user-role")).select_by_value("viewer")
    admin.find_element(By.ID, "new-user-password").send_keys("a long password here")
    admin.find_element(By.CSS_SELECTOR, "#user-add button[type=submit]").click()
    added = until(lambda: any(u["name"] == "bea" and u["role"] == "viewer" for u in api("/users", admin_token)), 10, 0.5)
    row = added and until(lambda: admin.find_element(By.CSS_SELECTOR, '#users tr[data-user="bea"]'), 10)
    report(row, "an admin adds a viewer from the page, and the API lists her")
    admin.find_element(By.ID, "new-key").send_keys("grafana")
    admin.find_element(By.CSS_SELECTOR, "#key-add button[type=submit]").click()
    text = until(lambda: "wdn_" in admin.find_element(By.ID, "new-key-text").text and admin.find_element(By.ID, "new-key-text").text, 10)
    key = text.split()[-1] if text else ""
    works = bool(key) and api("/auth/me", key)["name"] == "alice"
    report(works, "a key made on the page is shown once and works as a bearer credential")
    admin.save_screenshot(os.path.join(out, "operations.png"))
finally:
    admin.quit()

viewer = browser()
try:
    report(log_in(viewer, "vera", "viewer password!"), "a viewer logs in")
    report(not viewer.find_element(By.ID, "pause").is_displayed(), "a viewer sees no pause button")
    viewer.get(base + "/dashboard#strategies")
    cards = until(lambda: viewer.find_elements(By.CSS_SELECTOR, "#strategies article"), 10)
    report(cards and not viewer.find_elements(By.CSS_SELECTOR, "#strategies button") and all(not i.is_enabled() for i in viewer.find_elements(By.CSS_SELECTOR, "#strategies input")),
           "a viewer sees the strategies' parameters but no button and no editable field")
    status = viewer.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/v1/trading/stop', {method: 'POST', headers: {authorization: 'Bearer ' + sessionStorage.getItem('warden.access')}})
          .then((r) => done(r.status), () => done(0));""")
    report(status == 403, f"a forged pause from the viewer's page is refused ({status})")
    viewer.save_screenshot(os.path.join(out, "viewer.png"))
finally:
    viewer.quit()

phone = browser()
try:
    # A phone's viewport (an iPhone's 375 CSS pixels), not a narrow desktop window: headless
    # Chromium keeps windows at least 500 px wide.
    phone.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})
    log_in(phone, "vera", "viewer password!")
    widths = phone.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    report(widths[0] <= widths[1] == 375, f"at phone width (375 px) nothing scrolls sideways (content {widths[0]} px in {widths[1]} px)")
    phone.save_screenshot(os.path.join(out, "phone.png"))
finally:
    phone.quit()
