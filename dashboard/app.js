// Warden's dashboard: every figure comes from the same /api/v1 endpoints tools use; live
// updates come over /api/v1/ws. No framework, nothing fetched from elsewhere.
"use strict";

const API = "/api/v1";
const DAY = 86400000;
const RANGES = { day: DAY, week: 7 * DAY, month: 30 * DAY, all: null };
const session = {
  get token() { return sessionStorage.getItem("warden.access"); },
  get refresh() { return sessionStorage.getItem("warden.refresh"); },
  save(tokens) {
    sessionStorage.setItem("warden.access", tokens.access_token);
    sessionStorage.setItem("warden.refresh", tokens.refresh_token);
  },
  clear() { sessionStorage.removeItem("warden.access"); sessionStorage.removeItem("warden.refresh"); },
};
// `live` holds the latest equity events, so a read of the curve that overlaps them loses none and
// doubles none.
const view = { role: null, range: "all", curve: [], live: [], socket: null, moneyAt: 0, curveReads: 0, loadedLast: -Infinity, gap: null, reload: null };
const $ = (id) => document.getElementById(id);

async function call(method, path, body, retried) {
  const headers = { authorization: "Bearer " + session.token };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && session.refresh && !retried) {
    const renewed = await fetch(API + "/auth/refresh", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refresh_token: session.refresh }),
    });
    if (renewed.ok) { session.save(await renewed.json()); return call(method, path, body, true); }
    session.clear();
    showLogin("Your session ended; log in again.");
  }
  return response;
}

async function json(path) {
  const response = await call("GET", path);
  if (!response.ok) throw new Error(path + " answered " + response.status);
  return response.json();
}

const money = (x) => x == null ? "–" : x.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const time = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";
function signed(element, value) {
  element.textContent = value == null ? "–" : (value >= 0 ? "+" : "") + money(value);
  element.className = value == null ? "" : value >= 0 ? "good" : "bad";
}
function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

function showLogin(message) {
  $("login-view").hidden = false;
  for (const name of PAGES) $(name + "-view").hidden = true;
  $("nav").hidden = true;
  $("who").hidden = true;
  $("login-error").textContent = message || "";
  if (view.socket) view.socket.close();
}

const PAGES = ["overview", "markets", "trades", "strategies", "backtests", "risk", "alerts", "operations"];

/// Shows the page the location's hash names, and reads what it shows.
function route() {
  const page = PAGES.includes(location.hash.slice(1)) ? location.hash.slice(1) : "overview";
  for (const name of PAGES) $(name + "-view").hidden = name !== page;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === "#" + page) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  document.body.dataset.page = page;
  if (page === "markets") loadMarkets().catch(showError("chart-caption"));
  if (page === "trades") loadTrades(true).catch(showError("trades-count"));
  if (page === "strategies") loadStrategies().catch(showError("strategies-message"));
  if (page === "alerts") loadAlertPage().catch(showError("alerts-message"));
  if (page === "backtests") loadBacktests().catch(showError("backtests-message"));
  if (page === "risk") loadRisk().catch(showError("risk-reason"));
  if (page === "operations") loadOperations().catch(showError("operations-message"));
}

const showError = (id) => (error) => { $(id).textContent = String(error.message || error); };

async function start() {
  const me = await call("GET", "/auth/me");
  if (!me.ok) return showLogin();
  const who = await me.json();
  view.role = who.role;
  $("user").textContent = who.name + " (" + who.role + ")";
  $("login-view").hidden = true;
  $("nav").hidden = false;
  route();
  $("who").hidden = false;
  // What a role may not do is not shown (and the API refuses it anyway).
  $("controls").hidden = who.role === "viewer";
  $("strategy-create").hidden = who.role === "viewer";
  $("backtest-form").hidden = who.role === "viewer";
  $("optimise-form").hidden = who.role === "viewer";
  $("nav-operations").hidden = who.role !== "admin";
  connect();
  await Promise.all([loadStatus(), loadCurve(), loadMoney(), loadPositions(), loadFills(), loadHealth()]);
}

async function loadStatus() {
  const reply = await json("/trading/status");
  showStatus(reply.status);
}

function showStatus(status) {
  const badge = $("engine-state");
  badge.textContent = status.state;
  badge.className = "badge " + status.state;
  $("engine-reason").textContent = status.reason || "";
  $("equity").textContent = money(status.equity);
}

async function loadCurve() {
  const span = RANGES[view.range];
  let query = "?points=500";
  if (span) {
    const all = await json("/operations/performance?points=2");
    const last = all.points.length ? all.points[all.points.length - 1].time : Date.now();
    query += "&from=" + Math.max(0, last - span);
  }
  // Only the last read started counts: an older one may predate the subscription and miss points.
  const generation = ++view.curveReads;
  const curve = await json("/operations/performance" + query);
  if (generation !== view.curveReads) return;
  const last = curve.points.length ? curve.points[curve.points.length - 1].time : -Infinity;
  view.loadedLast = last;
  view.curve = curve.points.concat(view.live.filter((p) => p.time > last));
  drawCurve();
}

/// A live point can be published before the journal holds it, and one published before the
/// subscription took is never pushed: if the live part of the curve has a hole (a spacing over
/// 1.5 times the smallest), read the curve again shortly, up to three times for the same hole.
function checkGap() {
  const c = view.curve;
  if (c.length < 3) return;
  let step = Infinity;
  for (let i = 1; i < c.length; i++) step = Math.min(step, c[i].time - c[i - 1].time);
  for (let i = c.length - 1; i > 0 && c[i].time > view.loadedLast; i--) {
    if (c[i].time - c[i - 1].time > step * 1.5) {
      const hole = c[i - 1].time;
      view.gap = view.gap && view.gap.at === hole ? { at: hole, tries: view.gap.tries + 1 } : { at: hole, tries: 1 };
      if (view.gap.tries <= 3 && !view.reload) view.reload = setTimeout(() => { view.reload = null; loadCurve().catch(() => {}); }, 500);
      return;
    }
  }
}

