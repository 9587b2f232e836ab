// Builds the storefront for the browser specs in a process of its own: Vite's bundler (Rolldown, a
// native addon) refuses to run inside Jest's module sandbox. Usage:
//   node vite-runner.mts build <outDir>   builds the storefront into outDir
import { build } from 'vite';

const configFile = new URL('../../../client/storefront/vite.config.ts', import.meta.url).pathname;
const [command, outDir] = process.argv.slice(2);

if (command === 'build' && outDir) {
  await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
} else {
  process.stderr.write('usage: vite-runner.mts build <outDir>\n');
  process.exit(2);
}
