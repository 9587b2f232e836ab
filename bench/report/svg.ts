/** The concurrency sweep as an SVG chart: bench/results/concurrency.svg. */
import { int, round } from '../lib/stats.ts';
import type { BenchResults } from './results.ts';

/** Rounds up to a round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten). */
const niceCeiling = (value: number): number => {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((step) => step * power >= value) ?? 10) * power;
};

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A bar (checkouts/s, left axis) and line (p99, right axis) chart of the sweep. */
export function renderSvg(r: BenchResults): string {
  const width = 760;
  const height = 440;
  const left = 78;
  const right = 70;
  const top = 56;
  const bottom = 84;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const points = r.sweep;
  const base = r.baseline?.transactionsPerSecond;
  const maxRate = niceCeiling(
    1.1 * Math.max(...points.map((p) => p.checkoutsPerSecond), base ?? 0),
  );
  const maxP99 = niceCeiling(1.1 * Math.max(...points.map((p) => p.latency.p99Ms)));
  const slot = plotW / points.length;
  const barW = Math.min(70, slot * 0.5);
  const x = (i: number) => left + slot * (i + 0.5);
  const yRate = (v: number) => top + plotH - (v / maxRate) * plotH;
  const yP99 = (v: number) => top + plotH - (v / maxP99) * plotH;
  // Labels get a white halo so that they stay readable over bars and lines.
  const halo = 'paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round"';
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">` +
      `Flash sale: checkouts/s and p99 latency against concurrent shoppers</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">` +
      escape(
        `${r.machine.cores} cores, ${r.machine.cpuModel}, PostgreSQL ${r.machine.postgres}, ` +
          `one service instance, ${int(points[0]?.initialStock ?? 0)} units per point, ` +
          r.date.slice(0, 10),
      ) +
      '</text>',
  );
  for (let i = 0; i <= 5; i++) {
    const y = top + (plotH * i) / 5;
    out.push(
      `<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${left - 8}" y="${y + 4}" text-anchor="end" fill="#1f5fa8">${int(maxRate * (1 - i / 5))}</text>`,
      `<text x="${left + plotW + 8}" y="${y + 4}" fill="#c4511a">${round(maxP99 * (1 - i / 5), 1)}</text>`,
    );
  }
  points.forEach((p, i) => {
    const y = yRate(p.checkoutsPerSecond);
    out.push(
      `<rect x="${x(i) - barW / 2}" y="${y}" width="${barW}" height="${top + plotH - y}" fill="#3b7dd8"/>`,
      `<text x="${x(i) - barW / 2 - 4}" y="${y + 4}" text-anchor="end" fill="#1f5fa8" ${halo}>` +
        `${int(p.checkoutsPerSecond)}/s</text>`,
      `<text x="${x(i)}" y="${top + plotH + 18}" text-anchor="middle">${p.shoppers}</text>`,
    );
  });
  if (base) {
    const y = yRate(base);
    out.push(
      `<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#444" stroke-dasharray="6 4"/>`,
    );
  }
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i)},${yP99(p.latency.p99Ms)}`).join(' ');
  out.push(`<path d="${path}" fill="none" stroke="#e0661f" stroke-width="2.5"/>`);
  points.forEach((p, i) => {
    const y = yP99(p.latency.p99Ms);
    out.push(
      `<circle cx="${x(i)}" cy="${y}" r="4" fill="#e0661f"/>`,
      `<text x="${x(i)}" y="${y - 9}" text-anchor="middle" fill="#c4511a" ${halo}>` +
        `${round(p.latency.p99Ms, 1)} ms</text>`,
    );
  });
  const legendY = height - 22;
  out.push(
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 36}" text-anchor="middle">concurrent shoppers</text>`,
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#1f5fa8">successful checkouts/s</text>`,
    `<text transform="translate(${width - 16} ${top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#c4511a">p99 latency of a checkout, ms</text>`,
    `<rect x="${left}" y="${legendY - 10}" width="14" height="12" fill="#3b7dd8"/>`,
    `<text x="${left + 20}" y="${legendY}">checkouts/s</text>`,
    `<line x1="${left + 110}" y1="${legendY - 4}" x2="${left + 134}" y2="${legendY - 4}" stroke="#e0661f" stroke-width="2.5"/>`,
    `<circle cx="${left + 122}" cy="${legendY - 4}" r="4" fill="#e0661f"/>`,
    `<text x="${left + 140}" y="${legendY}">p99 latency</text>`,
  );
  if (base) {
    out.push(
      `<line x1="${left + 240}" y1="${legendY - 4}" x2="${left + 270}" y2="${legendY - 4}" stroke="#444" stroke-dasharray="6 4"/>`,
      `<text x="${left + 276}" y="${legendY}">` +
        escape(
          `raw single-row SQL ceiling, ${r.baseline?.tool} at ${r.baseline?.clients} clients: ` +
            `${int(base)}/s`,
        ) +
        '</text>',
    );
  }
  out.push('</svg>', '');
  return out.join('\n');
}
