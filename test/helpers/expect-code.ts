// Runs a function or promise expected to fail with a CasterpakError and returns the error (its code, its message).

import { isCasterpakError, type CasterpakError } from '../../daemon/errors.js';

export async function failureOf(work: Promise<unknown> | (() => unknown)): Promise<CasterpakError> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    if (isCasterpakError(err)) return err;
    throw err;
  }
  throw new Error('expected a CasterpakError, but it succeeded');
}

/** The same for synchronous work: the CasterpakError `work` throws. */
export function refusalOf(work: () => unknown): CasterpakError {
  try {
    work();
  } catch (err) {
    if (isCasterpakError(err)) return err;
    throw err;
  }
  throw new Error('expected a CasterpakError, but it succeeded');
}
