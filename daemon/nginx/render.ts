// Fills the nginx drop-in templates (the repository's nginx/ folder) with the current config's paths and address.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, Listen } from '../config.js';
import { CasterpakError } from '../errors.js';
import { packageRoot } from '../package-root.js';

export const HTTP_TEMPLATE = 'casterpak-http.conf';
export const SERVER_TEMPLATE = 'casterpak-server.conf';

/** Seconds nginx waits for the daemon beyond packaging_timeout, so the daemon's own 504 gets through. */
export const PROXY_READ_MARGIN_SEC = 60;

export interface RenderedNginxConfig {
  /** For the `http {}` level (Debian: /etc/nginx/conf.d/casterpak.conf). */
  httpConf: string;
  /** For inclusion inside a `server {}` block (Debian: /etc/nginx/snippets/casterpak-server.conf). */
  serverConf: string;
}

export type TemplateValues = Readonly<Record<string, string>>;

/**
 * Characters that end or alter an nginx directive argument: quotes, `;`, braces, `$` (variables),
 * `#` (comments), backslash (escapes), whitespace and control characters (argument separators).
 */
const UNSAFE_IN_DIRECTIVE = /["';{}$#\\\s\p{Cc}]/u;

function refuseUnsafe(key: string, value: string): void {
  const bad = UNSAFE_IN_DIRECTIVE.exec(value);
  if (bad) {
    throw new CasterpakError(
      'CONFIG_INVALID',
      `${key}: ${JSON.stringify(value)} cannot be written into the nginx config (it contains ${JSON.stringify(bad[0])})`,
      { key, value },
    );
  }
}

function absolutePath(key: string, value: string): string {
  refuseUnsafe(key, value);
  if (!path.isAbsolute(value)) throw new CasterpakError('CONFIG_INVALID', `${key}: must be an absolute path, got ${JSON.stringify(value)}`, { key, value });
  const normal = path.posix.normalize(value).replace(/\/+$/, '');
  if (normal === '') throw new CasterpakError('CONFIG_INVALID', `${key}: the file system root cannot be used`, { key, value });
  return normal;
}

function urlPrefix(key: string, value: string): string {
  refuseUnsafe(key, value);
  if (!/^\/(?:[A-Za-z0-9._~-]+\/)+$/.test(value) || value.split('/').some((s) => s === '.' || s === '..')) {
    throw new CasterpakError('CONFIG_INVALID', `${key}: must look like /i/, got ${JSON.stringify(value)}`, { key, value });
  }
  return value;
}

/** The `server` argument of the upstream block: `127.0.0.1:8081`, `[::1]:8081` or `unix:/path.sock`. */
export function upstreamAddress(listen: Listen): string {
  if (listen.kind === 'unix') return `unix:${absolutePath('listen', listen.path)}`;
  refuseUnsafe('listen', listen.host);
  // A daemon bound to every address is reached on loopback.
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  if (!/^[A-Za-z0-9.:-]+$/.test(host) || !Number.isInteger(listen.port) || listen.port < 1 || listen.port > 65_535) {
    throw new CasterpakError('CONFIG_INVALID', `listen: cannot write ${JSON.stringify(`${listen.host}:${listen.port}`)} as an nginx upstream`, { listen });
  }
  return host.includes(':') ? `[${host}]:${listen.port}` : `${host}:${listen.port}`;
}

/** The values of every placeholder, validated: a value that would break the config is refused. */
export function templateValues(config: Config): TemplateValues {
  const urlPrefixValue = urlPrefix('url_prefix', config.urlPrefix);
  const internalPrefixValue = urlPrefix('internal_prefix', config.internalPrefix);
  // The internal location must never shadow the public one, or the other way round.
  if (urlPrefixValue.startsWith(internalPrefixValue) || internalPrefixValue.startsWith(urlPrefixValue)) {
    throw new CasterpakError('CONFIG_INVALID', `internal_prefix: ${internalPrefixValue} and url_prefix ${urlPrefixValue} must not contain one another`, {
      urlPrefix: urlPrefixValue,
      internalPrefix: internalPrefixValue,
    });
  }
  return {
    cache_dir: absolutePath('cache_dir', config.cacheDir),
    access_log: absolutePath('access_log', config.accessLog),
    upstream: upstreamAddress(config.listen),
    url_prefix: urlPrefixValue,
    internal_prefix: internalPrefixValue,
    proxy_read_timeout: `${Math.ceil(config.packagingTimeoutSec) + PROXY_READ_MARGIN_SEC}s`,
  };
}

/** Replaces every `{{name}}`; a placeholder without a value is a bug in the template, not in the config. */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx template placeholder ${whole} has no value`);
    return value;
  });
}

/** The package's nginx/ folder, next to package.json (the same from daemon/ and from dist/daemon/). */
export function templateDir(): string {
  return path.join(packageRoot(), 'nginx');
}

export function renderNginxConfig(config: Config): RenderedNginxConfig {
  const values = templateValues(config);
  const dir = templateDir();
  return {
    httpConf: fillTemplate(readFileSync(path.join(dir, HTTP_TEMPLATE), 'utf8'), values),
    serverConf: fillTemplate(readFileSync(path.join(dir, SERVER_TEMPLATE), 'utf8'), values),
  };
}
