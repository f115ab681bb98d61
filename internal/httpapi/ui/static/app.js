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
  function action(label, path, cls, confirmText, done, id) {
    return h("button", {
      class: cls, "data-action": label.toLowerCase(), id,
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

  function itemButtons(it) {
    if (!isAdmin) return null;
    const path = "/items/" + [it.store, it.kind, it.sku].map(encodeURIComponent).join("/");
    const name = it.kind + " of " + it.sku;
    const b = [action("Retry", path + "/retry", "primary", null, name + " will be pushed to " + it.store + " again.")];
    if (it.state !== "parked") b.push(action("Park", path + "/park", "", null, name + " is held back from " + it.store + " until retried or changed in the ERP."));
    b.push(action("Skip", path + "/skip", "danger", "Skip " + name + "? " + it.store + " keeps what it has until the ERP changes it again.",
      name + " is skipped; " + it.store + " keeps what it has."));
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
      h("td", {}, when(st.last_push_at || st.last_in_sync_at)),
      h("td", { class: "num" }, lag(st.lag_seconds)),
      h("td", {}, circuit(st), st.rate_limit_wait_seconds > 0 ? h("div", { class: "muted" }, "waited " + duration(st.rate_limit_wait_seconds)) : null),
      h("td", {}, h("div", { class: "actions" },
        h("a", { href: "/ui/stores/" + encodeURIComponent(st.id) + "/plan", class: "plan-link" }, "Plan"),
        isAdmin && st.enabled ? action("Sync", "/stores/" + encodeURIComponent(st.id) + "/sync", "", null,
          "Pushing what waits for " + st.id + " now.") : null,
        isAdmin && st.items.parked > 0 ? action("Retry parked", "/stores/" + encodeURIComponent(st.id) + "/retry-parked", "", null,
          r => r.retried + " parked item(s) of " + st.id + " will be pushed again.") : null),
        st.push_job && st.push_job.failing ? h("div", { class: "reason" }, st.push_job.last_error) : null)));
    const cursors = Object.entries(s.erp.cursors);
    const erpJobs = (s.erp.jobs || []).map(j => [h("dt", {}, j.name), h("dd", { class: j.failing ? "reason" : "" },
      j.failing ? "failing since " + ago(j.last_error_at) + ": " + j.last_error : (j.last_ok_at ? "ok, " + ago(j.last_ok_at) : "not run since the hub started"),
      j.failures > 0 && !j.failing ? h("span", { class: "muted" }, " · " + j.failures + " failure(s) since start") : null)]);
    return [
      isAdmin ? h("div", { class: "toolbar", id: "engine-actions" },
        action("Sync all stores now", "/actions/sync", "primary", null, r => "Pushing now: " + r.started.join(", ") + ".", "sync-all"),
        action("Read ERP snapshot now", "/actions/snapshot", "", null, "Reading a full ERP snapshot now.", "snapshot")) : null,
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
        { label: "Parked", num: 1 }, { label: "Orders waiting", num: 1 }, { label: "Orders parked", num: 1 }, "Last push",
        { label: "Lag", num: 1 }, "Circuit", ""], storeRows, "stores")
        : empty("No stores are configured."),
      h("h2", {}, "ERP"),
      h("dl", { class: "facts", id: "erp" },
        h("dt", {}, "Last delta read"), h("dd", {}, when(s.erp.last_delta_at)),
        h("dt", {}, "Last prices and stock read"), h("dd", {}, when(s.erp.last_prices_stock_at)),
        h("dt", {}, "Last snapshot"), h("dd", {}, when(s.erp.last_snapshot_at)),
        cursors.map(([k, v]) => [h("dt", {}, k + " cursor"), h("dd", {}, v || "not read yet")]),
        erpJobs),
    ];
  }

  function duration(sec) {
    if (sec < 90) return Math.round(sec) + " s";
    if (sec < 5400) return Math.round(sec / 60) + " min";
    return Math.round(sec / 3600) + " h";
  }
  function lag(sec) { return sec === null || sec === undefined ? "—" : (sec === 0 ? "none" : duration(sec)); }
  function circuit(st) {
    const cls = { closed: "ok", "half-open": "attention", open: "failing" }[st.circuit] || "disabled";
    return badge(cls, st.circuit || "unknown");
  }

  async function attention() {
    const [parkedItems, failingItems, parkedOrders, invalidOrders, status] = await Promise.all([
      api("/items?state=parked&limit=200"), api("/items?state=failing&limit=200"),
      api("/orders?state=parked&limit=200"), api("/orders?state=invalid&limit=200"), api("/status")]);
    const orders = parkedOrders.orders.concat(invalidOrders.orders).sort((a, b) => b.id - a.id);
    const itemRow = (it, reason) => h("tr", { "data-sku": it.sku },
      h("td", {}, it.store), h("td", {}, it.kind), h("td", {}, h("code", {}, it.sku)), h("td", {}, badge(it.state)),
      h("td", { class: "reason" }, reason), h("td", { class: "num" }, it.attempts), h("td", {}, when(it.updated_at)),
      h("td", {}, itemButtons(it)));
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
      h("p", { class: "muted" }, "Items a shop refused for a reason retrying will not fix. Fix the data in the ERP (the item is retried by itself when it changes), retry it here, or skip it to leave the shop as it is."),
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
    const { order: o, timeline } = await api("/orders/" + encodeURIComponent(body.dataset.id));
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
        h("dt", {}, "ERP staging ref."), h("dd", {}, o.erp_ref || "not imported yet"),
        h("dt", {}, "Attempts"), h("dd", {}, o.attempts),
        h("dt", {}, "Received"), h("dd", {}, new Date(o.received_at).toLocaleString()),
        h("dt", {}, "Updated"), h("dd", {}, new Date(o.updated_at).toLocaleString())),
      h("h2", {}, "Timeline"),
      h("ol", { class: "timeline", id: "timeline" }, timeline.map(e => h("li", { "data-kind": e.kind, class: "tl-" + stepClass(e.kind) },
        h("strong", {}, stepTitle(e.kind)), " ", h("span", {}, e.message),
        h("div", { class: "muted" }, new Date(e.at).toLocaleString(), " · ", e.actor, " · ", ago(e.at))))),
      h("h2", {}, "Payload as received"),
      h("pre", { class: "block" }, payload),
    ];
  }

  const stepTitles = {
    received: "Webhook or poll received", retry: "Import attempt failed, will retry", parked: "Parked", invalid: "Invalid",
    skipped: "Skipped", staged: "Written to ERP staging", erp_result: "ERP importer", status_sent: "Status sent to the shop",
    "order.retry": "Retried by an operator", "order.park": "Parked by an operator", "order.skip": "Skipped by an operator",
  };
  function stepTitle(kind) { return stepTitles[kind] || kind; }
  function stepClass(kind) {
    if (["parked", "invalid", "retry"].includes(kind)) return "bad";
    if (["staged", "erp_result", "status_sent"].includes(kind)) return "ok";
    return "info";
  }

  // plan shows a store's latest plan and, for admins, starts a new one.
  async function plan() {
    const store = body.dataset.id;
    const { plans } = await api("/plans?store=" + encodeURIComponent(store));
    const latest = plans.length ? (await api("/plans/" + encodeURIComponent(plans[0].id))).plan : null;
    const start = isAdmin ? h("div", { class: "actions" },
      action("Run plan", "/stores/" + encodeURIComponent(store) + "/plan", "primary", null,
        r => "Plan " + r.plan.id + " of " + store + " is running; nothing is pushed.", "run-plan")) : null;
    const head = [
      h("p", { class: "muted" }, "A plan computes what a sync would change in " + store +
        " from the hub's copy of the ERP, without pushing anything or changing any item."),
      h("div", { class: "section-head" }, h("h2", {}, "Latest plan"), start),
    ];
    if (!latest) return head.concat(empty(isAdmin ? "No plan yet: run one." : "No plan yet. An admin can run one."));
    const facts = h("dl", { class: "facts", id: "plan-facts" },
      h("dt", {}, "Plan"), h("dd", {}, "#" + latest.id + " by " + latest.by + (latest.force ? " (forced)" : "")),
      h("dt", {}, "State"), h("dd", { id: "plan-state" }, latest.state),
      h("dt", {}, "Started"), h("dd", {}, when(latest.started_at)),
      h("dt", {}, "Finished"), h("dd", {}, latest.finished_at ? when(latest.finished_at) : "—"),
      latest.error ? [h("dt", {}, "Error"), h("dd", { class: "reason" }, latest.error)] : null);
    const r = latest.result;
    if (!r) return head.concat(facts);
    const cards = h("div", { class: "cards", id: "plan-counts" },
      card("Create", r.create, "", "plan-create"), card("Update", r.update, "", "plan-update"),
      card("Deactivate", r.deactivate, r.deactivate ? "warn" : "", "plan-deactivate"), card("Zero stock", r.zero_stock, r.zero_stock ? "warn" : ""),
      card("Unchanged", r.unchanged, "", "plan-unchanged", "of " + r.total),
      card("Cannot push", r.cannot_push, r.cannot_push ? "bad" : ""), card("Out of scope", r.out_of_scope, "", null, "products"));
    const show = v => JSON.stringify(v);
    const samples = r.samples.length ? table(["Kind", "SKU", "Change", "Fields"], r.samples.map(c => h("tr", { "data-sku": c.sku },
      h("td", {}, c.kind), h("td", {}, h("code", {}, c.sku)), h("td", {}, badge(c.new ? "ok" : "attention", c.new ? "create" : (c.op === "upsert" ? "update" : c.op))),
      h("td", {}, c.new ? h("code", {}, show(c.document)) : c.fields.map(f => h("div", {}, h("code", {}, f.field), ": ",
        h("code", {}, show(f.before)), " → ", h("code", {}, show(f.after))))))), "plan-samples") : empty("Nothing would change.");
    return head.concat(facts, cards, h("h2", {}, "Sample changes"), samples,
      r.unmatched.length ? [h("h2", {}, "Cannot push"), h("ul", { id: "plan-unmatched" }, r.unmatched.map(u => h("li", { class: "reason" }, u)))] : []);
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

  const renderers = { overview, attention, orders, order, plan, audit, config };
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
