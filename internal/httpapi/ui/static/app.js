// erpbridge dashboard: renders each page from the JSON API (/api/v1) and
// refreshes it every few seconds. Data is inserted as text, never as HTML.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;
  const isAdmin = body.dataset.admin === "true";
  const content = document.getElementById("content");
  const REFRESH_MS = 5000;
  let busy = false;

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "onclick") el.addEventListener("click", v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function cookie(name) {
    for (const part of document.cookie.split(";")) {
      const [k, ...v] = part.trim().split("=");
      if (k === name) return decodeURIComponent(v.join("="));
    }
    return "";
  }

  async function api(path, opts) {
    opts = opts || {};
    const headers = { Accept: "application/json" };
    if (opts.method && opts.method !== "GET") {
      headers["X-CSRF-Token"] = cookie("erpbridge_csrf");
      headers["Content-Type"] = "application/json";
    }
    const res = await fetch("/api/v1" + path, { credentials: "same-origin", headers, method: opts.method || "GET", body: opts.body });
    if (res.status === 401) { window.location.href = "/ui/login"; throw new Error("signed out"); }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || ("HTTP " + res.status));
    return data;
  }

  function flash(msg, isError) {
    const el = document.getElementById("flash");
    el.textContent = msg;
    el.className = "flash" + (isError ? " error" : "");
    el.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { el.hidden = true; }, isError ? 15000 : 6000);
  }

  function ago(ts) {
    if (!ts) return "never";
    const s = Math.max(0, (Date.now() - new Date(ts).getTime()) / 1000);
    if (s < 60) return Math.round(s) + " s ago";
    if (s < 3600) return Math.round(s / 60) + " min ago";
    if (s < 86400) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " days ago";
  }
  function when(ts) { return ts ? h("span", { title: new Date(ts).toLocaleString() }, ago(ts)) : "never"; }
  function badge(s, label) { return h("span", { class: "badge b-" + s }, label || s.replace("_", " ")); }
  function card(label, value, cls, id, sub) {
    return h("div", { class: "card", id }, h("div", { class: "label" }, label), h("div", { class: "value " + (cls || "") }, value),
      sub ? h("div", { class: "sub muted" }, sub) : null);
  }
  function table(head, rows, id) {
    return h("table", { id }, h("thead", {}, h("tr", {}, head.map(c => h("th", { class: c.num ? "num" : "" }, c.label || c)))),
      h("tbody", {}, rows));
  }
  function empty(text) { return h("div", { class: "empty" }, text); }

  // action runs a write, says what happened (done: text, or a func of the
  // answer), then re-renders the page.
  function action(label, path, cls, confirmText, done) {
    return h("button", {
      class: cls, "data-action": label.toLowerCase(),
      onclick: async (ev) => {
        if (confirmText && !window.confirm(confirmText)) return;
        ev.target.disabled = true;
        busy = true;
        try {
          const res = await api(path, { method: "POST" });
          flash(typeof done === "function" ? done(res) : (done || label + " done."));
        } catch (e) {
          flash(label + " failed: " + e.message, true);
        } finally {
          busy = false;
          refresh(true);
        }
      },
    }, label);
  }

  function orderLink(o) { return h("a", { href: "/ui/orders/" + o.id, class: "order-link" }, o.store + " #" + o.shop_order_id); }

  function orderButtons(o) {
    if (!isAdmin) return null;
    const b = [];
    const id = encodeURIComponent(o.id);
    const name = "Order " + o.store + " #" + o.shop_order_id;
    if (["parked", "invalid", "skipped"].includes(o.state)) b.push(action("Retry", "/orders/" + id + "/retry", "primary", null,
      name + " is back in the import queue."));
    if (o.state === "received") b.push(action("Park", "/orders/" + id + "/park", "", null, name + " is parked."));
    if (["received", "parked", "invalid"].includes(o.state)) b.push(action("Skip", "/orders/" + id + "/skip", "danger",
      "Skip " + name + "? It will not be imported into the ERP.", name + " is skipped; it will not reach the ERP."));
    return h("div", { class: "actions" }, b);
  }

  const waiting = (o) => (o.received || 0) + (o.processing || 0);
  const stuck = (o) => (o.parked || 0) + (o.invalid || 0);

  async function overview() {
    const s = await api("/status");
    const storeRows = s.stores.map(st => h("tr", { "data-store": st.id },
      h("td", {}, h("strong", {}, st.name || st.id), h("div", { class: "muted" }, st.id + " · " + st.type)),
      h("td", {}, badge(st.health)),
      h("td", { class: "num" }, st.items.in_sync + " / " + st.items.total),
      h("td", { class: "num" }, st.items.dirty),
      h("td", { class: "num" }, st.items.failing),
      h("td", { class: "num" }, st.items.parked),
      h("td", { class: "num" }, waiting(st.orders)),
      h("td", { class: "num" }, stuck(st.orders)),
      h("td", {}, when(st.last_in_sync_at)),
      h("td", {}, isAdmin && st.items.parked > 0 ? action("Retry parked", "/stores/" + encodeURIComponent(st.id) + "/retry-parked", "", null,
        r => r.retried + " parked item(s) of " + st.id + " will be pushed again.") : null)));
    const cursors = Object.entries(s.erp.cursors);
    return [
      h("div", { class: "cards" },
        card("Stores", s.stores.length),
        card("Items in sync", s.items.in_sync, "", "in-sync-card", "of " + s.items.total),
        card("Backlog", s.items.dirty, s.items.dirty ? "warn" : ""),
        card("Failing", s.items.failing, s.items.failing ? "bad" : ""),
        card("Parked items", s.items.parked, s.items.parked ? "warn" : "", "parked-items-card"),
        card("Orders waiting", waiting(s.orders)),
        card("Orders needing a hand", stuck(s.orders), stuck(s.orders) ? "bad" : "", "stuck-orders-card")),
      h("h2", {}, "Stores"),
      s.stores.length ? table(["Store", "Health", { label: "In sync", num: 1 }, { label: "Backlog", num: 1 }, { label: "Failing", num: 1 },
        { label: "Parked", num: 1 }, { label: "Orders waiting", num: 1 }, { label: "Orders parked", num: 1 }, "Last in sync", ""], storeRows, "stores")
        : empty("No stores are configured."),
      h("h2", {}, "ERP"),
      h("dl", { class: "facts", id: "erp" }, cursors.length ? cursors.map(([k, v]) => [h("dt", {}, k + " cursor"), h("dd", {}, v || "not read yet")])
        : [h("dt", {}, "Reads"), h("dd", {}, "no ERP read positions recorded yet")]),
    ];
  }

  async function attention() {
    const [parkedItems, failingItems, parkedOrders, invalidOrders, status] = await Promise.all([
      api("/items?state=parked&limit=200"), api("/items?state=failing&limit=200"),
      api("/orders?state=parked&limit=200"), api("/orders?state=invalid&limit=200"), api("/status")]);
    const orders = parkedOrders.orders.concat(invalidOrders.orders).sort((a, b) => b.id - a.id);
    const itemRow = (it, reason) => h("tr", { "data-sku": it.sku },
      h("td", {}, it.store), h("td", {}, it.kind), h("td", {}, h("code", {}, it.sku)), h("td", {}, badge(it.state)),
      h("td", { class: "reason" }, reason), h("td", { class: "num" }, it.attempts), h("td", {}, when(it.updated_at)),
      h("td", {}, isAdmin && it.state === "parked" ? h("div", { class: "actions" },
        action("Retry", "/items/" + [it.store, it.kind, it.sku].map(encodeURIComponent).join("/") + "/retry", "primary", null,
          it.kind + " of " + it.sku + " will be pushed to " + it.store + " again.")) : null));
    const bulk = isAdmin ? status.stores.filter(st => st.items.parked > 0).map(st =>
      action("Retry all parked in " + st.id, "/stores/" + encodeURIComponent(st.id) + "/retry-parked", "", null,
        r => r.retried + " parked item(s) of " + st.id + " will be pushed again.")) : [];
    return [
      h("div", { class: "section-head" }, h("h2", {}, "Parked and invalid orders")),
      h("p", { class: "muted" }, "Orders the hub could not import. Fix the cause (a SKU mapping, a customer), then retry; skip an order that must not reach the ERP."),
      orders.length ? table(["Order", "State", "Reason", "Received", ""], orders.map(o => h("tr", { "data-order": o.id },
        h("td", {}, orderLink(o)), h("td", {}, badge(o.state)), h("td", { class: "reason" }, o.reason),
        h("td", {}, when(o.received_at)), h("td", {}, orderButtons(o)))), "attention-orders") : empty("No parked or invalid orders."),
      h("div", { class: "section-head" }, h("h2", {}, "Parked items"), h("div", { class: "actions" }, bulk)),
      h("p", { class: "muted" }, "Items a shop refused for a reason retrying will not fix. Fix the data in the ERP (the item is retried by itself when it changes) or retry it here."),
      parkedItems.items.length ? table(["Store", "Kind", "SKU", "State", "Reason", { label: "Attempts", num: 1 }, "Since", ""],
        parkedItems.items.map(it => itemRow(it, it.parked_reason)), "parked-items") : empty("No parked items."),
      h("h2", {}, "Failing items"),
      h("p", { class: "muted" }, "Pushes that failed and are retried automatically with backoff."),
      failingItems.items.length ? table(["Store", "Kind", "SKU", "State", "Last error", { label: "Attempts", num: 1 }, "Since", ""],
        failingItems.items.map(it => itemRow(it, it.last_error)), "failing-items") : empty("No failing items."),
    ];
  }

  const filters = { store: "", state: "" };
  async function orders() {
    const q = new URLSearchParams({ limit: "100" });
    if (filters.store) q.set("store", filters.store);
    if (filters.state) q.set("state", filters.state);
    const [list, status] = await Promise.all([api("/orders?" + q), api("/status")]);
    const sel = (name, values) => {
      const s = h("select", { name, id: "filter-" + name }, h("option", { value: "" }, "all " + name + "s"),
        values.map(v => h("option", { value: v, selected: filters[name] === v }, v)));
      s.addEventListener("change", () => { filters[name] = s.value; refresh(true); });
      return s;
    };
    return [
      h("div", { class: "filters" }, sel("store", status.stores.map(s => s.id)),
        sel("state", ["received", "processing", "imported", "parked", "invalid", "skipped"])),
      list.orders.length ? table(["Order", "State", "ERP document", "Reason", "Received", "Updated", ""], list.orders.map(o => h("tr", { "data-order": o.id },
        h("td", {}, orderLink(o)), h("td", {}, badge(o.state)), h("td", {}, o.erp_ref || "—"), h("td", { class: "reason" }, o.reason),
        h("td", {}, when(o.received_at)), h("td", {}, when(o.updated_at)), h("td", {}, orderButtons(o)))), "orders")
        : empty("No orders match."),
    ];
  }

  async function order() {
    const { order: o } = await api("/orders/" + encodeURIComponent(body.dataset.id));
    const steps = [[o.received_at, "Received from " + o.store + " (shop order " + o.shop_order_id + ")"]];
    if (o.attempts > 0) steps.push([null, o.attempts + " import attempt(s)"]);
    if (o.erp_ref) steps.push([null, "ERP document " + o.erp_ref]);
    steps.push([o.updated_at, "Now " + o.state + (o.reason ? ": " + o.reason : "")]);
    document.querySelector("h1").textContent = "Order " + o.store + " #" + o.shop_order_id;
    document.title = "Order " + o.store + " #" + o.shop_order_id + " · erpbridge";
    const payload = o.payload !== undefined ? JSON.stringify(o.payload, null, 2) : (o.payload_text || "");
    return [
      h("div", { class: "section-head" }, h("h2", {}, "Details ", badge(o.state)), orderButtons(o)),
      h("dl", { class: "facts", id: "order" },
        h("dt", {}, "Store"), h("dd", {}, o.store),
        h("dt", {}, "Shop order"), h("dd", {}, o.shop_order_id),
        h("dt", {}, "State"), h("dd", { id: "order-state" }, o.state),
        h("dt", {}, "Reason"), h("dd", { class: o.reason ? "reason" : "" }, o.reason || "—"),
        h("dt", {}, "ERP document"), h("dd", {}, o.erp_ref || "not imported yet"),
        h("dt", {}, "Attempts"), h("dd", {}, o.attempts),
        h("dt", {}, "Received"), h("dd", {}, new Date(o.received_at).toLocaleString()),
        h("dt", {}, "Updated"), h("dd", {}, new Date(o.updated_at).toLocaleString())),
      h("h2", {}, "Timeline"),
      h("ol", { class: "timeline" }, steps.map(([t, text]) => h("li", {}, text, t ? h("span", { class: "muted" }, " · ", when(t)) : null))),
      h("h2", {}, "Payload as received"),
      h("pre", { class: "block" }, payload),
    ];
  }

  async function audit() {
    const { events } = await api("/audit?limit=200");
    return events.length ? table(["When", "Who", "Action", "Subject", "Detail"], events.map(e => h("tr", {},
      h("td", {}, when(e.at)), h("td", {}, e.actor), h("td", {}, h("code", {}, e.action)), h("td", {}, e.subject),
      h("td", {}, h("code", {}, JSON.stringify(e.detail))))), "audit") : empty("Nothing has been done yet.");
  }

  async function config() {
    const c = await api("/config");
    return [h("p", { class: "muted" }, "The configuration the hub runs with. Secrets are never shown: each appears as <redacted>."), h("pre", { class: "block" }, c.yaml)];
  }

  async function attentionCount() {
    const s = await api("/status");
    const n = s.items.parked + (s.orders.parked || 0) + (s.orders.invalid || 0);
    document.getElementById("attention-count").textContent = n ? String(n) : "";
  }

  const renderers = { overview, attention, orders, order, audit, config };
  const static_ = { config: true };

  async function refresh(force) {
    const fn = renderers[page];
    if (!fn || busy) return;
    // Do not pull a list from under someone choosing a filter.
    if (document.activeElement && document.activeElement.tagName === "SELECT" && !force) return;
    try {
      const nodes = await fn();
      if (busy) return;
      const active = document.activeElement && document.activeElement.id;
      content.replaceChildren(...[].concat(nodes));
      if (active && document.getElementById(active)) document.getElementById(active).focus();
      document.getElementById("refreshed").textContent = static_[page] ? "" : "Updated " + new Date().toLocaleTimeString();
      attentionCount().catch(() => {});
    } catch (e) {
      if (e.message !== "signed out") flash("Could not load: " + e.message, true);
    }
  }

  refresh(true);
  if (!static_[page]) setInterval(() => refresh(false), REFRESH_MS);
})();
