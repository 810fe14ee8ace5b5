// The front-tier config (`nginx-config --front`): an nginx that spreads renditions over CasterPak nodes by consistent hash.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { SOURCE_EXTENSIONS } from '../layout/sources.js';
import { fillTemplate, PROXY_READ_MARGIN_SEC, templateDir, templateValues } from './render.js';

export const FRONT_TEMPLATE = 'casterpak-front.conf';

/** Beyond a node's own wait for its daemon, so that the node's answer (its 504 included) reaches the front first. */
export const FRONT_READ_MARGIN_SEC = 10;

/** A node that fails this many times within fail_timeout is left out of the ring for fail_timeout. */
const NODE_MAX_FAILS = 1;
const NODE_FAIL_TIMEOUT_SEC = 10;

export interface FrontOptions {
  /** The nodes' nginx addresses: `host`, `host:port`, `[v6]:port` (port 80 when left out). */
  readonly nodes: readonly string[];
  /** nginx's `listen` argument for the front: `80`, `0.0.0.0:8080`, `[::]:80`. */
  readonly listen: string;
}

const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])`;
const NODE = new RegExp(`^${HOST}(?::(\\d{1,5}))?$`);

function port(value: string | undefined): boolean {
  return value === undefined || (Number(value) >= 1 && Number(value) <= 65_535);
}

/** A node as an upstream `server` address, with the port made explicit; anything else is refused by name. */
export function frontNode(value: string): string {
  const match = NODE.exec(value);
  if (!match || !port(match[1])) {
    throw new CasterpakError('CONFIG_INVALID', `--front: ${JSON.stringify(value)} is not a node address (host, host:port or [v6]:port)`, { node: value });
  }
  return match[1] === undefined ? `${value}:80` : value;
}

/** The front's `listen`: a port, or an address and a port. */
export function frontListen(value: string): string {
  const match = new RegExp(`^(?:${HOST}:)?(\\d{1,5})$`).exec(value);
  if (!match || !port(match[1])) {
    throw new CasterpakError('CONFIG_INVALID', `--front-listen: ${JSON.stringify(value)} is not a port or address:port`, { listen: value });
  }
  return value;
}

function frontServers(nodes: readonly string[]): string {
  const addresses = nodes.map(frontNode);
  const twice = addresses.find((a, i) => addresses.indexOf(a) !== i);
  if (twice) throw new CasterpakError('CONFIG_INVALID', `--front: node ${twice} is named twice`, { node: twice });
  if (addresses.length === 0) throw new CasterpakError('CONFIG_INVALID', '--front: name at least one node', {});
  return addresses.map((a) => `    server ${a} max_fails=${NODE_MAX_FAILS} fail_timeout=${NODE_FAIL_TIMEOUT_SEC}s;`).join('\n');
}

/** The front-tier config for the http level, from this config's url_prefix and packaging_timeout. */
export function renderFrontConfig(config: Config, options: FrontOptions): string {
  const values = templateValues(config);
  // The node's nginx waits packaging_timeout + PROXY_READ_MARGIN_SEC for its daemon; the front waits a little longer.
  const readSec = Math.ceil(config.packagingTimeoutSec) + PROXY_READ_MARGIN_SEC + FRONT_READ_MARGIN_SEC;
  const front = {
    ...values,
    front_servers: frontServers(options.nodes),
    front_listen: frontListen(options.listen),
    front_tries: String(options.nodes.length),
    front_read_timeout: `${readSec}s`,
    front_next_upstream_timeout: `${2 * readSec}s`,
    source_extensions: SOURCE_EXTENSIONS.map((ext) => ext.slice(1)).join('|'),
  };
  return fillTemplate(readFileSync(path.join(templateDir(), FRONT_TEMPLATE), 'utf8'), front);
}
