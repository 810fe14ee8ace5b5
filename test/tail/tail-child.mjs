// Runs the compiled tailer in its own process, with a small HTTP server standing for the daemon's other work.
// argv: <compiled root> <JSON {stateDir, logPath, context, options, http, missEveryMs}>. Prints one JSON line when started.

import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, argsJson] = process.argv.slice(2);
const args = JSON.parse(argsJson);
const load = (rel) => import(pathToFileURL(path.join(root, rel)).href);
const { Store } = await load('daemon/store/store.js');
const { Tailer } = await load('daemon/tail/tailer.js');

const { pino } = await import('pino');
const store = Store.open(args.stateDir);
// Warnings and errors (a failed pass, SQLITE_BUSY) go to stderr, where the test reads them.
const log = pino({ level: 'warn' }, pino.destination(2));
const tailer = new Tailer({ store, logPath: args.logPath, context: args.context, log, ...args.options });

// Stands for the daemon's own writes while it runs: a miss records a generation, then the new file's row.
let misses = 0;
const missTimer = args.missEveryMs
  ? setInterval(() => {
      const cachePath = `i/miss.mp4/segment${(misses += 1)}_0_av.ts`;
      store.startGeneration(cachePath);
      store.recordFiles([{ path: cachePath, packageId: null, kind: 'segment', bytes: 4096 }]);
      store.endGeneration(cachePath);
    }, args.missEveryMs)
  : undefined;

const eventLoopDelay = monitorEventLoopDelay({ resolution: 5 });
eventLoopDelay.enable();

let port = 0;
if (args.http) {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ...tailer.stats(), eventLoopDelayMaxMs: eventLoopDelay.max / 1e6, eventLoopDelayP99Ms: eventLoopDelay.percentile(99) / 1e6 }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
}

await tailer.start();
process.stdout.write(`${JSON.stringify({ started: true, port, pid: process.pid })}\n`);

process.on('SIGTERM', async () => {
  clearInterval(missTimer);
  await tailer.stop();
  store.close();
  process.exit(0);
});
