// `casterpakd nginx-config`: the nginx drop-in filled in with this config's paths, prefixes and address.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CasterpakError } from '../../errors.js';
import { renderFrontConfig } from '../../nginx/front.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';

/** Where Debian's nginx.conf picks each part up, relative to /etc/nginx. */
export const NGINX_FILES = {
  http: 'conf.d/casterpak.conf',
  server: 'snippets/casterpak-server.conf',
} as const;

type Part = keyof typeof NGINX_FILES;

/** Where the front tier's config goes on the front host, relative to /etc/nginx. */
export const FRONT_FILE = 'conf.d/casterpak-front.conf';
const DEFAULT_FRONT_LISTEN = '80';

/** `--front NODE...`: the front tier's config instead of a node's drop-in. */
function frontAction(options: Record<string, unknown>): void {
  if (options.http || options.server) throw new CasterpakError('CONFIG_INVALID', '--front prints one http-level file: leave out --http and --server', {});
  const listen = typeof options.frontListen === 'string' ? options.frontListen : DEFAULT_FRONT_LISTEN;
  const text = renderFrontConfig(configFromOptions(options), { nodes: options.front as string[], listen });
  if (typeof options.outDir !== 'string') {
    process.stdout.write(text);
    return;
  }
  const file = path.join(options.outDir, FRONT_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
}

function writeParts(outDir: string, parts: Record<Part, string>): string[] {
  return (Object.keys(NGINX_FILES) as Part[]).map((part) => {
    const file = path.join(outDir, NGINX_FILES[part]);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, parts[part]);
    return file;
  });
}

export function registerNginxConfig(program: Command): void {
  const command = program
    .command('nginx-config')
    .description(`print the nginx drop-in for this config: ${NGINX_FILES.http} (http level) and ${NGINX_FILES.server} (inside a server block)`)
    .option('--http', `print only the http-level part (${NGINX_FILES.http})`)
    .option('--server', `print only the server-level part (${NGINX_FILES.server})`)
    .option('--out-dir <dir>', `write both parts under <dir> (e.g. /etc/nginx) as ${NGINX_FILES.http} and ${NGINX_FILES.server}`)
    .option('--front <node...>', `print the front tier's config instead (http level, ${FRONT_FILE}): an upstream over these nodes' nginx addresses (host:port), hashed on the rendition, and a server proxying url_prefix to it`)
    .option('--front-listen <address>', `the front server's nginx listen address, with --front (default ${DEFAULT_FRONT_LISTEN})`);
  withConfigOptions(command).action((options: Record<string, unknown>) => {
    if (options.front !== undefined) return frontAction(options);
    if (options.frontListen !== undefined) throw new CasterpakError('CONFIG_INVALID', '--front-listen goes with --front NODE...', {});
    const rendered = renderNginxConfig(configFromOptions(options));
    const parts: Record<Part, string> = { http: rendered.httpConf, server: rendered.serverConf };
    if (options.http && options.server) throw new CasterpakError('CONFIG_INVALID', 'give --http or --server, not both', {});
    const part: Part | undefined = options.http ? 'http' : options.server ? 'server' : undefined;
    if (typeof options.outDir === 'string') {
      for (const file of writeParts(options.outDir, parts)) process.stdout.write(`wrote ${file}\n`);
      return;
    }
    if (part) {
      process.stdout.write(parts[part]);
      return;
    }
    process.stdout.write(`# ---- ${NGINX_FILES.http} ----\n${parts.http}\n# ---- ${NGINX_FILES.server} ----\n${parts.server}`);
  });
}
