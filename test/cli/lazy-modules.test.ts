// What a daemon of local files never loads: the remote origins' client libraries (undici, the AWS SDK) and the terminal log formatter.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';

const REFUSED = ['undici', '@aws-sdk/client-s3', 'pino-pretty'];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-lazy-'));
const daemons: RunningDaemon[] = [];

/** A preload that makes loading any REFUSED module throw, by `import` (a resolve hook) or by `require`. */
function refusingPreload(): string {
  const hooks = path.join(scratch, 'hooks.mjs');
  writeFileSync(hooks, `const REFUSED = ${JSON.stringify(REFUSED)};\nexport async function resolve(specifier, context, next) {\n  if (REFUSED.includes(specifier)) throw new Error('refused to load ' + specifier);\n  return next(specifier, context);\n}\n`);
  const preload = path.join(scratch, 'refuse.mjs');
  writeFileSync(preload, [
    `import Module, { register } from 'node:module';`,
    `const REFUSED = ${JSON.stringify(REFUSED)};`,
    `const load = Module._load;`,
    `Module._load = function (request, ...rest) { if (REFUSED.includes(request)) throw new Error('refused to load ' + request); return load.call(this, request, ...rest); };`,
    `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
  ].join('\n'));
  return `--import ${pathToFileURL(preload).href}`;
}

const NODE_OPTIONS = refusingPreload();

afterAll(async () => {
  for (const daemon of daemons) await daemon.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('modules a daemon loads only when its config needs them', () => {
  it('the refusing preload does refuse each module, by import and by require', () => {
    for (const name of REFUSED) {
      const imported = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(name)}).then(() => console.log('loaded'))`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS } });
      expect(imported.stderr).toContain(`refused to load ${name}`);
      const required = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(name)}); console.log('loaded')`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS } });
      expect(required.stderr).toContain(`refused to load ${name}`);
    }
  });

  it('serves a playlist and a segment of a local file without loading undici, the AWS SDK or pino-pretty', async () => {
    const daemon = await startDaemon({ packager: 'builtin', env: { NODE_OPTIONS } });
    daemons.push(daemon);
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    expect((await daemon.get('/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    expect((await daemon.get('/i/clip.mp4/segment1_0_av.ts')).status).toBe(200);
    expect(daemon.output()).not.toContain('refused to load');
  });

  it('starts on an HTTP origin without undici, and loads it with the first request for a source', async () => {
    const daemon = await startDaemon({ packager: 'builtin', env: { NODE_OPTIONS }, extra: { media_root: 'http://127.0.0.1:9/' } });
    daemons.push(daemon);
    expect(daemon.output()).not.toContain('refused to load');
    const miss = await daemon.get('/i/clip.mp4/index_0_av.m3u8');
    expect(miss.status).toBeGreaterThanOrEqual(500);
    expect(daemon.output()).toContain('refused to load undici');
  });
});
