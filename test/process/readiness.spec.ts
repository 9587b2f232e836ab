// Readiness when the service does not migrate at start (MIGRATE_ON_START=false, as the replicas
// run under docker compose): the probe is the first request, and must pass on its own.
import { createTestDatabase, type TestDatabase } from '../support/database';
import { spawnService } from '../support/service-process';

describe('readiness without migrating at start', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('answers /health/ready 200 as the first request on a migrated database', async () => {
    // spawnService polls /health/ready until 200 (or throws after 30 s): nothing else is sent.
    const service = await spawnService(db.url, undefined, { MIGRATE_ON_START: 'false' });
    try {
      const health = await fetch(`${service.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(service.output()).not.toMatch(/Connection not established/);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }, 60_000);
});
