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
        h("td", { class: "next-firing" }, s.nextFiring ? fmtTime(s.nextFiring) : "–"),
        targetCell(s.targetArn)));
    }
    body.dataset.ready = "true";
  };
  more.addEventListener("click", () => load().catch(showError));
  await load();
}
