// `casterpakd nginx-config --front`: nginx accepts the front tier's config, and it sends each rendition to one node, failing over.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { get } from '../helpers/http.js';
import { NGINX_BIN } from '../helpers/nginx.js';
import { startPlainNginx, writePlainConf, type PlainNginx } from '../helpers/plain-nginx.js';

/** A stand-in node: answers every URL with `status` and its own name in X-Node. */
function stubNode(name: string, status = 200): Promise<PlainNginx> {
  return startPlainNginx(
    (port) => `    server {
        listen 127.0.0.1:${port};
        location / { add_header X-Node ${name} always; return ${status} "${name} $uri\\n"; }
    }`,
  );
}

async function frontConf(nodes: readonly string[], listen = '127.0.0.1:8'): Promise<string> {
  const cli = await runCli(['nginx-config', '--config', '/dev/null', '--front', ...nodes, '--front-listen', listen]);
  if (cli.status !== 0) throw new Error(`nginx-config --front exited ${cli.status}: ${cli.stderr}`);
  return cli.stdout;
}

async function startFront(nodes: readonly PlainNginx[]): Promise<PlainNginx> {
  return startPlainNginx((port) => frontConf(nodes.map((n) => `127.0.0.1:${n.port}`), `127.0.0.1:${port}`));
}

/** Renditions of several shapes: folders, a folder whose name ends in .mp4, other extensions and their case. */
const RENDITIONS = [
  ...Array.from({ length: 20 }, (_, k) => `/i/shows/episode${k}.mp4`),
  '/i/a.mp4/b.mp4',
  '/i/music/track.M4A',
  '/i/old/clip.mov',
  '/i/clip_,360,540,720,p.mp4.csmil',
];
const FILES = ['index_0_av.m3u8', 'segment1_0_av.ts', 'segment7_0_av.ts', 'iframes_0_v.m3u8', 'master.m3u8', 'cmaf/master.m3u8', 'cmaf/manifest.mpd'];

/** For each rendition, the nodes (X-Node) that answered its files, and every status seen. */
async function routeAll(front: PlainNginx): Promise<{ nodesOf: Map<string, Set<string>>; statuses: Set<number> }> {
  const nodesOf = new Map<string, Set<string>>();
  const statuses = new Set<number>();
  for (const rendition of RENDITIONS) {
    const nodes = new Set<string>();
    for (const file of FILES) {
      const res = await get(front.port, `${rendition}/${file}`);
      statuses.add(res.status);
      nodes.add(String(res.headers['x-node']));
    }
    nodesOf.set(rendition, nodes);
  }
  return { nodesOf, statuses };
}

function only(nodes: Set<string> | undefined): string {
  expect(nodes?.size).toBe(1);
  return [...nodes!][0];
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('casterpakd nginx-config --front', () => {
  it('prints a config that nginx -t accepts without a warning', async () => {
    const conf = writePlainConf(await frontConf(['10.0.0.1', '10.0.0.2:8080', '[fd00::3]:80', 'localhost:81']));
    try {
      const result = spawnSync(NGINX_BIN, ['-t', '-p', conf.prefixDir, '-c', conf.confPath, '-e', conf.errorLogPath], { encoding: 'utf8' });
      const output = `${result.stdout}${result.stderr}`;
      expect(output).toMatch(/test is successful/);
      expect(output).not.toMatch(/\[warn\]|\[emerg\]/);
      expect(readFileSync(conf.confPath, 'utf8')).toMatch(/hash \$casterpak_rendition consistent;/);
    } finally {
      rmSync(conf.prefixDir, { recursive: true, force: true });
    }
  });

  it('refuses a node address that nginx could not take, naming it, and exits 1', async () => {
    const cli = await runCli(['nginx-config', '--config', '/dev/null', '--front', '10.0.0.1', '10.0.0.2;rm']);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/--front: "10\.0\.0\.2;rm" is not a node address/);
    expect(cli.stdout).toBe('');
  });

  it('writes conf.d/casterpak-front.conf under --out-dir, the same text it prints', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-front-out-'));
    try {
      const cli = await runCli(['nginx-config', '--config', '/dev/null', '--front', '10.0.0.1', '10.0.0.2', '--out-dir', outDir]);
      expect(cli.status).toBe(0);
      const file = path.join(outDir, 'conf.d/casterpak-front.conf');
      expect(cli.stdout).toBe(`wrote ${file}\n`);
      expect(readFileSync(file, 'utf8')).toBe(await frontConf(['10.0.0.1', '10.0.0.2'], '80'));
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('refuses --front with --http or --server, which name parts of a node\'s drop-in', async () => {
    const cli = await runCli(['nginx-config', '--config', '/dev/null', '--front', '10.0.0.1', '--http']);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/leave out --http and --server/);
    expect(cli.stdout).toBe('');
  });

  it('refuses --front-listen without --front', async () => {
    const cli = await runCli(['nginx-config', '--config', '/dev/null', '--front-listen', '8080']);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/--front-listen goes with --front/);
  });

  it('refuses a node named twice', async () => {
    const cli = await runCli(['nginx-config', '--config', '/dev/null', '--front', '10.0.0.1', '10.0.0.1:80']);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/node 10\.0\.0\.1:80 is named twice/);
  });
});

