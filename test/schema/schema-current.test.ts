import fs from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../../src/graphql/schema';

describe('schema/schema.graphql', () => {
  it('is what the code emits (run `npm run schema` after changing the API)', async () => {
    const committed = fs.readFileSync(
      path.resolve(__dirname, '..', '..', 'schema', 'schema.graphql'),
      'utf8',
    );
    expect(committed).toBe(await printSchemaSdl());
  });
});
