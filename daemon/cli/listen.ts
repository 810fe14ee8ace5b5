// The daemon's HTTP listener: Node's server limits, and the unix socket's mode and group.

import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';

/**
 * Limits of the HTTP server. The daemon's clients are nginx and operators, so none of these is a config key:
 * they bound what a misbehaving or hostile client on the loopback or the socket can hold, far above what
 * nginx ever needs.
 */
export const HTTP_LIMITS = {
  /** A request's headers must arrive within this (slowloris). nginx sends them at once. */
  headersTimeoutMs: 10_000,
  /** The whole request must arrive within this. Requests have no body; the answer may take longer (packaging). */
  requestTimeoutMs: 30_000,
  /**
   * An idle kept-alive connection is closed after this. Above the drop-in's upstream `keepalive_timeout 4s`,
   * so nginx always closes first and never sends a request on a connection the daemon is closing.
   */
  keepAliveTimeoutMs: 6_000,
  /** How often Node checks the two timeouts above; its default (30 s) would let a slowloris stay 40 s. */
  connectionsCheckingIntervalMs: 1_000,
  /** Request line and headers together; more is refused with 431. nginx's own default allows 4 × 8 KiB lines. */
  maxHeaderBytes: 16 * 1024,
  /** Open connections; more are refused at accept. nginx keeps 16 idle ones per worker, misses add one each. */
  maxConnections: 1024,
} as const;

export type NodeServer = ReturnType<typeof createAdaptorServer>;

/** The Node server for the app's fetch handler, with HTTP_LIMITS applied. */
export function createLimitedServer(fetch: Parameters<typeof createAdaptorServer>[0]['fetch']): NodeServer {
  const server = createAdaptorServer({
    fetch,
    serverOptions: {
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      connectionsCheckingInterval: HTTP_LIMITS.connectionsCheckingIntervalMs,
      maxHeaderSize: HTTP_LIMITS.maxHeaderBytes,
    },
  });
  server.maxConnections = HTTP_LIMITS.maxConnections;
  return server;
}

/** `socket_group` → a gid: empty is the daemon's primary group; a number is taken as is; a name is looked up (NSS too). */
export function resolveSocketGroup(group: string): number {
  if (group === '') return process.getgid?.() ?? 0;
  if (/^\d+$/.test(group)) return Number(group);
  let entry = '';
  try {
    entry = execFileSync('getent', ['group', group], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // getent exits 2 for an unknown group.
  }
  const gid = Number(entry.split(':')[2]);
  if (!entry || !Number.isInteger(gid)) throw new CasterpakError('CONFIG_INVALID', `socket_group: no group named ${JSON.stringify(group)}`, { group });
  return gid;
}

/** Gives the socket its configured group and mode: only the daemon's user and that group's members may connect. */
function restrictSocket(socketPath: string, config: Config): void {
  const gid = resolveSocketGroup(config.socketGroup);
  try {
    chownSync(socketPath, process.getuid?.() ?? -1, gid);
  } catch (err) {
    throw new CasterpakError('CONFIG_INVALID', `socket_group: cannot give ${socketPath} group ${gid}: ${(err as Error).message} (the daemon's user must be a member of that group)`, { gid });
  }
  chmodSync(socketPath, config.socketMode);
}

/** Listens on the configured address; resolves with `http://host:port` or `unix:/path`. */
export function listen(server: NodeServer, config: Config): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (config.listen.kind === 'unix') {
      const socketPath = config.listen.path;
      rmSync(socketPath, { force: true });
      server.listen(socketPath, () => {
        // Until this runs the socket has the umask's mode (0755 under systemd's UMask=0022), which lets no
        // other user connect: there is no moment when it is open wider than configured.
        try {
          restrictSocket(socketPath, config);
        } catch (err) {
          server.close();
          reject(err);
          return;
        }
        resolve(`unix:${socketPath}`);
      });
    } else {
      server.listen(config.listen.port, config.listen.host, () => {
        const { address, port } = server.address() as AddressInfo;
        resolve(`http://${address.includes(':') ? `[${address}]` : address}:${port}`);
      });
    }
  });
}
