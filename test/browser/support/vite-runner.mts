// Runs Vite for the browser specs in a process of its own: Vite's bundler (Rolldown, a native
// addon) refuses to run inside Jest's module sandbox. Usage:
//   node vite-runner.mts build <outDir>   builds the storefront into outDir
//   node vite-runner.mts serve            dev server on a free port; prints {"url": ...} once ready
import { build, createServer } from 'vite';

const configFile = new URL('../../../client/storefront/vite.config.ts', import.meta.url).pathname;
const [command, outDir] = process.argv.slice(2);

if (command === 'build' && outDir) {
  await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
} else if (command === 'serve') {
  const server = await createServer({
    configFile,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
  });
  await server.listen();
  process.stdout.write(JSON.stringify({ url: server.resolvedUrls?.local[0] }) + '\n');
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
} else {
  process.stderr.write('usage: vite-runner.mts build <outDir> | serve\n');
  process.exit(2);
}
