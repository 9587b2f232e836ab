/**
 * The shipped load balancer for the sale-day phases: deploy/nginx.conf rendered as
 * test/deploy/nginx.spec.ts renders it (only its two variables filled in), in front of the given
 * service processes, with room for the pages (two workers, 19,000 connections each).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type RunningProcess } from '../lib/processes.ts';
import type { BenchContext } from './context.ts';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

export interface Proxy {
  url: string;
  stop(): Promise<void>;
}

/** A starter of nginx in front of a set of processes; rejects when there is no nginx. */
export async function startNginx(
  ctx: BenchContext,
): Promise<(upstream: RunningProcess[]) => Promise<Proxy>> {
  if (!existsSync(NGINX)) throw new Error(`no nginx at ${NGINX}`);
  const template = await readFile(join(ctx.root, 'deploy/nginx.conf'), 'utf8');
  return async (upstream) => {
    const scratch = await mkdtemp(join(ctx.tmpDir, 'nginx-'));
    await chmod(scratch, 0o755);
    const port = await freePort();
    const values: Record<string, string> = {
      FLASH_STORE_LISTEN: `127.0.0.1:${port}`,
      FLASH_STORE_UPSTREAM: upstream.map((s) => `server ${new URL(s.url).host};`).join(' '),
    };
    const site = template.replace(/\$\{(\w+)\}/g, (whole, name: string) => {
      if (!(name in values)) throw new Error(`deploy/nginx.conf: no value for ${whole}`);
      return values[name];
    });
    await writeFile(join(scratch, 'flash-store.conf'), site);
    const main = join(scratch, 'nginx.conf');
    await writeFile(
      main,
      [
        'daemon off;',
        'worker_processes 2;',
        // As far as the hard limit goes (setrlimit past it is refused here, even as root).
        'worker_rlimit_nofile 20000;',
        `pid ${join(scratch, 'nginx.pid')};`,
        `error_log ${join(scratch, 'error.log')} warn;`,
        // Each page and each request in flight holds two connections (client and upstream).
        'events { worker_connections 19000; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (kind) => `  ${kind}_temp_path ${join(scratch, `${kind}_temp`)};`,
        ),
        `  include ${join(scratch, 'flash-store.conf')};`,
        '}',
      ].join('\n'),
    );
    const check = spawnSync(NGINX, ['-t', '-c', main, '-p', scratch], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t refused the config:\n${check.stderr}`);
    const child: ChildProcess = spawn(NGINX, ['-c', main, '-p', scratch], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const url = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
      const up = await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (attempt > 100 || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not come up:\n${log}`);
      }
      await sleep(100);
    }
    ctx.log(
      `nginx (pid ${child.pid}) on ${url} in front of ${upstream.map((s) => s.name).join(', ')}`,
    );
    return {
      url,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGQUIT');
          await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
        }
        // What nginx complained of (502s say why here), before its folder goes.
        const errors = await readFile(join(scratch, 'error.log'), 'utf8').catch(() => '');
        const kinds = new Set(
          errors
            .split('\n')
            .map((l) => l.replace(/^.*?\[\w+\] [\d#*: ]+/, '').replace(/, client:.*$/, '')),
        );
        kinds.delete('');
        if (kinds.size > 0) ctx.log(`nginx error.log: ${[...kinds].slice(0, 4).join(' | ')}`);
        await rm(scratch, { recursive: true, force: true });
      },
    };
  };
}
