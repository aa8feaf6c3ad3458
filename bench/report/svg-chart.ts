/**
 * `bench/results/<name>.svg`: one bar per aedb row, showing how many times better aedb is than
 * the best peer on the scenario's metric (the ratio for higher-is-better metrics, its inverse
 * otherwise), on a log scale centred on 1. Green: every target of the row met; red: a target
 * missed; grey: no target. The label gives the ratio as reported (aedb / best peer).
 */
import { formatRatio, rowName } from './format';
import type { BenchResults } from './results-model';

const WIDTH = 980;
const LABEL = 380;
const RIGHT = 190;
const ROW = 24;
const TOP = 56;
const LOG_RANGE = 5; // 2^-5 .. 2^5

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Render the ratio chart. */
export function svgChart(r: BenchResults): string {
  const bars: { label: string; advantage: number; ratio: number; note: string; color: string }[] =
    [];
  for (const s of r.scenarios) {
    for (const ratio of s.ratios) {
      const targets = s.targets.filter((t) => t.variant === ratio.variant && t.met !== undefined);
      const color =
        targets.length === 0 ? '#9e9e9e' : targets.every((t) => t.met) ? '#2e7d32' : '#c62828';
      const metric = s.columns.find((c) => c.key === ratio.metric)?.label ?? ratio.metric;
      bars.push({
        label: `${s.title.replace(/^(W\d+) .*$/, '$1')} ${s.id}: ${rowName('aedb', ratio.variant)}`,
        advantage: ratio.higherIsBetter ? ratio.ratio : 1 / ratio.ratio,
        ratio: ratio.ratio,
        note: `${metric}, ${ratio.higherIsBetter ? 'higher' : 'lower'} is better`,
        color,
      });
    }
  }
  const plot = WIDTH - LABEL - RIGHT;
  const x = (v: number): number => {
    const l = Math.max(-LOG_RANGE, Math.min(LOG_RANGE, Math.log2(v)));
    return LABEL + ((l + LOG_RANGE) / (2 * LOG_RANGE)) * plot;
  };
  const height = TOP + bars.length * ROW + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">aedb vs. best peer (bar right of 1x: aedb better)</text>`,
    `<text x="10" y="38" fill="#555">${esc(`${r.meta.startedAt}, ${r.meta.machine.nproc} CPUs, Node ${r.meta.machine.node}${r.meta.quick ? ', quick run' : ''}; label: ratio aedb / best peer`)}</text>`,
  ];
  for (let e = -LOG_RANGE; e <= LOG_RANGE; e++) {
    const gx = x(2 ** e);
    out.push(
      `<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${TOP + bars.length * ROW}" stroke="${e === 0 ? '#000' : '#e0e0e0'}"/>`,
      `<text x="${gx}" y="${TOP + bars.length * ROW + 16}" text-anchor="middle" fill="#555">${e >= 0 ? 2 ** e : `1/${2 ** -e}`}x</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    const x1 = x(1);
    const x2 = x(Number.isFinite(b.advantage) && b.advantage > 0 ? b.advantage : 1);
    out.push(
      `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${Math.min(x1, x2)}" y="${y + 4}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${ROW - 8}" fill="${b.color}"/>`,
      `<text x="${WIDTH - RIGHT + 8}" y="${y + 15}">${esc(`${formatRatio(b.ratio)} (${b.note})`)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
