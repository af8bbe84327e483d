// Stepwise console: the schedules page. EventBridge Scheduler schedules, read from
// /console/api/schedules (ListSchedules leaves out the expression and the next firing).
"use strict";

// targetCell links a state machine target to its page; other targets are shown as ARNs.
function targetCell(arn) {
  if (/^arn:aws[\w-]*:states:[^:]*:\d+:stateMachine:/.test(arn)) {
    const sm = arn.split(":").slice(0, 7).join(":"); // a version or alias ARN shows its machine
    return h("td", {}, h("a", { href: smHref(sm), class: "schedule-target" }, nameOf(sm)),
      arn === sm ? null : h("span", { class: "hint" }, " (" + arn.split(":").slice(7).join(":") + ")"));
  }
  return h("td", { class: "mono" }, arn);
}

async function schedulesPage(app) {
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true, id: "schedules-more" }, "Load more");
  app.append(
    h("div", { class: "page-head" }, h("h1", {}, "Schedules")),
    h("p", { class: "hint" }, "EventBridge Scheduler schedules: create and change them with ", h("code", {}, "aws scheduler"), " or an AWS SDK on this endpoint."),
    h("div", { class: "table-box" }, h("table", { class: "list", id: "schedules" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Group"), h("th", {}, "Expression"), h("th", {}, "State"),
        h("th", {}, "Next firing"), h("th", {}, "Target"))),
      body)),
    more,
  );
  let token;
  const load = async () => {
    const res = await consoleAPI("schedules", token ? { nextToken: token } : {});
    token = res.nextToken;
    more.hidden = !token;
    if (!res.schedules.length && !body.children.length) {
      body.append(h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No schedules yet.")));
    }
    for (const s of res.schedules) {
      body.append(h("tr", { "data-schedule": s.name },
        h("td", {}, s.name),
        h("td", {}, s.groupName),
        h("td", { class: "mono" }, s.scheduleExpression, s.scheduleExpressionTimezone ? h("span", { class: "hint" }, " " + s.scheduleExpressionTimezone) : null),
        h("td", {}, badge(s.state)),
        nextFiringCell(s.nextFiring, s.scheduleExpressionTimezone),
        targetCell(s.targetArn)));
    }
    body.dataset.ready = "true";
  };
  more.addEventListener("click", () => load().catch(showError));
  await load();
}

// nextFiringCell shows a firing time in the browser's time zone, named, and, when the schedule
// has a zone of its own that differs, in that zone too (a cron fires by the schedule's clock).
function nextFiringCell(epoch, zone) {
  if (!epoch) return h("td", { class: "next-firing" }, "–");
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const cell = h("td", { class: "next-firing", title: new Date(epoch * 1000).toISOString() },
    h("span", { class: "local" }, fmtTime(epoch)), " ", h("span", { class: "hint zone" }, local));
  if (zone && zone !== local) {
    cell.append(h("div", { class: "hint in-zone" }, `${fmtTimeIn(epoch, zone)} ${zone}`));
  }
  return cell;
}

// fmtTimeIn writes a time as fmtTime does, read on the clock of an IANA time zone.
function fmtTimeIn(epoch, zone) {
  try {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(epoch * 1000)).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  } catch (e) {
    return fmtTime(epoch); // a zone the browser does not know
  }
}
