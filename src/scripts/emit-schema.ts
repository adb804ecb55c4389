import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../graphql/schema';

/** Writes schema/schema.graphql from the code (npm run schema); the schema test keeps it current. */
async function main(): Promise<void> {
  const target = path.resolve(__dirname, '..', '..', '..', 'schema', 'schema.graphql');
  fs.writeFileSync(target, await printSchemaSdl());
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}

void main();
