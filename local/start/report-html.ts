import type {Reconciliation} from '../../core/reconcile/reconcile';
import type {InjectedFault} from './context';
import type {PhaseTiming} from './phase';

export interface ChartDay {
  day: string;
  /** Transactions of the day in Cloud SQL (the truth). */
  count: number;
  thresholdSignal: string | null;
  ok: boolean;
}

export function chartDays(result: Reconciliation): ChartDay[] {
  return result.days.map(d => ({
    day: d.day,
    count: d.stores.sql?.count ?? 0,
    thresholdSignal: d.thresholdSignal ?? null,
    ok: d.ok,
  }));
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

/**
 * report.html: a chart of daily volume (a bar per day) with each day's threshold signal (a mark
 * above its bar, coloured LOW/NORMAL/HIGH), drawn as SVG by the page's script from the embedded
 * data, then the phase timings and the verdict.
 */
export function renderReportHtml(input: {
  days: ChartDay[];
  phases: PhaseTiming[];
  faults: InjectedFault[];
  verdict: string;
  title: string;
}): string {
  const data = JSON.stringify(input.days).replace(/</g, '\\u003c');
  const phases = input.phases
    .map(
      p =>
        `<tr><td>${escape(p.name)}</td><td>${(p.ms / 1000).toFixed(1)} s</td><td>${p.items ?? ''} ${escape(p.unit ?? '')}</td><td>${p.rate ?? ''}${p.rate === undefined ? '' : '/s'}</td></tr>`,
    )
    .join('\n');
  const faults = input.faults
    .map(f => `<li>${escape(f.at)} ${escape(f.kind)}: ${escape(f.detail)}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
.signal-LOW{fill:#2b7bb9}.signal-NORMAL{fill:#3a9d23}.signal-HIGH{fill:#d9480f}.signal-none{fill:#999}
.volume-bar{fill:#6c8ebf}.volume-bar.differs{fill:#c92a2a}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}td:first-child{text-align:left}
</style></head>
<body>
<h1>${escape(input.title)}</h1>
<p id="verdict">${escape(input.verdict)}</p>
<h2>Daily volume and threshold signal</h2>
<div id="chart"></div>
<h2>Phases</h2>
<table><tr><th>phase</th><th>time</th><th>items</th><th>rate</th></tr>
${phases}
</table>
${input.faults.length ? `<h2>Faults injected</h2><ul>${faults}</ul>` : ''}
<script id="chart-data" type="application/json">${data}</script>
<script>
(function () {
  var days = JSON.parse(document.getElementById('chart-data').textContent);
  var ns = 'http://www.w3.org/2000/svg', W = 640, H = 320, pad = 48, top = 40;
  var max = Math.max(1, Math.max.apply(null, days.map(function (d) { return d.count; })));
  var svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('id', 'volume-chart'); svg.setAttribute('width', W); svg.setAttribute('height', H);
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  function el(name, attrs, text) {
    var e = document.createElementNS(ns, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e); return e;
  }
  el('line', { x1: pad, y1: H - pad, x2: W - 8, y2: H - pad, stroke: '#444' });
  el('text', { x: 4, y: top - 8, 'font-size': 12 }, 'transactions per day (max ' + max + ')');
  var slot = (W - pad - 8) / Math.max(1, days.length), bar = slot * 0.6;
  days.forEach(function (d, i) {
    var h = (H - pad - top) * d.count / max, x = pad + i * slot + (slot - bar) / 2, y = H - pad - h;
    el('rect', { 'class': 'volume-bar' + (d.ok ? '' : ' differs'), 'data-day': d.day, 'data-count': d.count, x: x, y: y, width: bar, height: h });
    el('text', { x: x + bar / 2, y: H - pad + 16, 'font-size': 11, 'text-anchor': 'middle' }, d.day);
    el('text', { x: x + bar / 2, y: y - 18, 'font-size': 11, 'text-anchor': 'middle' }, String(d.count));
    el('circle', { 'class': 'signal-mark signal-' + (d.thresholdSignal || 'none'), 'data-day': d.day, 'data-signal': d.thresholdSignal || 'none', cx: x + bar / 2, cy: y - 8, r: 5 });
  });
  document.getElementById('chart').appendChild(svg);
})();
</script>
</body></html>
`;
}
