#!/usr/bin/env node
// `casterpakd`: refuses an older Node.js with one line, before loading anything that needs Node.js 20.

// Kept free of static imports: an ES module's imports load before its first line runs, and the
// commands' dependencies fail on an older Node.js with a stack trace instead of this message.
const MIN_NODE_MAJOR = 20;
const major = Number.parseInt(process.versions.node.split('.')[0] ?? '0', 10);
if (!(major >= MIN_NODE_MAJOR)) {
  process.stderr.write(
    `casterpakd: Node.js ${MIN_NODE_MAJOR} or newer is needed, this is ${process.version} (${process.execPath}).\n` +
      `  On Debian 12, whose nodejs is 18: install Node.js 20 from NodeSource (see README, "Installing with nginx").\n`,
  );
  process.exit(1);
}
await import('./program.js');
