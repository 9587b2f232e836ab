import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Requires a module of a service build (CommonJS) by the first of its `paths` that the build
 * has, newest layout first, so that the bench and bench/ab.ts also run builds made before a file
 * moved.
 */
export function requireFromBuild<T>(dist: string, paths: string[]): T {
  for (const path of paths) {
    const file = resolve(dist, path);
    if (existsSync(file)) return require(file) as T;
  }
  throw new Error(`${dist} has none of ${paths.join(', ')}: is it a build of the service?`);
}