function drawCurve() {
  const svg = $("curve");
  const points = view.curve;
  svg.replaceChildren();
  svg.dataset.points = String(points.length);
  svg.dataset.lastTime = points.length ? String(points[points.length - 1].time) : "";
  svg.dataset.times = points.map((p) => p.time).join(",");
  if (points.length === 0) { $("curve-caption").textContent = "No equity recorded yet."; return; }
  const t0 = points[0].time, t1 = points[points.length - 1].time;
  let lo = Infinity, hi = -Infinity;
  for (const p of points) { lo = Math.min(lo, p.equity); hi = Math.max(hi, p.equity); }
  if (hi === lo) { hi += 1; lo -= 1; }
  const x = (t) => t1 === t0 ? 400 : (t - t0) / (t1 - t0) * 800;
  const y = (e) => 230 - (e - lo) / (hi - lo) * 220;
  const ns = "http://www.w3.org/2000/svg";
  for (const level of [lo, (lo + hi) / 2, hi]) {
    const line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "0"); line.setAttribute("x2", "800");
    line.setAttribute("y1", String(y(level))); line.setAttribute("y2", String(y(level)));
    svg.appendChild(line);
  }
  const polyline = document.createElementNS(ns, "polyline");
  polyline.setAttribute("points", points.map((p) => x(p.time).toFixed(1) + "," + y(p.equity).toFixed(1)).join(" "));
  svg.appendChild(polyline);
  checkGap();
  $("curve-caption").textContent = points.length + " points from " + time(t0) + " to " + time(t1) + "; from " + money(lo) + " to " + money(hi);
}

async function loadMoney() {
  const [daily, weekly, monthly, portfolio] = await Promise.all(
    ["/reports/daily", "/reports/weekly", "/reports/monthly", "/trading/portfolio"].map((path) => json(path).catch(() => null)));
  const last = (rows) => rows && rows.length ? rows[rows.length - 1].pnl : null;
  signed($("pnl-day"), last(daily));
  signed($("pnl-week"), last(weekly));
  signed($("pnl-month"), last(monthly));
  if (portfolio) {
    $("exposure").textContent = (portfolio.exposure * 100).toFixed(1) + "%";
    $("open-orders").textContent = String(portfolio.open_orders);
  }
}

async function loadPositions() {
  const positions = await json("/trading/positions");
  const body = $("positions");
  body.replaceChildren();
  for (const p of positions) {
    const row = document.createElement("tr");
    cell(row, p.strategy); cell(row, p.market); cell(row, String(p.quantity)); cell(row, String(p.entry_price));
    body.appendChild(row);
  }
}

async function loadFills() {
  const first = await json("/trading/fills?limit=1");
  const page = await json("/trading/fills?limit=20&cursor=" + Math.max(0, first.total - 20));
  $("fills").replaceChildren();
  for (const fill of page.items) addFill(fill);
}

function addFill(fill) {
  const body = $("fills");
  if (body.querySelector('[data-trade-id="' + CSS.escape(fill.trade_id) + '"]')) return;
  const row = document.createElement("tr");
  row.dataset.tradeId = fill.trade_id;
  cell(row, time(fill.time)); cell(row, fill.strategy); cell(row, fill.market); cell(row, fill.side); cell(row, String(fill.price)); cell(row, String(fill.quantity));
  body.prepend(row);
  while (body.rows.length > 20) body.deleteRow(body.rows.length - 1);
}

async function loadHealth() {
  const [system, alerts, backups] = await Promise.all(
    ["/monitoring/system", "/notifications?state=firing", "/operations/backups"].map((path) => json(path).catch(() => null)));
  showChildren(system && system.supervisor ? system.supervisor.children : []);
  showAlerts(alerts || []);
  $("last-backup").textContent = backups && backups.length ? time(backups[0].started_at) : "none";
}

function showChildren(children) {
  const list = $("children");
  list.replaceChildren();
  for (const child of children || []) {
    const item = document.createElement("li");
    item.textContent = child.name + ": " + (child.state || child.status || "?");
    list.appendChild(item);
  }
}

function showAlerts(alerts) {
  $("alert-count").textContent = String(alerts.length);
  const list = $("alerts");
  list.replaceChildren();
  for (const alert of alerts.slice(0, 5)) {
    const item = document.createElement("li");
    item.textContent = alert.name + (alert.annotations && alert.annotations.summary ? ": " + alert.annotations.summary : "");
    list.appendChild(item);
  }
}

function connect() {
  if (view.socket) view.socket.close();
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + API + "/ws");
  view.socket = socket;
  socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token: session.token }));
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "ready") {
      socket.send(JSON.stringify({ type: "subscribe", topics: ["equity", "status", "fills", "positions", "alerts", "children", "candles"] }));
      return;
    }
    if (event.type === "subscribed") {
      // Read again what may have changed before the subscription took.
      Promise.all([loadCurve(), loadFills(), loadStatus()]).then(() => { document.body.dataset.live = "true"; }).catch(() => {});
      return;
    }
    if (event.type !== "event") return;
    switch (event.topic) {
      case "equity":
        $("equity").textContent = money(event.data.equity);
        // The day's, week's and month's P&L are the reports' rows: read again at most every 5 s.
        if (Date.now() - view.moneyAt > 5000) { view.moneyAt = Date.now(); loadMoney().catch(() => {}); }
        {
          const point = { time: event.time, equity: event.data.equity, cash: event.data.cash, drawdown: event.data.drawdown };
          view.live.push(point);
          if (view.live.length > 1000) view.live.shift();
          const last = view.curve.length ? view.curve[view.curve.length - 1].time : -Infinity;
          if (point.time > last) { view.curve.push(point); drawCurve(); }
        }
        break;
      case "status": showStatus(event.data); break;
      case "fills": addFill(event.data); break;
      case "candles":
        // New bars arrive at the right edge of the latest window: read it again, at most every 2 s.
        if (document.body.dataset.page === "markets" && chart.to == null && event.data.market === chart.market && Date.now() - chart.loadedAt > 2000) {
          loadChart().catch(() => {});
        }
        break;
      case "positions": loadPositions().catch(() => {}); break;
      case "alerts": showAlerts(Array.isArray(event.data) ? event.data : []); break;
      case "children": showChildren(Array.isArray(event.data) ? event.data : event.data.children); break;
    }
  };
  socket.onclose = () => {
    document.body.dataset.live = "false";
    if (session.token && view.socket === socket) setTimeout(() => { if (view.socket === socket) connect(); }, 2000);
  };
}