describe('the front tier in front of three nodes', () => {
  let nodes: PlainNginx[] = [];
  let front: PlainNginx;

  beforeAll(async () => {
    nodes = await Promise.all(['A', 'B', 'C'].map((name) => stubNode(name)));
    front = await startFront(nodes);
  });

  afterAll(async () => {
    await front?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('sends every file of a rendition to one node, and the renditions to every node', async () => {
    const { nodesOf, statuses } = await routeAll(front);
    expect([...statuses]).toEqual([200]);
    const placed = RENDITIONS.map((r) => only(nodesOf.get(r)));
    expect(new Set(placed)).toEqual(new Set(['A', 'B', 'C']));
  });

  it('moves only a stopped node\'s renditions, each to one other node, and answers them all', async () => {
    const before = await routeAll(front);
    await nodes[1].stop();
    const after = await routeAll(front);
    expect([...after.statuses]).toEqual([200]);
    for (const rendition of RENDITIONS) {
      const was = only(before.nodesOf.get(rendition));
      const now = only(after.nodesOf.get(rendition));
      if (was === 'B') expect(['A', 'C']).toContain(now);
      else expect(now, rendition).toBe(was);
    }
  });
});

describe.each([502, 503, 504])('the front tier with a node answering %i', (status) => {
  let healthy: PlainNginx;
  let sick: PlainNginx;
  let front: PlainNginx;

  beforeAll(async () => {
    [healthy, sick] = await Promise.all([stubNode('healthy'), stubNode('sick', status)]);
    front = await startFront([healthy, sick]);
  });

  afterAll(async () => {
    await front?.stop();
    await Promise.all([healthy?.stop(), sick?.stop()]);
  });

  it(`answers every request from the other node`, async () => {
    const { nodesOf, statuses } = await routeAll(front);
    expect([...statuses]).toEqual([200]);
    for (const rendition of RENDITIONS) expect(only(nodesOf.get(rendition))).toBe('healthy');
    // The sick node was asked (and its answers replaced): the failover, not the hash, kept them away.
    expect(readFileSync(`${sick.prefixDir}/access.log`, 'utf8')).toMatch(new RegExp(` ${status} `));
  });
});

describe('the front tier with a node answering 404', () => {
  let nodes: PlainNginx[] = [];
  let front: PlainNginx;

  beforeAll(async () => {
    nodes = await Promise.all([stubNode('found'), stubNode('missing', 404)]);
    front = await startFront(nodes);
  });

  afterAll(async () => {
    await front?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('passes the 404 on instead of asking another node, since a missing file is missing everywhere', async () => {
    const { nodesOf, statuses } = await routeAll(front);
    expect(statuses).toEqual(new Set([200, 404]));
    const placed = RENDITIONS.map((r) => only(nodesOf.get(r)));
    expect(new Set(placed)).toEqual(new Set(['found', 'missing']));
  });
});
