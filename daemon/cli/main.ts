#!/usr/bin/env -S node --initial-old-space-size=64
// `casterpakd`: refuses an older Node.js with one line, before loading anything that needs Node.js 20.

// The V8 flag above (NODE_OPTIONS may not carry it): the old generation may grow to 64 MB before its
// first full collection sizes it. Without it V8 keeps the old generation within a few MB of what is
// live, and the daemon's heap (about 21 MB) was marked and compacted after nearly every cold playlist
// of a large source, whose tables it drops when the parsed-source cache evicts them: measured on the
// 30-minute 720p benchmark title, 150 cold media playlists in a row, 35-42 full collections without
// the flag and 16 with it, 24-26 ms of CPU per playlist without and 19.5 with, the peak RSS the same
// (192-207 MB). Runs of `node dist/daemon/cli/main.js` go without it and are only slower.

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
