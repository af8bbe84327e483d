// Package schedule is the pure logic of EventBridge Scheduler schedules: it parses the
// expressions AWS accepts (at(), rate() and cron()) once, and computes when a schedule fires
// next in its time zone, daylight-saving changes included, between its start and end dates.
//
// It does no I/O and keeps no clock: callers pass the times. The scheduler package stores
// schedules, serves the Scheduler API and fires them; the console shows their next firing.
//
// The rules it follows (from the EventBridge Scheduler user guide):
//   - every schedule fires with one-minute precision: times are whole minutes;
//   - rate(n unit) fires at its start (StartDate, else when it was created or last changed)
//     and every n units after it; a day is 24 hours, whatever the clock does;
//   - cron() fields are read in the schedule's time zone: a time that does not exist when
//     clocks move forward is skipped, a time that happens twice when they move back fires
//     once (at its first occurrence);
//   - at() fires once, at a wall-clock time in the schedule's time zone; StartDate and
//     EndDate do not apply to it.
package schedule