// Markets: a window of candles with the strategies' indicators and trade markers, moved by
// Earlier/Later (the API's `earlier` and a stack of where we came from) and zoomed by its size.
const chart = { market: null, limit: 300, to: null, back: [], data: null, loadedAt: 0, draws: 0 };

async function loadMarkets() {
  const select = $("market");
  if (!select.options.length) {
    for (const market of await json("/markets")) select.add(new Option(market.symbol, market.symbol));
  }
  chart.market = select.value;
  await loadChart();
}

async function loadChart() {
  if (!chart.market) return;
  chart.loadedAt = Date.now();
  const query = "?limit=" + chart.limit + (chart.to == null ? "" : "&to=" + chart.to);
  chart.data = await json("/markets/" + encodeURIComponent(chart.market) + "/candles" + query);
  drawChart();
}

function drawChart() {
  const { candles, indicators, trades } = chart.data;
  const svg = $("candles"), pane = $("oscillators");
  svg.replaceChildren(); pane.replaceChildren();
  svg.dataset.candles = String(candles.length);
  svg.dataset.draws = String(++chart.draws);
  $("chart-later").disabled = chart.to == null;
  $("chart-earlier").disabled = chart.data.earlier == null;
  if (!candles.length) { $("chart-caption").textContent = "No candles stored for " + chart.market + " yet."; return; }
  const ns = "http://www.w3.org/2000/svg";
  const make = (name, attributes) => { const e = document.createElementNS(ns, name); for (const k in attributes) e.setAttribute(k, attributes[k]); return e; };
  const step = 1000 / candles.length;
  const x = (i) => (i + 0.5) * step;
  const bands = indicators.filter((s) => s.pane === "price");
  let lo = Infinity, hi = -Infinity;
  for (const c of candles) { lo = Math.min(lo, c.low); hi = Math.max(hi, c.high); }
  for (const s of bands) for (const v of s.values) if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad; hi += pad;
  const y = (p) => 300 - (p - lo) / (hi - lo) * 300;
  const index = new Map(candles.map((c, i) => [c.time, i]));
  candles.forEach((c, i) => {
    svg.appendChild(make("line", { class: "wick", x1: x(i), x2: x(i), y1: y(c.high), y2: y(c.low) }));
    const top = y(Math.max(c.open, c.close)), bottom = y(Math.min(c.open, c.close));
    svg.appendChild(make("rect", { class: c.close >= c.open ? "up" : "down", x: x(i) - step * 0.3, width: step * 0.6, y: top, height: Math.max(0.5, bottom - top), "data-time": c.time }));
  });
  const series = (s, n, scale) => s.values.map((v, i) => v == null ? null : x(i).toFixed(1) + "," + scale(v).toFixed(1)).filter((p) => p).join(" ");
  bands.forEach((s, n) => svg.appendChild(make("polyline", { class: "series-" + (n % 3), points: series(s, n, y) })));
  let entries = 0, exits = 0;
  for (const t of trades) {
    if (index.has(t.entry_time)) {
      const i = index.get(t.entry_time), px = x(i), py = y(candles[i].low) + 6;
      svg.appendChild(make("path", { class: "entry", d: `M${px},${py} l-5,9 h10 z`, "data-time": t.entry_time, "data-strategy": t.strategy }));
      entries++;
    }
    if (t.exit_time != null && index.has(t.exit_time)) {
      const i = index.get(t.exit_time), px = x(i), py = y(candles[i].high) - 6;
      svg.appendChild(make("path", { class: "exit", d: `M${px},${py} l-5,-9 h10 z`, "data-time": t.exit_time, "data-strategy": t.strategy }));
      exits++;
    }
  }
  const oscillators = indicators.filter((s) => s.pane === "oscillator");
  oscillators.forEach((s, n) => {
    const known = s.values.filter((v) => v != null);
    if (!known.length) return;
    const a = Math.min(...known), b = Math.max(...known);
    const scale = (v) => 115 - (b === a ? 0.5 : (v - a) / (b - a)) * 110;
    pane.appendChild(make("polyline", { class: "series-" + (n % 4), points: series(s, n, scale) }));
  });
  $("chart-legend").textContent = indicators.map((s) => s.strategy + ": " + s.name).join(" · ") + (indicators.length ? " · " : "") + "▲ entries, ▼ exits";
  $("chart-caption").textContent = chart.market + ": " + candles.length + " candles from " + time(candles[0].time) + " to " + time(candles[candles.length - 1].time)
    + ", " + entries + " entries and " + exits + " exits";
}

// Trades: the API's round trips, filtered and paged; CSV made here from the same rows.
const trades = { cursor: 0, query: "" };

function tradeQuery() {
  const parts = [];
  for (const [name, id] of [["market", "f-market"], ["strategy", "f-strategy"]]) {
    if ($(id).value.trim()) parts.push(name + "=" + encodeURIComponent($(id).value.trim()));
  }
  if ($("f-from").value) parts.push("from=" + Date.parse($("f-from").value + "T00:00:00Z"));
  if ($("f-to").value) parts.push("to=" + (Date.parse($("f-to").value + "T00:00:00Z") + DAY - 1));
  return parts.join("&");
}

