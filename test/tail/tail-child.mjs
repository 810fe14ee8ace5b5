// Runs the compiled tailer in its own process, with a small HTTP server standing for the daemon's other work.
// argv: <compiled root> <JSON {stateDir, logPath, context, options, http}>. Prints one JSON line when started.

import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, argsJson] = process.argv.slice(2);
const args = JSON.parse(argsJson);
const load = (rel) => import(pathToFileURL(path.join(root, rel)).href);
const { Store } = await load('daemon/store/store.js');
const { Tailer } = await load('daemon/tail/tailer.js');

const store = Store.open(args.stateDir);
const tailer = new Tailer({ store, logPath: args.logPath, context: args.context, ...args.options });

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
  await tailer.stop();
  store.close();
  process.exit(0);
});
