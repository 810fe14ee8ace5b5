// A real S3 store for tests: Ceph's RADOS Gateway over a one-monitor, one-OSD cluster on 127.0.0.1, under a temp dir.

import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessSync, constants, createReadStream, type ReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { exited, freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from './processes.js';

/** Debian's packages radosgw, ceph-mon, ceph-osd and ceph-common (which brings the `ceph` tool). */
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'] as const;

/**
 * Per step (monitor, OSD, gateway). Generous: on a loaded 2-core machine the gateway's first start
 * (it creates its pools) can take a minute. Give beforeAll STARTUP_BUDGET_MS.
 */
const START_TIMEOUT_MS = 90_000;
/** What beforeAll should allow startRadosgw: every step at its limit, and a little more. */
export const STARTUP_BUDGET_MS = 3 * START_TIMEOUT_MS + 30_000;
/** Each daemon gets this long to stop on SIGTERM before its process group is killed. */
const STOP_GRACE_MS = 10_000;
/** Bound on every `ceph` / `radosgw-admin` call, so that a cluster that never came up fails the test instead of hanging it. */
const TOOL_TIMEOUT_MS = 30_000;

/** The S3 region the gateway accepts in signatures (its default zonegroup takes any). */
export const RADOSGW_REGION = 'us-east-1';

/**
 * What an S3 client needs beyond endpoint and keys to talk to this gateway. Ceph 16's gateway does
 * not take the aws-chunked uploads with trailing checksums that the SDK sends for a streamed body by
 * default (it answers 411 MissingContentLength): checksums only where an operation requires them.
 */
export const RADOSGW_CLIENT_OPTIONS = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;

export interface RunningRadosgw {
  /** `http://127.0.0.1:<port>`: path-style S3 (`forcePathStyle: true`). */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** An S3 client with these credentials, for the test's own calls. */
  readonly client: S3Client;
  /** The temp dir holding the cluster's config, data, sockets and logs (removed by stop). */
  readonly dataDir: string;
  /** Process ids of the monitor, the OSD and the gateway. */
  readonly pids: { readonly mon: number; readonly osd: number; readonly gateway: number };
  createBucket(name: string): Promise<void>;
  /** Uploads a local file (a path) or bytes; resolves with the object's ETag. */
  putObject(bucket: string, key: string, body: string | Uint8Array): Promise<string>;
  /** Stops the gateway, then the OSD, then the monitor, and removes dataDir. */
  stop(): Promise<void>;
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((dir) => {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why the store cannot run here (missing binaries), or undefined when it can. Tests skip with this reason. */
export function radosgwUnavailable(): string | undefined {
  const missing = BINARIES.filter((name) => !onPath(name));
  if (missing.length === 0) return undefined;
  return `no RADOS Gateway here (missing ${missing.join(', ')}; install Debian's radosgw ceph-mon ceph-osd ceph-common)`;
}

interface ClusterPaths {
  dir: string;
  conf: string;
  logDir: string;
}

/**
 * The whole cluster in one file. No authentication, one replica, CRUSH placing replicas across OSDs
 * rather than hosts, msgr v1 only on 127.0.0.1 (one port per daemon), and every path under `dir`
 * so that nothing touches /etc/ceph or /var/lib/ceph. The OSD keeps objects in memory (memstore):
 * nothing to format, and the data goes when the process does.
 */
export function cephConf(o: { dir: string; fsid: string; monPort: number; gatewayPort: number }): string {
  return `[global]
fsid = ${o.fsid}
mon host = [v1:127.0.0.1:${o.monPort}]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = ${o.dir}/run
admin socket = ${o.dir}/run/$name.asok
pid file = ${o.dir}/run/$name.pid
log file = ${o.dir}/log/$name.log
crash dir = ${o.dir}/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
[mon]
mon data = ${o.dir}/mon/$name
[osd]
osd data = ${o.dir}/osd/$name
osd objectstore = memstore
# The OSD would place itself in the CRUSH map with a command sent while it starts, which the monitor
# can refuse ("wrong fsid") when it races the OSD's first monitor map. The harness places it first.
osd crush update on start = false
osd class update on start = false
memstore device bytes = ${4 * 1024 ** 3}
[client.admin]
# The tools give up instead of waiting five minutes for a cluster that is not there.
client mount timeout = 30
rados mon op timeout = 30
rados osd op timeout = 25
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${o.gatewayPort}
rgw data = ${o.dir}/rgw
`;
}

function logTail(paths: ClusterPaths, name: string): string {
  const file = path.join(paths.logDir, `${name}.log`);
  if (!existsSync(file)) return `(no ${name}.log)`;
  return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
}

/** Waits for a started daemon's `probe`; fails at once if the daemon exits, and adds the end of its log to any failure. */
async function waitReady<T>(paths: ClusterPaths, proc: Daemon, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const logName = proc.name;
  const died = exited(proc.guard).then(() => {
    throw new Error(`${proc.name} exited while waiting for ${what}: ${proc.output()}`);
  });
  try {
    return await Promise.race([waitFor(what, probe, START_TIMEOUT_MS), died]);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- end of ${logName}.log ---\n${logTail(paths, logName)}`);
  }
}

/** Runs a Ceph tool against this cluster; rejects with its output on a non-zero exit or after TOOL_TIMEOUT_MS. */
function tool(paths: ClusterPaths, command: string, args: string[]): Promise<string> {
  // The `ceph` tool otherwise waits for a monitor forever; a probe that gives up is simply repeated.
  const connect = command === 'ceph' ? ['--connect-timeout', '10'] : [];
  return new Promise((resolve, reject) => {
    execFile(command, ['-c', paths.conf, ...connect, ...args], { timeout: TOOL_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

interface Daemon extends GuardedProcess {
  /** Its Ceph name (mon.a, osd.0, client.rgw.a): its log is log/<name>.log. */
  name: string;
  output(): string;
}

/** Starts a daemon in the foreground under the kill-on-exit guard, its output kept for error messages. */
async function daemon(paths: ClusterPaths, command: string, name: string): Promise<Daemon> {
  const [type, id] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
  const who = type === 'client' ? ['-n', name] : ['-i', id];
  const proc = await spawnGuarded(command, ['-f', '-c', paths.conf, ...who]);
  let output = '';
  proc.guard.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.guard.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { ...proc, name, output: () => output };
}

async function startMonitor(paths: ClusterPaths, fsid: string, monPort: number): Promise<GuardedProcess> {
  const monmap = path.join(paths.dir, 'monmap');
  await new Promise<void>((resolve, reject) =>
    execFile('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, monmap], (err) => (err ? reject(err) : resolve())),
  );
  await tool(paths, 'ceph-mon', ['--mkfs', '-i', 'a', '--monmap', monmap]);
  const mon = await daemon(paths, 'ceph-mon', 'mon.a');
  // Answered by the OSD map service, which serves only once the monitor has formed its quorum and
  // loaded its maps (a command sent just before that is refused with EPERM).
  await waitReady(paths, mon, 'the monitor to serve the OSD map', async () => {
    const map = JSON.parse(await tool(paths, 'ceph', ['osd', 'dump', '-f', 'json'])) as { epoch?: number };
    return (map.epoch ?? 0) >= 1 ? true : undefined;
  });
  return mon;
}

async function startOsd(paths: ClusterPaths): Promise<GuardedProcess> {
  const uuid = randomUUID();
  // `osd new` with the same uuid gives the same id: safe to repeat while the monitor settles.
  const id = await waitFor('an OSD id', async () => (await tool(paths, 'ceph', ['osd', 'new', uuid])).trim() || undefined, START_TIMEOUT_MS);
  mkdirSync(path.join(paths.dir, 'osd', `osd.${id}`), { recursive: true });
  await tool(paths, 'ceph-osd', ['-i', id, '--mkfs', '--osd-uuid', uuid]);
  // Straight under the root: with replicas chosen per OSD (chooseleaf type 0) no host bucket is needed.
  await tool(paths, 'ceph', ['osd', 'crush', 'add', `osd.${id}`, '1.0', 'root=default']);
  const osd = await daemon(paths, 'ceph-osd', `osd.${id}`);
  await waitReady(paths, osd, `osd.${id} to be up`, async () => {
    const stat = JSON.parse(await tool(paths, 'ceph', ['osd', 'stat', '-f', 'json'])) as { num_up_osds?: number; osdmap?: { num_up_osds?: number } };
    return (stat.num_up_osds ?? stat.osdmap?.num_up_osds) === 1 ? true : undefined;
  });
  return osd;
}

/** Any HTTP answer at all: the gateway listens once it has created its pools and loaded its zone. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

async function startGateway(paths: ClusterPaths, endpoint: string): Promise<GuardedProcess> {
  const gateway = await daemon(paths, 'radosgw', 'client.rgw.a');
  await waitReady(paths, gateway, `radosgw to answer at ${endpoint}`, async () => {
    return (await answers(endpoint)) ? true : undefined;
  });
  return gateway;
}

async function stopAll(procs: GuardedProcess[]): Promise<void> {
  // The gateway first, then the OSD, then the monitor: each still has the cluster beneath it while it stops.
  for (const proc of [...procs].reverse()) await stopGuarded(proc, [['SIGTERM', STOP_GRACE_MS]]);
}

function bodyOf(body: string | Uint8Array): { Body: Uint8Array | ReadStream; ContentLength: number } {
  if (typeof body !== 'string') return { Body: body, ContentLength: body.byteLength };
  // A stream with its length: a large title goes up without being read into memory here.
  return { Body: createReadStream(body), ContentLength: statSync(body).size };
}

function storeApi(o: { paths: ClusterPaths; endpoint: string; procs: GuardedProcess[]; keys: { accessKeyId: string; secretAccessKey: string } }): RunningRadosgw {
  const client = new S3Client({ endpoint: o.endpoint, region: RADOSGW_REGION, forcePathStyle: true, credentials: o.keys, ...RADOSGW_CLIENT_OPTIONS });
  const [mon, osd, gateway] = o.procs as [GuardedProcess, GuardedProcess, GuardedProcess];
  let stopped: Promise<void> | undefined;
  return {
    endpoint: o.endpoint,
    ...o.keys,
    region: RADOSGW_REGION,
    client,
    dataDir: o.paths.dir,
    pids: { mon: mon.pid, osd: osd.pid, gateway: gateway.pid },
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async putObject(bucket, key, body) {
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, ...bodyOf(body) }));
      return out.ETag ?? '';
    },
    stop() {
      // Idempotent: a test that stops the store itself leaves afterAll nothing to do.
      stopped ??= (async () => {
        client.destroy();
        await stopAll(o.procs);
        rmSync(o.paths.dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/**
 * Starts the cluster and the gateway and creates an S3 user. Takes about 12 s on an idle machine, so
 * start one per test file (beforeAll) and stop it in afterAll. Every process runs under the test
 * guard: a test process that dies takes the cluster with it.
 */
export async function startRadosgw(): Promise<RunningRadosgw> {
  const why = radosgwUnavailable();
  if (why) throw new Error(why);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-rgw-'));
  const paths: ClusterPaths = { dir, conf: path.join(dir, 'ceph.conf'), logDir: path.join(dir, 'log') };
  for (const sub of ['run', 'log', 'crash', 'mon', 'osd', 'rgw']) mkdirSync(path.join(dir, sub), { recursive: true });
  const [monPort, gatewayPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  writeFileSync(paths.conf, cephConf({ dir, fsid, monPort, gatewayPort }));
  const endpoint = `http://127.0.0.1:${gatewayPort}`;
  const procs: GuardedProcess[] = [];
  try {
    procs.push(await startMonitor(paths, fsid, monPort));
    procs.push(await startOsd(paths));
    procs.push(await startGateway(paths, endpoint));
    const keys = { accessKeyId: `CPTEST${randomBytes(7).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('hex') };
    await tool(paths, 'radosgw-admin', ['user', 'create', '--uid=casterpak-test', '--display-name=CasterPak tests', `--access-key=${keys.accessKeyId}`, `--secret-key=${keys.secretAccessKey}`]);
    return storeApi({ paths, endpoint, procs, keys });
  } catch (err) {
    await stopAll(procs);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
