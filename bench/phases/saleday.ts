/**
 * Sale day at real scale, sequenced: pages open during the flash sales (pages.ts), idle pages and
 * the stream cap, the herd on the catalogue (capacity.ts), the drop start (drop-start.ts), and the
 * pages and the drop through two service processes (behind the shipped nginx config when
 * /usr/sbin/nginx exists, else straight across both). Phases: pages, idle, herd, dropstart,
 * saleday-two (`--only saleday` runs them all).
 */
import type { Phase } from '../lib/options.ts';
import type { SaleDayResults } from '../report/results.ts';
import { catalogueHerd, idlePages, streamCap } from './capacity.ts';
import type { BenchContext } from './context.ts';
import { dropStart } from './drop-start.ts';
import { startNginx } from './nginx.ts';
import { notifyAB } from './notify.ts';
import { pagesOpen, STREAMS_ROOM } from './pages.ts';
import { limitedEnv } from './purchases.ts';

export const SALE_DAY_PHASES: readonly Phase[] = [
  'notify',
  'pages',
  'idle',
  'herd',
  'dropstart',
  'saleday-two',
];

export async function saleDay(ctx: BenchContext): Promise<SaleDayResults> {
  const has = (phase: Phase) => ctx.options.phases.has(phase);
  const result: SaleDayResults = { pages: ctx.options.pages };
  if (has('notify')) result.notify = await notifyAB(ctx);
  const keyedEnv = { ...limitedEnv(ctx), ...STREAMS_ROOM };
  if (has('pages') || has('herd') || has('dropstart')) {
    const bare = await ctx.startService('saleday-bare', STREAMS_ROOM);
    const keyed = await ctx.startService('saleday-keyed', keyedEnv);
    if (has('pages')) result.pagesOpen = await pagesOpen(ctx, { bare: [bare], keyed: [keyed] });
    if (has('herd')) {
      const productId = await ctx.createProduct('Herd: one product', 1000);
      result.herd = await catalogueHerd(ctx, bare, productId);
    }
    if (has('dropstart')) {
      result.drops = [await dropStart(ctx, [keyed], { label: 'one instance' })];
    }
    await ctx.stopProcess(bare);
    await ctx.stopProcess(keyed);
  }
  if (has('idle')) {
    result.idle = await idlePages(ctx);
    result.cap = await streamCap(ctx);
  }
  if (has('saleday-two')) {
    // Behind nginx every client is nginx's one address to the service: the per-client limit
    // would count them all as one, so the pair runs with it off (the drop's per-customer limit
    // still holds, by email). Without nginx, the pair trusts the bench's X-Forwarded-For.
    const proxied = await startNginxOrNot(ctx);
    const env = proxied.nginx
      ? {
          ...STREAMS_ROOM,
          TRUST_PROXY: '127.0.0.1',
          RATE_LIMIT_CHECKOUT_PER_MINUTE: '0',
          RATE_LIMIT_CARTS_PER_MINUTE: '0',
        }
      : keyedEnv;
    const pair = [
      await ctx.startService('saleday-two-1', env),
      await ctx.startService('saleday-two-2', env),
    ];
    const nginx = proxied.nginx ? await proxied.nginx(pair) : undefined;
    try {
      const via = nginx ? 'through nginx' : 'across both';
      const urls = nginx ? [nginx.url] : undefined;
      result.two = {
        via: nginx ? 'nginx (deploy/nginx.conf)' : 'straight to both processes',
        pagesOpen: has('pages')
          ? await pagesOpen(ctx, {
              bare: pair,
              keyed: pair,
              pageUrls: urls,
              tag: `, 2 instances ${via}`,
            })
          : undefined,
      };
      if (has('dropstart')) {
        const drop = await dropStart(ctx, pair, {
          urls,
          label: `two instances ${via}`,
          ownAddresses: !nginx,
        });
        result.drops = [...(result.drops ?? []), drop];
      }
    } finally {
      await nginx?.stop();
      for (const service of pair) await ctx.stopProcess(service);
    }
  }
  return result;
}

async function startNginxOrNot(ctx: BenchContext) {
  const nginx = await startNginx(ctx).catch((error: unknown) => {
    ctx.log(`nginx not used: ${String(error)}`);
    return undefined;
  });
  return { nginx };
}
