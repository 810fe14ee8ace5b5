// Which Host names the operator endpoints (/metrics, /_casterpak/…) answer to: a guard against DNS rebinding.

import { isIP } from 'node:net';
import os from 'node:os';
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { routeLabel } from '../metrics/route-label.js';
import { rawPathOf } from './raw-path.js';

/**
 * A page on another site can make a browser that reaches the daemon (through an ssh tunnel, say) read it:
 * the attacker's name is re-pointed at 127.0.0.1, and the browser then calls the daemon same-origin, with
 * the attacker's name in `Host`. Answering only to names the operator uses defeats that.
 */
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/** `Host` header → the bare lower-case name or address: `[::1]:8081` → `::1`, `Example.org:80` → `example.org`. */
export function hostNameOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') === -1 ? undefined : host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).replace(/\.$/, '');
}

function isLoopback(name: string): boolean {
  if (LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

/** The machine's own addresses, for a daemon that listens on all of them (`0.0.0.0`, `::`). */
function interfaceAddresses(): Set<string> {
  return new Set(Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.toLowerCase())));
}

export function isAllowedOperatorHost(name: string, config: Config): boolean {
  if (isLoopback(name) || config.operatorHosts.includes(name)) return true;
  if (config.listen.kind !== 'tcp') return false;
  const listenHost = config.listen.host.toLowerCase();
  if (name === listenHost) return true;
  return (listenHost === '0.0.0.0' || listenHost === '::') && interfaceAddresses().has(name);
}

/** Refuses operator endpoints under any other Host with 421; the public prefix and /healthz are not checked. */
export function operatorHostGuard(config: Config): MiddlewareHandler {
  return async (c, next) => {
    const route = routeLabel(rawPathOf(c), config.urlPrefix);
    const host = c.req.header('host');
    // A request without Host (HTTP/1.0) cannot come from a rebinding browser, which always names the host.
    if ((route === 'metrics' || route === 'status' || route === 'preview') && host !== undefined) {
      const name = hostNameOf(host);
      if (!isAllowedOperatorHost(name, config)) {
        throw new CasterpakError(
          'HOST_NOT_ALLOWED',
          `this address answers to loopback names, the listen address and operator_hosts only, not ${JSON.stringify(name)}; add it to operator_hosts to allow it`,
          { host },
        );
      }
    }
    await next();
  };
}
