// An origin whose client library loads with its first request: undici and the AWS SDK add some 20 MB of resident memory each, which a daemon of local files never needs.

import type { Origin } from './origin.js';

/** What an origin says of itself before it is loaded: its kind, its root and its objects' addresses. */
export type OriginDescription = Pick<Origin, 'kind' | 'root' | 'addressOf'>;

/** `load` runs once, on the first request (a failed load fails that request and every later one alike). */
export function lazyOrigin(description: OriginDescription, load: () => Promise<Origin>): Origin {
  let loaded: Promise<Origin> | undefined;
  const origin = () => (loaded ??= load());
  return {
    kind: description.kind,
    root: description.root,
    addressOf: description.addressOf,
    head: async (key) => (await origin()).head(key),
    getRange: async (request) => (await origin()).getRange(request),
    download: async (key, info, file) => (await origin()).download(key, info, file),
    probe: async () => (await origin()).probe(),
    close: async () => {
      if (loaded) await (await loaded).close();
    },
  };
}
