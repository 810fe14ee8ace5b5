// vitest's global setup: rebuilds dist/ when any source is newer than its compiled file, so that a bare
// `npx vitest run` tests the code as it is now (the daemon, the CLI and the parse workers run from dist/).

import { buildDistIfStale } from './helpers/compiled.js';

export default async function setup(): Promise<void> {
  const rebuilt = await buildDistIfStale();
  if (rebuilt.length > 0) process.stdout.write(`rebuilt dist/: ${rebuilt.length} source(s) were newer than their compiled files\n`);
}
