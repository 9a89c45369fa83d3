import type {
  PublicDay,
  PublicIncident,
  PublicRegion,
  PublicStatusPage,
} from '@lighthouse/contracts';
import { escapeText as e, formatPct, stateColor, uptimeColor, type ShownState } from './common';

/*
 * Server-rendered status pages: plain HTML with inline CSS, no script. Every string a user
 * wrote (title, description, subscription names) goes through `e`.
 */

const STATE_TEXT: Record<ShownState, string> = {
  up: 'Operational',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown',
  paused: 'Paused',
};

/** Text colours readable on white (the badge colours are for white text on them). */
const STATE_INK: Record<ShownState, string> = {
  up: '#1a7f37',
  degraded: '#9a6700',
  down: '#cf222e',
  unknown: '#57606a',
  paused: '#57606a',
};

const OVERALL_TEXT: Record<Exclude<ShownState, 'paused'>, string> = {
  up: 'All systems operational',
  degraded: 'Degraded performance',
  down: 'Outage',
  unknown: 'Status unknown',
};

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1f2328;font:15px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:820px;margin:0 auto;padding:20px 12px 32px}
h1{font-size:1.6em;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:1.05em;margin:0;overflow-wrap:anywhere}
.desc{margin:0 0 12px;color:#57606a;white-space:pre-line;overflow-wrap:anywhere}
.overall{margin:12px 0 20px;padding:12px 14px;border-radius:8px;font-weight:600}
.card{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px;margin:0 0 12px}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:8px}
.state{font-size:.85em;font-weight:600;white-space:nowrap}
.bars{display:flex;gap:1px;height:32px;margin:10px 0 4px}
.bar{flex:1 1 0;min-width:0;border-radius:1px}
.regions{display:flex;flex-wrap:wrap;gap:2px 14px;list-style:none;margin:4px 0 0;padding:0;font-size:.8em;color:#57606a}
.regions li{white-space:nowrap}
.regions b{font-weight:600}
.legend{display:flex;justify-content:space-between;font-size:.78em;color:#57606a;gap:8px}
.incidents{list-style:none;margin:8px 0 0;padding:0}
.incidents li{padding:8px 0;border-top:1px solid #eaeef2}
.incidents li:first-child{border-top:0}
.muted{color:#57606a;font-size:.85em}
footer{margin-top:20px;color:#57606a;font-size:.8em;text-align:center}
`;

function head(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>`;
}

/** `2026-11-22 14:03 UTC` */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h` */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

function dayTitle(day: PublicDay): string {
  if (day.uptime_pct === null) return `${day.date}: no data`;
  const coverage = day.coverage_pct === null ? '' : `, ${day.coverage_pct}% of checks due`;
  return `${day.date}: ${formatPct(day.uptime_pct)} uptime (${day.total_checks} checks${coverage})`;
}

function bars(days: readonly PublicDay[]): string {
  return days
    .map(
      (d) =>
        `<span class="bar" style="background:${uptimeColor(d.uptime_pct)}" title="${e(dayTitle(d))}"></span>`,
    )
    .join('');
}

/** Each region's state on one line under the name: `eu-west Operational · us-east Down`. */
function regionList(name: string, regions: readonly PublicRegion[]): string {
  const items = regions
    .map(
      (r) =>
        `<li>${e(r.region)} <b style="color:${STATE_INK[r.status]}">${e(STATE_TEXT[r.status])}</b></li>`,
    )
    .join('');
  return `<ul class="regions" aria-label="${e(`${name} by region`)}">${items}</ul>`;
}

function subscriptionCard(sub: PublicStatusPage['subscriptions'][number]): string {
  const uptime =
    sub.uptime_90d_pct === null ? 'no data' : `${formatPct(sub.uptime_90d_pct)} uptime`;
  // a paused subscription is checked from nowhere: its regions have nothing to say
  const regions =
    sub.regions.length > 0 && sub.state !== 'paused'
      ? `\n${regionList(sub.name, sub.regions)}`
      : '';
  return `<section class="card">
<div class="row"><h2>${e(sub.name)}</h2><span class="state" style="color:${STATE_INK[sub.state]}">${e(STATE_TEXT[sub.state])}</span></div>${regions}
<div class="bars" role="img" aria-label="${e(`Daily uptime of ${sub.name}, last ${sub.days.length} days: ${uptime}`)}">${bars(sub.days)}</div>
<div class="legend"><span>${sub.days.length} days ago</span><span>${e(uptime)}</span><span>Today</span></div>
<p class="muted"><a href="${e(sub.sla_report_url)}" download>Verifiable SLA report</a> (last 30 days; check it with lighthouse-verify)</p>
</section>`;
}

function incidentItem(incident: PublicIncident): string {
  const span = incident.resolved_at
    ? `${when(incident.started_at)} – ${when(incident.resolved_at)}, ${duration(incident.duration_seconds)}`
    : `since ${when(incident.started_at)}, ${duration(incident.duration_seconds)} so far`;
  return `<li><strong>${e(incident.subscription.name)}</strong> <span class="muted">${e(incident.resolved_at ? 'resolved' : 'ongoing')}</span><br><span class="muted">${e(span)}</span></li>`;
}

function incidentSection(heading: string, list: readonly PublicIncident[], none: string): string {
  const body =
    list.length === 0
      ? `<p class="muted">${e(none)}</p>`
      : `<ul class="incidents">${list.map(incidentItem).join('')}</ul>`;
  return `<section class="card"><h2>${e(heading)}</h2>${body}</section>`;
}

export function renderStatusPage(page: PublicStatusPage): string {
  const overall = page.overall_state;
  const description = page.description ? `<p class="desc">${e(page.description)}</p>` : '';
  const open =
    page.incidents.open.length > 0
      ? incidentSection('Ongoing incidents', page.incidents.open, '')
      : '';
  return `${head(`${page.title} status`)}
<body>
<main>
<header>
<h1>${e(page.title)}</h1>
${description}
<div class="overall" style="background:${stateColor(overall)};color:${overall === 'degraded' ? '#1f2328' : '#fff'}">${e(OVERALL_TEXT[overall])}</div>
</header>
${open}
${page.subscriptions.map(subscriptionCard).join('\n')}
${incidentSection('Past incidents (30 days)', page.incidents.recent, 'No incidents in the last 30 days.')}
<footer>Updated ${e(when(page.generated_at))} · monitored by Lighthouse</footer>
</main>
</body>
</html>
`;
}

export function renderNotFoundPage(): string {
  return `${head('Status page not found')}
<body>
<main>
<h1>Status page not found</h1>
<p class="muted">There is no published status page at this address.</p>
</main>
</body>
</html>
`;
}
