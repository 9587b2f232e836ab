/** The "Sale day" section of latest.md (called by markdown.ts). */
import type { ProcessMemory } from '../lib/pages.ts';
import { int } from '../lib/stats.ts';
import type { PagesRound, SaleDayResults } from './results.ts';

const mem = (xs: ProcessMemory[]) =>
  xs.length === 0
    ? '–'
    : `${xs.map((m) => m.rssMB).join(' + ')} MB / ${xs.map((m) => m.descriptors).join(' + ')}`;
const statuses = (refused: Record<string, number>) =>
  Object.keys(refused).length === 0
    ? 'none'
    : Object.entries(refused)
        .map(([status, n]) => `${int(n)} × ${status}`)
        .join(', ');

export function renderSaleDay(d: SaleDayResults): string[] {
  const lines: string[] = ['## Sale day', ''];
  const roundsTable = (title: string, rounds: PagesRound[]) => {
    lines.push(
      title,
      '',
      '| round | pages | checkouts/s | p99 ms | sold out seen p50 / p99 / max ms (missed) | events / page | bytes / page | service RSS / fds before | during (peak) | CPU pages process / sale generator |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
      ...rounds.map((r) => {
        const s = r.seen?.staleness;
        return (
          `| ${r.label} | ${int(r.pages)} | ${int(r.checkoutsPerSecond)} | ${r.p99Ms} | ` +
          `${s ? `${s.p50Ms} / ${s.p99Ms} / ${s.maxMs} (${s.never})` : '–'} | ` +
          `${r.seen ? int(r.seen.eventsPerPage.mean) : '–'} | ${r.seen ? int(r.seen.bytesPerPage) : '–'} | ` +
          `${mem(r.serviceBefore)} | ${mem(r.serviceDuring)} | ` +
          `${r.pagesCpuPercent === undefined ? '–' : `${r.pagesCpuPercent}%`} / ${r.saleGeneratorCpuPercent ?? '–'}% |`
        );
      }),
      '',
    );
  };
  const summaries = [...(d.pagesOpen?.summary ?? []), ...(d.two?.pagesOpen?.summary ?? [])];
  if (summaries.length > 0) {
    lines.push(
      `### Flash sale with pages open (${int(d.pages)} live stock streams) and with none`,
      '',
      'Rounds alternate in one run (none, pages, pages, none); each row folds them: the means of ' +
        'the rounds with pages over those without, and the worst round of what the pages saw. ' +
        'Freshness is the time from the answer to the last sale to the moment each page first ' +
        'showed stock 0.',
      '',
      '| sale | instances | checkouts/s pages / none | ratio | p99 ms pages / none | ratio | sold out seen p50 / p99 / max ms | pages that missed it | events / page | bytes / page |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
      ...summaries.map(
        (s) =>
          `| ${s.kind === 'bare' ? 'flash sale (bare)' : 'keyed flash sale (key, limit, own address)'} | ` +
          `${s.instances} | ${int(s.checkoutsPerSecond)} / ${int(s.checkoutsPerSecondNone)} | **${s.ratio}×** | ` +
          `${s.p99Ms} / ${s.p99MsNone} | **${s.p99Ratio}×** | ${s.stalenessP50Ms} / ${s.stalenessP99Ms} / ` +
          `${s.stalenessMaxMs} | ${int(s.neverSaw)} | ${int(s.eventsPerPage)} | ${int(s.bytesPerPage)} |`,
      ),
      '',
    );
    if (d.pagesOpen) roundsTable('Every round, one instance:', d.pagesOpen.rounds);
    if (d.two?.pagesOpen) {
      roundsTable(`Every round, two instances (${d.two.via}):`, d.two.pagesOpen.rounds);
    }
  }
  if (d.idle || d.cap) {
    lines.push('### Idle pages and the stream cap', '', '| measurement | result |', '|---|---|');
    const i = d.idle;
    if (i) {
      lines.push(
        `| ${int(i.pages)} idle pages on one fresh instance | ${int(i.connected)} connected in ${int(i.openMs)} ms, refused: ${statuses(i.refused)} |`,
        `| service RSS / descriptors, before → with the pages | ${i.before?.rssMB} MB / ${i.before?.descriptors} → ${i.after?.rssMB} MB / ${i.after?.descriptors} |`,
        `| RSS growth | **${i.rssGrowthMB} MB** (${i.kBPerPage} kB per page) |`,
        `| service CPU with the pages idle (heartbeats only) | ${i.serviceIdleCpuPercent}% |`,
      );
    }
    const c = d.cap;
    if (c) {
      lines.push(
        `| ${int(c.opened)} pages on an instance with EVENT_STREAMS_MAX=${c.cap} | ${int(c.connected)} connected, refused: ${statuses(c.refused)} |`,
        `| one more stream past it | ${c.oneMore.status}${c.oneMore.retryAfter ? `, Retry-After ${c.oneMore.retryAfter}` : ''}${c.oneMore.body ? `: \`${c.oneMore.body.replace(/\|/g, '/').slice(0, 160)}\`` : ''} |`,
      );
    }
    lines.push('');
  }
  if (d.herd) {
    lines.push(
      `### Herd on the catalogue: ${d.herd.connections} keep-alive connections, ${d.herd.seconds} s per path`,
      '',
      '| path | requests/s | × /health/live | p50 ms | p99 ms | service CPU | 5xx |',
      '|---|--:|--:|--:|--:|--:|--:|',
      ...d.herd.runs.map(
        (r) =>
          `| GET ${r.path} | ${int(r.requestsPerSecond)} | ${r.ratioToLive}× | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuPercent}% | ${r.serverErrors} |`,
      ),
      '',
    );
  }
  if (d.drops && d.drops.length > 0) {
    lines.push(
      `### Drop start: ${int(d.drops[0].units)} units, ${d.drops[0].maxPerCustomer} per customer, ${int(d.pages)} pages click within 1 s, as many new visitors within 2 s`,
      '',
      '| drop | pages | units sold | most of one customer | answers | 5xx | purchase p50 / p99 ms | sold out seen p99 / max ms after the last 201 (missed) | first to last page | visitors answered | visitors p99 ms | visitor streams | listen queue overflows | service peak RSS / fds |',
      '|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
      ...d.drops.map((x) => {
        const s = x.soldOutSeen;
        return (
          `| ${x.label} | ${int(x.pages)} | **${int(x.unitsSold)}** | ${x.mostUnitsOfOneCustomer} | ` +
          `${statuses(x.answers)} | ${x.serverErrors} | ${x.purchaseLatency.p50Ms} / ${x.purchaseLatency.p99Ms} | ` +
          `${s ? `${s.p99Ms} / ${s.maxMs} (${s.never})` : '–'} | ${s ? `${s.spreadMs} ms` : '–'} | ` +
          `${int(x.visitorsAnswered)}/${int(x.visitors)} | ` +
          `${x.visitorLatency.p99Ms} | ${int(x.visitorStreams.connected)} | ${x.listenOverflows ?? '–'} | ${mem(x.servicePeak)} |`
        );
      }),
      '',
      'A third of the pages buy 2 units, the rest 1; each click has a fresh Idempotency-Key, its ' +
        'own email and address, and on 503 OVERLOADED waits Retry-After and sends again with the ' +
        'same key. A visitor loads `/`, then GET /products on one connection, then opens the stream. ' +
        "Listen queue overflows are the kernel's count (TcpExt ListenOverflows, machine-wide) of " +
        'connections dropped meanwhile because a listen queue was full: each costs its client a ' +
        'SYN retransmit (1 s, then 2, 4 ...). Sold out seen counts from the answer to the last ' +
        'purchase answered 201 (0 when the pages showed it before that answer arrived), and from ' +
        'the first page that showed it to the last.',
      '',
    );
  }
  if (d.notify) {
    const n = d.notify;
    lines.push(
      `### The stock trigger's NOTIFY: flash sale of ${int(n.stock)} units, trigger on and off, alternating`,
      '',
      '| trigger | checkouts/s (mean) | p99 ms (mean) | rounds (checkouts/s) |',
      '|---|--:|--:|---|',
      `| on | ${int(n.on.checkoutsPerSecond)} | ${n.on.p99Ms} | ${n.rounds
        .filter((r) => r.trigger)
        .map((r) => int(r.checkoutsPerSecond))
        .join(', ')} |`,
      `| off | ${int(n.off.checkoutsPerSecond)} | ${n.off.p99Ms} | ${n.rounds
        .filter((r) => !r.trigger)
        .map((r) => int(r.checkoutsPerSecond))
        .join(', ')} |`,
      '',
      `On / off: ${n.ratio}×.`,
      '',
    );
  }
  return lines;
}
