// The status page: reads /v1.0/status with the operator's Keystone token (from the
// address's #token=..., kept for this tab only, or typed in) and draws it; every 10 s.
"use strict";
const KEY = "tricircle-status-token";
const $ = (id) => document.getElementById(id);

function takeToken() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("token")) {
    sessionStorage.setItem(KEY, hash.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

function cell(row, text, cls) {
  const td = row.insertCell();
  if (cls) {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    td.appendChild(span);
  } else {
    td.textContent = text == null ? "" : String(text);
  }
}

function fill(tableId, items, columns) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  for (const item of items) {
    const row = body.insertRow();
    for (const column of columns) column(row, item);
  }
}

function health(pod, service) {
  const h = (pod.health || {})[service];
  const state = h ? h.state : (pod.az_name ? "unknown" : "");
  return (row) => cell(row, state, state && "state state-" + state);
}

function render(status) {
  fill("pods", status.pods, [
    (row, p) => cell(row, p.pod_name),
    (row, p) => cell(row, p.az_name || "(top)"),
    (row, p) => health(p, "compute")(row),
    (row, p) => health(p, "network")(row),
    (row, p) => health(p, "volumev3")(row),
    (row, p) => cell(row, Object.values(p.health || {})
      .map((h) => h.last_checked).sort().pop() || ""),
  ]);
  const projects = $("projects");
  projects.replaceChildren();
  if (!status.projects.length) projects.textContent = "No routers.";
  for (const project of status.projects) {
    const div = document.createElement("div");
    div.className = "project";
    div.dataset.project = project.project_id;
    const h3 = document.createElement("h3");
    h3.textContent = "Project " + project.project_id;
    div.appendChild(h3);
    for (const router of project.routers) {
      const holder = document.createElement("div");
      holder.innerHTML = router.svg;  // drawn and escaped by the server
      div.appendChild(holder.firstElementChild);
    }
    projects.appendChild(div);
  }
  const counts = Object.entries(status.jobs.counts).map(([s, n]) => `${s} ${n}`);
  $("job-counts").textContent = counts.join(" \u00b7 ") || "No jobs.";
  fill("failing", status.jobs.failing, [
    (row, j) => cell(row, j.id), (row, j) => cell(row, j.type),
    (row, j) => cell(row, j.attempts), (row, j) => cell(row, j.timestamp),
    (row, j) => cell(row, j.last_error),
  ]);
  fill("recent", status.jobs.recent, [
    (row, j) => cell(row, j.id), (row, j) => cell(row, j.type),
    (row, j) => cell(row, j.status, "state state-" +
      ({SUCCESS: "up", FAIL: "down"}[j.status] || "degraded")),
    (row, j) => cell(row, j.attempts), (row, j) => cell(row, j.timestamp),
  ]);
  $("updated").textContent = "as of " + status.generated_at;
}

async function load() {
  const token = takeToken();
  $("login").hidden = Boolean(token);
  if (!token) return;
  try {
    // ?project_id=... on the page's address: that project's routers only.
    const project = new URLSearchParams(location.search).get("project_id");
    const query = project ? "?project_id=" + encodeURIComponent(project) : "";
    const resp = await fetch("v1.0/status" + query, {
      headers: {"X-Auth-Token": token, "Accept": "application/json"}});
    const body = await resp.json();
    if (!resp.ok) {
      const fault = Object.values(body)[0] || {};
      throw new Error(`${fault.message || resp.statusText} (HTTP ${resp.status})`);
    }
    render(body.status);
    $("error").hidden = true;
    $("content").hidden = false;
    document.body.dataset.loaded = "true";
  } catch (err) {
    $("error").textContent = err.message;
    $("error").hidden = false;
    if (/HTTP 401/.test(err.message)) {
      sessionStorage.removeItem(KEY);
      $("login").hidden = false;
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    load();
  });
  load();
  setInterval(load, 10000);
});
