// Stepwise console: Express executions. They keep no history; with logging on (the state
// machine's loggingConfiguration level ALL, ERROR or FATAL) the server keeps their newest log
// events, read from /console/api/express-executions and /console/api/express-logs.
"use strict";

const expressHref = (arn) => "#/express/" + encodeURIComponent(arn);

// expressExecutionsList is the state machine page's section for an Express state machine.
function expressExecutionsList(sm) {
  const level = (sm.loggingConfiguration && sm.loggingConfiguration.level) || "OFF";
  const body = h("tbody");
  const hint = h("p", { class: "hint", id: "express-hint" });
  const load = async () => {
    const res = await consoleAPI("express-executions", { stateMachineArn: sm.stateMachineArn });
    hint.textContent = !res.kept
      ? "This server keeps no log events of Express executions (serve --express-log-executions 0)."
      : level === "OFF"
        ? "Express executions keep no history. Turn logging on (level ALL, ERROR or FATAL) to see their log events here."
        : `Logging level ${level}: the newest log events of this state machine's Express executions, kept by the server.`;
    body.replaceChildren(...res.executions.map((x) => h("tr", { "data-execution": x.name },
      h("td", {}, h("a", { href: expressHref(x.executionArn) }, x.name)),
      h("td", {}, x.status ? badge(x.status) : h("span", { class: "hint" }, "–")),
      h("td", {}, fmtTime(x.firstEventDate)), h("td", {}, fmtTime(x.lastEventDate)),
      h("td", { class: "num" }, String(x.events)))));
    if (!res.executions.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No Express executions logged yet.")));
    body.dataset.ready = "true";
  };
  load().catch(showError);
  const timer = setInterval(() => load().catch(() => {}), 2000);
  onLeave(() => clearInterval(timer));
  return h("section", { class: "panel", id: "express-executions" },
    h("h2", {}, "Express executions"), hint,
    h("div", { class: "table-box" }, h("table", { class: "list" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Status"), h("th", {}, "First event"), h("th", {}, "Last event"), h("th", {}, "Log events"))),
      body)));
}

// expressExecutionPage lists one Express execution's kept log events.
async function expressExecutionPage(app, arn) {
  const res = await consoleAPI("express-logs", { executionArn: arn });
  const smArn = res.stateMachineArn;
  const body = h("tbody");
  for (const ev of res.events) {
    const ms = Number(ev.event_timestamp);
    const details = JSON.stringify(ev.details || {}, null, 2);
    body.append(h("tr", { "data-event": ev.id, class: /Failed|TimedOut|Aborted$/.test(ev.type) ? "bad" : null },
      h("td", { class: "num" }, ev.id),
      h("td", { class: "event-type" }, ev.type),
      h("td", { class: "mono" }, fmtTime(ms / 1000)),
      h("td", {}, details === "{}" ? h("span", { class: "hint" }, "–") : pre(details))));
  }
  const first = res.events[0], last = res.events[res.events.length - 1];
  // The execution that started this one, when its input (logged with the execution data)
  // names it, as a Task state's startExecution passes it.
  let parent = "";
  try {
    const input = first && first.type === "ExecutionStarted" && first.details && JSON.parse(first.details.input);
    const p = input && input.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
    if (typeof p === "string" && p.startsWith("arn:")) parent = p;
  } catch { /* the input is not logged, or not JSON */ }
  const parentExpress = parent.split(":")[5] === "express";
  app.append(
    h("div", { class: "page-head" },
      h("div", {}, h("div", { class: "crumbs" }, h("a", { href: "#/" }, "State machines"), " / ",
        smArn ? h("a", { href: smHref(smArn) }, nameOf(smArn)) : null, " / Express"),
      h("h1", {}, expressName(arn)),
      parent ? h("p", { class: "started-by" }, "Started by ", parentExpress
        ? h("a", { class: "parent-link", href: expressHref(parent) }, expressName(parent))
        : h("a", { class: "parent-link", href: execHref(parent) }, nameOf(parent))) : null)),
    h("dl", { class: "facts" },
      h("dt", {}, "ARN"), h("dd", { class: "mono" }, arn),
      h("dt", {}, "First event"), h("dd", {}, fmtTime(Number(first.event_timestamp) / 1000)),
      h("dt", {}, "Last event"), h("dd", {}, fmtTime(Number(last.event_timestamp) / 1000)),
      h("dt", {}, "Log events"), h("dd", {}, String(res.events.length) + (res.dropped ? ` kept (${res.dropped} more not kept: past 1 MiB of log events)` : ""))),
    h("p", { class: "hint" }, "Express executions keep no history: these are the log events the state machine's logging configuration wrote, as Step Functions writes them to CloudWatch Logs."),
    h("section", { class: "panel" }, h("h2", {}, "Log events"),
      h("div", { class: "table-box" }, h("table", { class: "list events", id: "express-log-events" },
        h("thead", {}, h("tr", {}, h("th", {}, "ID"), h("th", {}, "Type"), h("th", {}, "Timestamp"), h("th", {}, "Details"))),
        body))));
}

// expressName is the name in arn:...:express:MACHINE:NAME:UUID.
function expressName(arn) {
  const parts = arn.split(":");
  return parts.length === 9 ? parts[7] : arn;
}
