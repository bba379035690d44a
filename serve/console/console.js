// The console's forms call the JSON API. The header marks the request as
// the console's, so that the server honours the login cookie for it.
"use strict";

async function api(method, path, body) {
  const resp = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", "X-Latm-Console": "1" },
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const e = data.error || {};
    throw new Error((e.field ? e.field + ": " : "") + (e.message || resp.statusText));
  }
  return data;
}

function text(el, s) { el.textContent = s; }

function tryIt() {
  const form = document.getElementById("try-form");
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const result = document.getElementById("try-result");
    const error = document.getElementById("try-error");
    result.hidden = true; error.hidden = true;
    const body = { question: document.getElementById("try-question").value };
    const tool = document.getElementById("try-tool").value;
    if (tool) body.tool = tool;
    try {
      const r = await api("POST", "/v1/solve", body);
      text(document.getElementById("try-answer"), r.answer || "(no answer)");
      text(document.getElementById("try-meta"),
        `${r.status} · tool ${r.tool || "none"} · path ${r.path} · stage ${r.stage} · ${r.model_calls} model calls · cost ${r.cost.toFixed(6)}`);
      const trace = document.getElementById("try-trace");
      trace.replaceChildren();
      for (const g of r.guards) {
        const li = document.createElement("li");
        text(li, `${g.name}: ${g.decision} — ${g.reason}`);
        trace.appendChild(li);
      }
      result.hidden = false;
    } catch (e) {
      text(error, e.message); error.hidden = false;
    }
  });
}

function labels() {
  for (const form of document.querySelectorAll(".label-form")) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const status = form.querySelector(".label-status");
      try {
        await api("POST", "/v1/pending/" + encodeURIComponent(form.dataset.id) + "/label", { answer: form.answer.value });
        text(status, "labelled");
        status.className = "label-status done";
      } catch (e) {
        text(status, e.message);
        status.className = "label-status error";
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => { tryIt(); labels(); });