async function loadTrades(reset) {
  if (reset) { trades.cursor = 0; trades.query = tradeQuery(); $("trades").replaceChildren(); }
  const page = await json("/trading/trades?limit=100&cursor=" + trades.cursor + (trades.query ? "&" + trades.query : ""));
  for (const item of page.items) {
    const row = document.createElement("tr");
    const t = item.trade;
    for (const text of [item.strategy, item.market, time(t.entry_time), money(t.entry_price), t.exit_time == null ? "open" : time(t.exit_time),
      t.exit_price == null ? "" : money(t.exit_price), String(t.quantity), money(t.fees), money(t.pnl), (t.return * 100).toFixed(2) + "%"]) cell(row, text);
    row.lastChild.previousSibling.className = t.pnl >= 0 ? "good" : "bad";
    const detail = document.createElement("td");
    detail.appendChild(button("Fills", () => tradeDetail(row, item).catch(showError("trades-count"))));
    row.appendChild(detail);
    row.dataset.entry = String(t.entry_time);
    $("trades").appendChild(row);
  }
  trades.cursor = page.next_cursor == null ? null : page.next_cursor;
  $("trades-more").hidden = trades.cursor == null;
  $("trades-count").textContent = page.total + " trades" + (trades.query ? " matching" : "");
  $("trades").dataset.total = String(page.total);
}

/// A trade's own fills (entry, any partial ones, exit) with fees and order ids, under its row.
async function tradeDetail(row, item) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains("detail")) { next.remove(); return; }
  const t = item.trade;
  const query = "strategy=" + encodeURIComponent(item.strategy) + "&market=" + encodeURIComponent(item.market) + "&from=" + t.entry_time +
    (t.exit_time == null ? "" : "&to=" + t.exit_time);
  const page = await json("/trading/fills?limit=100&" + query);
  const holder = document.createElement("tr");
  holder.className = "detail";
  const td = document.createElement("td");
  td.colSpan = 11;
  const table = document.createElement("table");
  const head = document.createElement("tr");
  for (const text of ["Time", "Side", "Price", "Quantity", "Fee", "Client order id", "Trade id"]) {
    const th = document.createElement("th"); th.scope = "col"; th.textContent = text; head.appendChild(th);
  }
  table.appendChild(head);
  for (const fill of page.items) {
    const line = document.createElement("tr");
    line.dataset.time = String(fill.time);
    for (const text of [time(fill.time), fill.side, String(fill.price), String(fill.quantity), String(fill.fee) + " " + fill.fee_asset, fill.client_order_id, fill.trade_id]) cell(line, text);
    table.appendChild(line);
  }
  const held = (t.exit_time ?? Date.now()) - t.entry_time;
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = page.total + " fills; held " + (held / 3600000).toFixed(1) + " h" + (t.exit_time == null ? " so far" : "");
  td.append(note, table);
  holder.appendChild(td);
  row.after(holder);
}

