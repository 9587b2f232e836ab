// Writes openapi/openapi.json from the application's code: `npm run openapi`.
// Needs no database and no port: the app is built in Nest's preview mode, which does not
// instantiate providers.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { loadConfig } from './common/config';
import { buildOpenApiDocument } from './app/openapi-document';

async function main(): Promise<void> {
  const app = await NestFactory.create(
    AppModule.forRoot(loadConfig({}), 'postgres://unused/unused'),
    new FastifyAdapter(),
    { preview: true, logger: false },
  );
  const document = buildOpenApiDocument(app);
  const target = join(__dirname, '..', 'openapi', 'openapi.json');
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(target, JSON.stringify(document, null, 2) + '\n');
  await app.close();
  console.log(`Wrote ${target}`);
}

void main();
