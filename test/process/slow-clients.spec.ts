// Clients that hold a request open: a body trickled a byte at a time, an upload abandoned half
// way. The service as its own process, so that the HTTP server's own deadlines are the real ones.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { spawnService, type ServiceProcess } from '../support/service-process';

const REQUEST_TIMEOUT_MS = 1500;

/** Opens a socket and sends the head of a POST /checkout that announces a large body. */
async function openUpload(baseUrl: string): Promise<Socket> {
  const url = new URL(baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  socket.write(
    'POST /checkout HTTP/1.1\r\nHost: store\r\nContent-Type: application/json\r\n' +
      'Content-Length: 100000\r\n\r\n{"productId":"',
  );
  return socket;
}

describe('slow and abandoned uploads', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  beforeAll(async () => {
    db = await createTestDatabase();
    service = await spawnService(db.url, undefined, {
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited;
    await db.drop();
  });

  it('closes a connection whose body is still trickling in at the request deadline', async () => {
    const socket = await openUpload(service.baseUrl);
    const closed = new Promise<true>((resolve) => socket.once('close', () => resolve(true)));
    // A byte every 200 ms keeps every idle timer happy; only a whole-request deadline ends it.
    // Trickle for at most 8 s (over five deadlines), then give up.
    let stillOpen = true;
    void closed.then(() => (stillOpen = false));
    for (let i = 0; i < 40 && stillOpen; i++) {
      socket.write('a');
      await sleep(200);
    }
    const outcome = await Promise.race([closed, sleep(100).then(() => false as const)]);
    socket.destroy();
    expect(outcome).toBe(true);
  }, 30_000);

  it('logs an abandoned upload as a client abort, never as a database outage', async () => {
    const socket = await openUpload(service.baseUrl);
    socket.write('abc');
    await sleep(200);
    socket.destroy();
    // Wait until the service has logged the abort, whatever it calls it.
    for (let i = 0; i < 100 && !/aborted/i.test(service.output()); i++) await sleep(100);
    expect(service.output()).toMatch(/aborted/i);
    expect(service.output()).not.toMatch(/DATABASE_UNAVAILABLE|database unavailable/);
    // And the service still serves.
    expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
  }, 30_000);
});
