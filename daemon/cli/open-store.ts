// The database for one-shot commands: `ls` and `invalidate` never create one (a typo in state_dir would look empty).

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { DB_FILE_NAME, Store } from '../store/store.js';

export function openExistingStore(config: Config): Store {
  const dbPath = path.join(config.stateDir, DB_FILE_NAME);
  if (!existsSync(dbPath)) {
    throw new CasterpakError('NOT_FOUND', `no database at ${dbPath}: is state_dir right, and has casterpakd run with it?`, { dbPath });
  }
  return new Store(dbPath);
}