async function downloadTrades() {
  const rows = [["strategy", "market", "entry_time", "entry_price", "exit_time", "exit_price", "quantity", "fees", "pnl", "return"]];
  const query = tradeQuery();
  for (let cursor = 0; cursor != null;) {
    const page = await json("/trading/trades?limit=1000&cursor=" + cursor + (query ? "&" + query : ""));
    for (const item of page.items) {
      const t = item.trade;
      rows.push([item.strategy, item.market, t.entry_time, t.entry_price, t.exit_time ?? "", t.exit_price ?? "", t.quantity, t.fees, t.pnl, t.return]);
    }
    cursor = page.next_cursor == null ? null : page.next_cursor;
  }
  const quote = (v) => /[",\n]/.test(String(v)) ? '"' + String(v).replace(/"/g, '""') + '"' : String(v);
  const blob = new Blob([rows.map((r) => r.map(quote).join(",")).join("\n") + "\n"], { type: "text/csv" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "warden-trades.csv";
  document.body.appendChild(link);
  link.click();
  link.remove();
}

// Strategies: each slot with its parameters inside their bounds; operators change them.
async function loadStrategies() {
  const [reply, performance] = await Promise.all([json("/strategies"), json("/analytics/performance").catch(() => null)]);
  if (view.role !== "viewer") fillCreateForm(reply.strategies).catch(showError("strategies-message"));
  const box = $("strategies");
  box.replaceChildren();
  const editable = view.role !== "viewer";
  for (const slot of reply.strategies) {
    const card = document.createElement("article");
    card.className = "card";
    card.dataset.strategy = slot.name;
    card.dataset.market = slot.market;
    const title = document.createElement("h3");
    title.textContent = slot.name + " on " + slot.market;
    const state = document.createElement("p");
    state.innerHTML = '<span class="badge"></span> position <span class="position"></span>';
    state.querySelector(".badge").textContent = slot.archived ? "archived" : slot.active ? "active" : "inactive";
    state.querySelector(".badge").className = "badge " + (slot.active ? "trading" : "paused");
    card.dataset.state = state.querySelector(".badge").textContent;
    state.querySelector(".position").textContent = String(slot.position);
    const figures = performance && performance.by_slot[slot.name + "/" + slot.market];
    const results = document.createElement("p");
    results.className = "muted results";
    results.textContent = figures
      ? figures.closed + " closed trades, " + (figures.win_rate == null ? "–" : (figures.win_rate * 100).toFixed(1) + "%") + " won, profit factor " +
        (figures.profit_factor == null ? "–" : figures.profit_factor.toFixed(2)) + ", net " + money(figures.net_profit) + ", fees " + money(figures.fees)
      : "no trades yet";
    const form = document.createElement("form");
    form.className = "params";
    for (const bound of slot.bounds) {
      const id = "p-" + slot.name + "-" + slot.market + "-" + bound.name;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = bound.name + " (" + bound.min + " to " + bound.max + ")";
      const input = document.createElement("input");
      Object.assign(input, { id, name: bound.name, type: "number", min: bound.min, max: bound.max, step: bound.integer ? 1 : "any", required: true });
      input.value = slot.parameters[bound.name] ?? bound.default;
      input.disabled = !editable;
      form.append(label, input);
    }
    card.append(title, state, results, form);
    if (editable) {
      const actions = document.createElement("p");
      const save = document.createElement("button");
      save.type = "button"; save.textContent = "Save parameters"; save.className = "save";
      const toggle = document.createElement("button");
      toggle.type = "button"; toggle.textContent = slot.active ? "Deactivate" : "Activate"; toggle.className = "toggle";
      const where = "?market=" + encodeURIComponent(slot.market);
      save.addEventListener("click", async () => {
        if (!form.reportValidity()) return;
        const changes = {};
        for (const input of form.querySelectorAll("input")) changes[input.name] = Number(input.value);
        await strategyCall("PUT", "/strategies/" + slot.name + "/parameters" + where, changes);
      });
      toggle.addEventListener("click", () => strategyCall("POST", "/strategies/" + slot.name + (slot.active ? "/deactivate" : "/activate") + where));
      actions.append(save, " ", toggle);
      if (!slot.archived) {
        const archive = document.createElement("button");
        archive.type = "button"; archive.textContent = "Archive"; archive.className = "archive";
        archive.addEventListener("click", () => strategyCall("DELETE", "/strategies/" + slot.name + where));
        actions.append(" ", archive);
      }
      card.append(actions);
    }
    box.appendChild(card);
  }
}

/// The create form offers each registry strategy on each traded market it does not run on yet.
async function fillCreateForm(slots) {
  const markets = await json("/markets");
  const names = ["cci", "rsi_macd", "bollinger"];
  const strategy = $("new-strategy"), market = $("new-market");
  const chosen = strategy.value;
  strategy.replaceChildren(...names.map((n) => new Option(n, n)));
  if (chosen) strategy.value = chosen;
  const free = () => markets.map((m) => m.symbol).filter((m) => !slots.some((s) => s.name === strategy.value && s.market === m));
  market.replaceChildren(...free().map((m) => new Option(m, m)));
  strategy.onchange = () => market.replaceChildren(...free().map((m) => new Option(m, m)));
}

async function strategyCall(method, path, body) {
  const response = await call(method, path, body);
  const reply = await response.json().catch(() => ({}));
  $("strategies-message").textContent = response.ok ? reply.message : (reply.error ? reply.error.message : "refused (" + response.status + ")");
  await loadStrategies();
  // A change applies at the engine's next bar: look again shortly after.
  setTimeout(() => { if (document.body.dataset.page === "strategies") loadStrategies().catch(() => {}); }, 2000);
}

// Alerts and notices: history, acknowledged or read in the user's name.
async function loadAlertPage() {
  const [alerts, notices, silences] = await Promise.all([json("/notifications"), json("/notifications/notices?limit=50"), json("/notifications/silences")]);
  const body = $("alert-history");
  body.replaceChildren();
  for (const alert of alerts) {
    const row = document.createElement("tr");
    row.dataset.alertId = String(alert.id);
    for (const text of [alert.name, alert.state, time(alert.starts_at), (alert.annotations && alert.annotations.summary) || ""]) cell(row, text);
    const acked = document.createElement("td");
    if (alert.acked_by) acked.textContent = alert.acked_by + (alert.ack_comment ? ": " + alert.ack_comment : "");
    else if (view.role !== "viewer" && alert.state === "firing") acked.appendChild(button("Acknowledge", () => acknowledge("/notifications/" + alert.id + "/read")));
    if (view.role !== "viewer" && alert.state !== "resolved") acked.append(" ", button("Silence", () => silence(alert)));
    row.appendChild(acked);
    body.appendChild(row);
  }
  fill("silences", silences, (x) => [x.matchers.join(", "), time(x.ends_at), x.created_by, x.comment], (row, x) => {
    const td = document.createElement("td");
    if (view.role !== "viewer") td.appendChild(button("End", () => acknowledge("/notifications/silences/" + x.id, "DELETE")));
    row.appendChild(td);
  });
  const list = $("notices");
  list.replaceChildren();
  for (const notice of notices.items) {
    const row = document.createElement("tr");
    for (const text of [time(notice.time), notice.kind, notice.actor, notice.detail || ""]) cell(row, text);
    const read = document.createElement("td");
    if (notice.read_by) read.textContent = notice.read_by;
    else if (view.role !== "viewer") read.appendChild(button("Mark read", () => acknowledge("/notifications/notices/" + notice.id + "/read")));
    row.appendChild(read);
    list.appendChild(row);
  }
}

// Backtests: a form, the jobs with their progress, and a finished job's statistics, equity,
// drawdown and trades. A running job is read again every second until it ends.
const backtests = { shown: null, timer: null, strategies: null, slots: null };

async function loadBacktests() {
  if (!backtests.slots) backtests.slots = (await json("/strategies")).strategies;
  if (!backtests.strategies) {
    backtests.strategies = backtests.slots.map((s) => s.name).filter((n, i, all) => all.indexOf(n) === i);
    $("bt-strategies").replaceChildren(...backtests.strategies.map((name) => {
      const label = document.createElement("label");
      const box = Object.assign(document.createElement("input"), { type: "checkbox", name: "strategy", value: name, checked: true });
      label.append(box, " " + name);
      return label;
    }));
  }
  if (!$("opt-strategy").options.length) {
    const names = backtests.slots.map((s) => s.name).filter((n, i, all) => all.indexOf(n) === i);
    $("opt-strategy").replaceChildren(...names.map((n) => new Option(n, n)));
    const bounds = () => (backtests.slots.find((s) => s.name === $("opt-strategy").value) || { bounds: [] }).bounds;
    const showBounds = () => {
      const bound = bounds().find((b) => b.name === $("opt-param").value);
      if (bound) { $("opt-low").value = bound.min; $("opt-high").value = bound.max; }
    };
    const showParams = () => { $("opt-param").replaceChildren(...bounds().map((b) => new Option(b.name, b.name))); showBounds(); };
    $("opt-strategy").onchange = showParams;
    $("opt-param").onchange = showBounds;
    showParams();
  }
  const jobs = await json("/backtests");
  const body = $("backtest-jobs");
  body.replaceChildren();
  for (const job of jobs) {
    const row = document.createElement("tr");
    row.dataset.job = job.id;
    row.dataset.state = job.state;
    const summary = job.summary || {};
    const what = job.request.optimise ? "optimise " + job.request.strategies[0] + " (" + job.request.optimise.method + ")" : (job.request.strategies || []).join(", ");
    const headline = job.request.optimise ? (summary.best_score == null ? "–" : "best " + summary.best_score.toFixed(4)) : null;
    for (const text of [job.id, what, job.state, Math.round(job.fraction * 100) + "%",
      job.started_at ? time(job.started_at) : "–", headline ?? (summary.total_return == null ? "–" : (summary.total_return * 100).toFixed(2) + "%")]) cell(row, text);
    const actions = document.createElement("td");
    if (job.state === "done") actions.appendChild(button("Show", () => showBacktest(job.id)));
    if ((job.state === "queued" || job.state === "running") && view.role !== "viewer") {
      actions.appendChild(button("Cancel", async () => { await call("POST", "/backtests/" + job.id + "/cancel"); loadBacktests(); }));
    }
    row.appendChild(actions);
    body.appendChild(row);
  }
  clearTimeout(backtests.timer);
  if (jobs.some((j) => j.state === "queued" || j.state === "running")) {
    backtests.timer = setTimeout(() => { if (document.body.dataset.page === "backtests") loadBacktests().catch(() => {}); }, 1000);
  }
  const newest = jobs[0];
  if (newest && newest.state === "done" && backtests.shown === "next:" + newest.id) showBacktest(newest.id);
}

async function runBacktest(event) {
  event.preventDefault();
  const strategies = [...document.querySelectorAll("#bt-strategies input:checked")].map((box) => box.value);
  const body = { strategies, fee: Number($("bt-fee").value), slippage_bps: Number($("bt-slippage").value), cash: Number($("bt-cash").value) };
  if ($("bt-from").value) body.from = Date.parse($("bt-from").value + "T00:00:00Z");
  if ($("bt-to").value) body.to = Date.parse($("bt-to").value + "T23:59:59.999Z");
  const response = await call("POST", "/backtests", body);
  const reply = await response.json().catch(() => ({}));
  $("backtests-message").textContent = response.ok ? "started " + reply.id : (reply.error ? reply.error.message : "refused (" + response.status + ")");
  if (response.ok) backtests.shown = "next:" + reply.id;
  await loadBacktests();
}

async function showBacktest(id) {
  const job = await json("/backtests/" + id);
  if (job.request.optimise) return showOptimisation(job);
  $("optimise-result").hidden = true;
  backtests.shown = id;
  const result = job.result || {};
  const box = $("backtest-result");
  box.hidden = false;
  box.dataset.job = id;
  $("bt-result-title").textContent = "Result of " + id + " (" + (job.request.strategies || []).join(", ") + ")";
  const stats = $("bt-stats");
  stats.replaceChildren();
  for (const [key, value] of Object.entries(result.stats || job.summary || {})) {
    const dt = document.createElement("dt"); dt.textContent = key.replaceAll("_", " ");
    const dd = document.createElement("dd"); dd.textContent = typeof value === "number" ? String(Math.round(value * 10000) / 10000) : String(value);
    dd.dataset.stat = key;
    stats.append(dt, dd);
  }
  const equity = result.equity || [];
  let peak = -Infinity;
  const drawdown = equity.map(([t, e]) => { peak = Math.max(peak, e); return [t, peak > 0 ? e / peak - 1 : 0]; });
  line($("bt-equity"), equity, 800, 200);
  line($("bt-drawdown"), drawdown, 800, 80);
  const trades = result.trades || [];
  const body = $("bt-trades");
  body.replaceChildren();
  for (const t of trades.slice(0, 500)) {
    const row = document.createElement("tr");
    for (const text of [time(t.entry_time), money(t.entry_price), t.exit_time == null ? "open" : time(t.exit_time), money(t.exit_price),
      money(t.pnl), (t.return * 100).toFixed(2) + "%"]) cell(row, text);
    body.appendChild(row);
  }
  body.dataset.count = String(trades.length);
  $("bt-trades-note").textContent = trades.length + " trades" + (trades.length > 500 ? "; the first 500 are listed" : "");
}

async function runOptimisation(event) {
  event.preventDefault();
  const search = {};
  search[$("opt-param").value] = { low: Number($("opt-low").value), high: Number($("opt-high").value) };
  const body = { method: $("opt-method").value, search, objective: $("opt-objective").value, trials: Number($("opt-trials").value) };
  if ($("opt-walk").value) body.walk_forward = $("opt-walk").value;
  const response = await call("POST", "/strategies/" + encodeURIComponent($("opt-strategy").value) + "/optimise", body);
  const reply = await response.json().catch(() => ({}));
  $("backtests-message").textContent = response.ok ? "started " + reply.id : (reply.error ? reply.error.message : "refused (" + response.status + ")");
  if (response.ok) backtests.shown = "next:" + reply.id;
  await loadBacktests();
}

/// An optimisation's report: the best point, the overfitting measures, the best trials and the walk-forward windows.
function showOptimisation(job) {
  backtests.shown = job.id;
  $("backtest-result").hidden = true;
  const box = $("optimise-result");
  box.hidden = false;
  box.dataset.job = job.id;
  const r = job.result || {};
  const parameters = (p) => Object.entries(p || {}).sort().map(([k, v]) => k + "=" + v).join(" ");
  const four = (x) => x == null ? "–" : String(Math.round(x * 10000) / 10000);
  $("opt-result-title").textContent = "Optimisation " + job.id + ": " + r.strategy + " by " + r.method + " on " + r.objective;
  const rows = [
    ["best", r.best ? parameters(r.best.parameters) + " → " + four(r.best.score) : "none reached the minimum trades"],
    ["trials", String(r.evaluations)],
    ["deflated Sharpe ratio", four(r.overfitting && r.overfitting.deflated_sharpe && r.overfitting.deflated_sharpe.probability)],
    ["probability of backtest overfitting", four(r.overfitting && r.overfitting.pbo && r.overfitting.pbo.probability)],
    ["look-ahead check", r.checks ? (r.checks.look_ahead.passed ? "passed" : "FAILED") : "–"],
    ["warm-up check", r.checks && r.checks.warm_up ? (r.checks.warm_up.passed ? "passed" : "FAILED") : "–"],
  ];
  const summary = $("opt-summary");
  summary.replaceChildren();
  for (const [name, value] of rows) {
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value; dd.dataset.stat = name;
    summary.append(dt, dd);
  }
  const ranked = (r.trials || []).filter((t) => t.score != null).sort((a, b) => b.score - a.score || a.number - b.number);
  fill("opt-trials-table", ranked.slice(0, 20), (t) => ["#" + t.number, parameters(t.parameters), four(t.score), (t.figures.total_return * 100).toFixed(2) + "%",
    (t.figures.max_drawdown * 100).toFixed(2) + "%", String(t.figures.trades)]);
  const windows = (r.walk_forward && r.walk_forward.windows) || [];
  fill("opt-windows", windows, (w) => [time(w.window.train_start).slice(0, 10) + " – " + time(w.window.train_end - 1).slice(0, 10),
    time(w.window.test_start).slice(0, 10) + " – " + time(w.window.test_end - 1).slice(0, 10), parameters(w.parameters), four(w.in_sample_score), four(w.out_of_sample_score)]);
}

/// A polyline of [time, value] pairs filling a viewBox of w × h.
function line(svg, pairs, w, h) {
  svg.replaceChildren();
  svg.dataset.points = String(pairs.length);
  if (pairs.length < 2) return;
  const t0 = pairs[0][0], t1 = pairs[pairs.length - 1][0];
  let lo = Infinity, hi = -Infinity;
  for (const [, v] of pairs) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (hi === lo) { hi += 1; lo -= 1; }
  const polyline = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  polyline.setAttribute("points", pairs.map(([t, v]) => ((t - t0) / (t1 - t0) * w).toFixed(1) + "," + (h - 5 - (v - lo) / (hi - lo) * (h - 10)).toFixed(1)).join(" "));
  svg.appendChild(polyline);
}

// Risk: what the engine's risk layer knows, and how close each limit is.
async function loadRisk() {
  const risk = await json("/analytics/risk");
  const badge = $("risk-state");
  badge.textContent = risk.state || "unknown";
  badge.className = "badge " + (risk.state || "");
  $("risk-reason").textContent = risk.reason || risk.engine_error || "";
  $("risk-equity").textContent = money(risk.equity);
  $("risk-drawdown").textContent = (risk.drawdown * 100).toFixed(2) + "%";
  $("risk-daily").textContent = (risk.daily_loss * 100).toFixed(2) + "%";
  // Notionals at entry price, in the quote currency.
  $("risk-exposure").textContent = money(risk.exposure);
  $("risk-largest").textContent = money(risk.largest_position);
  const body = $("risk-limits");
  body.replaceChildren();
  for (const limit of risk.limits) {
    const row = document.createElement("tr");
    row.dataset.limit = limit.name;
    cell(row, limit.name.replaceAll("_", " "));
    cell(row, String(Math.round(limit.current * 10000) / 10000));
    cell(row, limit.limit == null ? "none" : String(limit.limit));
    const used = document.createElement("td");
    if (limit.used != null) {
      const meter = Object.assign(document.createElement("meter"), { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 0, value: Math.min(1, limit.used) });
      meter.setAttribute("aria-label", limit.name + " used");
      used.append(meter, " " + Math.round(limit.used * 100) + "%");
    } else used.textContent = "–";
    row.appendChild(used);
    body.appendChild(row);
  }
}

// Operations (admins): backups and "back up now", runbooks (dry-run or run), recovery runs, users and keys.
async function loadOperations() {
  const [backups, runbooks, runs, users, keys, maintenance] = await Promise.all(
    ["/operations/backups", "/operations/runbooks", "/operations/recovery", "/users", "/keys", "/operations/maintenance"].map((path) => json(path)));
  fill("maintenance", maintenance, (m) => [m.task, time(m.started_at), m.outcome || "running", m.detail || ""]);
  fill("backups", backups, (b) => [b.id, b.engine, time(b.started_at), b.size_bytes == null ? "–" : (b.size_bytes / 1048576).toFixed(1) + " MiB",
    b.verified_at ? time(b.verified_at) : "no", b.restore_tested_at ? time(b.restore_tested_at) : "no"]);
  fill("runbooks", runbooks, (r) => [r.name, r.title + (r.destructive ? " (destructive)" : ""), r.needs.join(", ") || "–"], (row, r) => {
    const td = document.createElement("td");
    td.append(button("Dry run", () => runbook(r, true)), " ", button("Run", () => runbook(r, false)));
    row.appendChild(td);
  });
  fill("recoveries", runs, (r) => [r.id, r.runbook, r.actor, r.mode, time(r.started_at), r.outcome]);
  fill("users", users, (u) => [u.name, u.role, time(u.created_at), u.disabled ? "disabled" : "active"], (row, u) => {
    const td = document.createElement("td");
    row.dataset.user = u.name;
    if (!u.disabled) td.appendChild(button("Disable", () => { if (confirm("Disable " + u.name + "? Their sessions and keys stop working.")) operation("POST", "/users/" + encodeURIComponent(u.name) + "/disable"); }));
    row.appendChild(td);
  });
  fill("keys", keys, (k) => [k.prefix, k.name, k.owner, k.role, k.revoked_at ? "revoked" : k.expires_at ? time(k.expires_at) : "never", k.last_used_at ? time(k.last_used_at) : "never"], (row, k) => {
    const td = document.createElement("td");
    if (!k.revoked_at) td.appendChild(button("Revoke", () => operation("DELETE", "/keys/" + encodeURIComponent(k.prefix))));
    row.appendChild(td);
  });
}

function fill(id, items, texts, extra) {
  const body = $(id);
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    for (const text of texts(item)) cell(row, text);
    if (extra) extra(row, item);
    body.appendChild(row);
  }
  body.dataset.count = String(items.length);
}

async function runbook(entry, dryRun) {
  const parameters = {};
  for (const name of entry.needs.filter((n) => n !== "operator")) {
    const value = prompt(entry.name + " needs " + name);
    if (value == null) return;
    parameters[name] = value;
  }
  if (!dryRun && entry.destructive && !confirm(entry.name + " has destructive steps. Run them?")) return;
  await operation("POST", "/operations/recovery", { runbook: entry.name, parameters, dry_run: dryRun, confirm_destructive: !dryRun && entry.destructive });
}

async function operation(method, path, body) {
  const response = await call(method, path, body);
  const reply = await response.json().catch(() => ({}));
  $("operations-message").textContent = response.ok ? (reply.message || "done") : (reply.error ? reply.error.message : reply.message || "refused (" + response.status + ")");
  setTimeout(() => { if (document.body.dataset.page === "operations") loadOperations().catch(() => {}); }, 1500);
}

function button(text, action) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  element.addEventListener("click", action);
  return element;
}

/// Silences an alert by all its labels (as Alertmanager's "silence this alert" does), for a
/// duration and with a comment the operator gives.
async function silence(alert) {
  const minutes = prompt("Silence " + alert.name + " for how many minutes?", "60");
  if (minutes == null) return;
  const comment = prompt("Why?", "");
  if (comment == null) return;
  const quote = (v) => '"' + String(v).replaceAll("\\", "\\\\").replaceAll('"', '\\"') + '"';
  const matchers = Object.entries(alert.labels || {}).map(([k, v]) => k + "=" + quote(v));
  if (!matchers.some((m) => m.startsWith("alertname="))) matchers.unshift("alertname=" + quote(alert.name));
  await acknowledge("/notifications/silences", "POST", { matchers, duration_minutes: Number(minutes), comment });
}

async function acknowledge(path, method, body) {
  const response = await call(method || "POST", path, body);
  const reply = await response.json().catch(() => ({}));
  $("alerts-message").textContent = response.ok ? "done" : (reply.error ? reply.error.message : "refused (" + response.status + ")");
  await loadAlertPage();
}

async function control(path) {
  const response = await call("POST", path);
  const reply = await response.json().catch(() => ({}));
  $("control-message").textContent = response.ok ? reply.message : (reply.error ? reply.error.message : "refused (" + response.status + ")");
  if (reply.status) showStatus(reply.status);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(API + "/auth/login", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: $("username").value, password: $("password").value }),
    });
    if (!response.ok) {
      const reply = await response.json().catch(() => ({}));
      $("login-error").textContent = reply.error ? reply.error.message : "login failed (" + response.status + ")";
      return;
    }
    session.save(await response.json());
    $("password").value = "";
    start();
  });
  $("logout").addEventListener("click", async () => {
    if (session.refresh) await call("POST", "/auth/logout", { refresh_token: session.refresh }).catch(() => {});
    session.clear();
    showLogin();
  });
  window.addEventListener("hashchange", () => { if (session.token) route(); });
  $("trade-filter").addEventListener("submit", (event) => { event.preventDefault(); loadTrades(true).catch(showError("trades-count")); });
  $("trades-more").addEventListener("click", () => loadTrades(false).catch(showError("trades-count")));
  $("trades-csv").addEventListener("click", () => downloadTrades().catch(showError("trades-count")));
  $("market").addEventListener("change", () => { chart.to = null; chart.back = []; loadMarkets().catch(showError("chart-caption")); });
  $("chart-earlier").addEventListener("click", () => {
    if (!chart.data || chart.data.earlier == null) return;
    chart.back.push(chart.to); chart.to = chart.data.earlier; loadChart().catch(showError("chart-caption"));
  });
  $("chart-later").addEventListener("click", () => { chart.to = chart.back.length ? chart.back.pop() : null; loadChart().catch(showError("chart-caption")); });
  $("chart-latest").addEventListener("click", () => { chart.to = null; chart.back = []; loadChart().catch(showError("chart-caption")); });
  $("chart-zoom-in").addEventListener("click", () => { chart.limit = Math.max(30, Math.round(chart.limit / 2)); loadChart().catch(showError("chart-caption")); });
  $("chart-zoom-out").addEventListener("click", () => { chart.limit = Math.min(2000, chart.limit * 2); loadChart().catch(showError("chart-caption")); });
  $("pause").addEventListener("click", () => control("/trading/stop"));
  $("backtest-form").addEventListener("submit", (event) => runBacktest(event).catch(showError("backtests-message")));
  $("optimise-form").addEventListener("submit", (event) => runOptimisation(event).catch(showError("backtests-message")));
  $("backup-now").addEventListener("click", () => operation("POST", "/operations/backups"));
  $("user-add").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { name: $("new-user").value, role: $("new-user-role").value, password: $("new-user-password").value };
    $("new-user-password").value = "";
    operation("POST", "/users", body);
  });
  $("key-add").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await call("POST", "/keys", { name: $("new-key").value, role: $("new-key-role").value, expires_in_days: Number($("new-key-days").value) || null });
    const reply = await response.json().catch(() => ({}));
    // Shown once: only its hash is kept.
    $("new-key-text").textContent = response.ok ? "Your new key (shown once; copy it now): " + reply.key : (reply.error ? reply.error.message : "refused (" + response.status + ")");
    loadOperations().catch(showError("operations-message"));
  });
  $("strategy-create").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!$("new-market").value) { $("strategies-message").textContent = "it already runs on every market"; return; }
    strategyCall("POST", "/strategies", { strategy: $("new-strategy").value, markets: [$("new-market").value] });
  });
  $("resume").addEventListener("click", () => control("/trading/start"));
  for (const button of document.querySelectorAll("[data-range]")) {
    button.addEventListener("click", () => {
      view.range = button.dataset.range;
      for (const other of document.querySelectorAll("[data-range]")) other.setAttribute("aria-pressed", String(other === button));
      loadCurve();
    });
  }
  if (session.token) start(); else showLogin();
});
