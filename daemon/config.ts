// File + environment + flags → one validated, typed config. Key names here are the documented contract.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { CasterpakError } from './errors.js';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from './source-limits.js';
import { parseDurationSec, parseSizeBytes } from './units.js';

export const DEFAULT_CONFIG_PATH = '/etc/casterpak/casterpakd.toml';

export type Listen = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const sec = parseDurationSec(value);
  if (sec === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 90s, 15m, 72h or 3d, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return sec;
});

const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSizeBytes(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size like 500MB or 50GiB, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

const absolutePath = z.string().min(1).refine((p) => path.isAbsolute(p), 'must be an absolute path');

/** A directory, or a remote root: `http(s)://host/path/` or `s3://bucket/prefix/` (a trailing slash is added). */
const mediaRoot = z.string().min(1).transform((value, ctx) => {
  if (path.isAbsolute(value)) return value;
  if (/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(value) && URL.canParse(value)) return value.endsWith('/') ? value : `${value}/`;
  if (/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(value)) return value.endsWith('/') || /^s3:\/\/[^/]+$/.test(value) ? value : `${value}/`;
  ctx.addIssue({ code: 'custom', message: `must be an absolute path, http(s)://host/path/ or s3://bucket/prefix/, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

/** A URL path prefix: starts and ends with `/`, plain characters only. */
/** The values of the `packager` key: the ways a rendition can be packaged. */
export const PACKAGER_NAMES = ['builtin', 'mp42hls', 'ffmpeg'] as const;
export type PackagerName = (typeof PACKAGER_NAMES)[number];

const urlPrefix = z.string().regex(/^\/(?:[A-Za-z0-9._~-]+\/)+$/, 'must look like /i/ (start and end with a slash, no spaces or escapes)');

const listen = z.string().transform((value, ctx): Listen => {
  if (value.startsWith('unix:')) {
    const socketPath = value.slice('unix:'.length);
    if (path.isAbsolute(socketPath)) return { kind: 'unix', path: socketPath };
  } else {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
    const port = match ? Number(match[2]) : NaN;
    if (match && port >= 0 && port <= 65_535) return { kind: 'tcp', host: match[1].replace(/^\[|\]$/g, ''), port };
  }
  ctx.addIssue({ code: 'custom', message: `expected host:port or unix:/absolute/path, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const positiveInt = z.coerce.number().int().positive();

/** A list of strings: a TOML array, or a comma-separated string from the environment or a flag. */
const stringList = z.union([z.array(z.string()), z.string()]).transform((v) =>
  (typeof v === 'string' ? v.split(',') : v).map((s) => s.trim()).filter((s) => s !== ''),
);

/** A file mode: an octal string as chmod takes it (`"0660"`), or a TOML octal integer (`0o660`). */
const octalMode = z
  .union([z.string().regex(/^0?[0-7]{3}$/, 'must be an octal mode like "0660"'), z.number().int().min(0).max(0o777)])
  .transform((v) => (typeof v === 'number' ? v : Number.parseInt(v, 8)));
const boolean = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const pruneSchema = z
  .object({
    ttl: duration.prefault('3d'),
    max_size: size.optional(),
    min_free: size.prefault('1GiB'),
    /** Evict down to this fraction of max_size once over it, so prune does not run on every byte. */
    low_water: z.coerce.number().gt(0).lte(1).prefault(0.9),
    /** TTL eviction is refused when the tailer has not caught up for this long. */
    max_tailer_lag: duration.prefault('5m'),
  })
  .strict();

/** Bounded work per source (daemon/source-limits.ts explains each default). */
const limitsSchema = z
  .object({
    max_samples_per_second: positiveInt.prefault(DEFAULT_SOURCE_LIMITS.maxSamplesPerSecond),
    max_samples: positiveInt.prefault(DEFAULT_SOURCE_LIMITS.maxSamples),
    max_moov_boxes: positiveInt.prefault(DEFAULT_SOURCE_LIMITS.maxMoovBoxes),
    max_moov_bytes: size.prefault(DEFAULT_SOURCE_LIMITS.maxMoovBytes),
    max_segments: positiveInt.prefault(DEFAULT_SOURCE_LIMITS.maxSegments),
    max_playlist_bytes: size.prefault(DEFAULT_SOURCE_LIMITS.maxPlaylistBytes),
  })
  .strict();

export const configSchema = z
  .object({
    media_root: mediaRoot.prefault('/srv/media'),
    cache_dir: absolutePath.prefault('/var/cache/casterpak'),
    state_dir: absolutePath.prefault('/var/lib/casterpak'),
    listen: listen.prefault('127.0.0.1:8081'),
    mode: z.enum(['nginx', 'standalone']).prefault('nginx'),
    url_prefix: urlPrefix.prefault('/i/'),
    internal_prefix: urlPrefix.prefault('/casterpak-internal/'),
    packager: z.enum(PACKAGER_NAMES).prefault('builtin'),
    mp42hls_path: z.string().min(1).prefault('mp42hls'),
    ffmpeg_path: z.string().min(1).prefault('ffmpeg'),
    segment_duration: z.coerce.number().positive().max(60).prefault(10),
    public_base_url: z
      .union([z.literal(''), z.url({ protocol: /^https?$/ })])
      .prefault('')
      .transform((u) => u.replace(/\/+$/, '')),
    allow_cache: boolean.prefault(true),
    /** I-frame playlists in masters; unset means on with the builtin packager, off with the others. */
    iframe_playlists: boolean.optional(),
    access_log: absolutePath.prefault('/var/log/nginx/casterpak.access.log'),
    max_concurrent_packaging: positiveInt.prefault(2),
    packaging_timeout: duration.prefault('120s'),
    /** Packaging jobs waiting for a slot; one more is refused at once with 503 and Retry-After. */
    max_queued_packaging: z.coerce.number().int().min(0).prefault(64),
    /** Segments one I-frame playlist request may package (the others must be in the cache already). */
    iframe_max_packaged_segments: positiveInt.prefault(360),
    /** Each moov parse runs in a worker thread bounded by this: a crafted moov costs that worker, not the daemon. */
    parse_memory_limit: size.refine((bytes) => bytes >= 16 * 1024 * 1024, 'must be at least 16MiB').prefault('512MiB'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'),
    // Operator surface: who may connect and under which names (see the README's Security section).
    /** Host names, besides loopback, IP literals and the listen host, that /metrics and /_casterpak/ answer to. */
    operator_hosts: stringList.prefault([]),
    /** Mode of the unix socket (`listen = "unix:…"`): nginx's user reaches it through the group. */
    socket_mode: octalMode.prefault('0660'),
    /** Group of the unix socket; empty means the daemon's primary group. */
    socket_group: z.string().prefault(''),
    /** How long the daemon's writes wait for SQLite's lock held by another process (prune, a command) before 503. */
    sqlite_lock_wait: duration.prefault('5s'),
    // Remote sources (media_root = "http(s)://…/" or "s3://bucket/prefix/"); credentials come from the AWS SDK's default chain.
    /** S3 API endpoint; empty is AWS itself. */
    s3_endpoint: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).prefault(''),
    s3_region: z.string().min(1).prefault('us-east-1'),
    /** Bucket in the path (`endpoint/bucket/key`) instead of the host name: what most S3-compatible stores need. */
    s3_force_path_style: boolean.prefault(false),
    /** A request to a remote source that has not answered (headers, or the next body bytes) within this fails with 504. */
    origin_timeout: duration.prefault('10s'),
    prune: pruneSchema.prefault({}),
    limits: limitsSchema.prefault({}),
  })
  .strict();

export type RawConfig = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

export interface Config {
  readonly mediaRoot: string;
  readonly cacheDir: string;
  readonly stateDir: string;
  readonly listen: Listen;
  readonly mode: 'nginx' | 'standalone';
  readonly urlPrefix: string;
  readonly internalPrefix: string;
  readonly packager: Parsed['packager'];
  readonly mp42hlsPath: string;
  readonly ffmpegPath: string;
  readonly segmentDurationSec: number;
  readonly publicBaseUrl: string;
  readonly allowCache: boolean;
  readonly iframePlaylists: boolean;
  readonly accessLog: string;
  readonly maxConcurrentPackaging: number;
  readonly packagingTimeoutSec: number;
  readonly maxQueuedPackaging: number;
  readonly iframeMaxPackagedSegments: number;
  readonly parseMemoryLimitBytes: number;
  readonly logLevel: Parsed['log_level'];
  readonly operatorHosts: readonly string[];
  readonly socketMode: number;
  readonly socketGroup: string;
  readonly sqliteLockWaitSec: number;
  readonly prune: {
    readonly ttlSec: number;
    readonly maxSizeBytes?: number;
    readonly minFreeBytes: number;
    readonly lowWater: number;
    readonly maxTailerLagSec: number;
  };
  readonly limits: SourceLimits;
  readonly s3: { readonly endpoint: string; readonly region: string; readonly forcePathStyle: boolean };
  readonly originTimeoutSec: number;
}

function toConfig(p: Parsed): Config {
  return {
    mediaRoot: p.media_root,
    cacheDir: p.cache_dir,
    stateDir: p.state_dir,
    listen: p.listen,
    mode: p.mode,
    urlPrefix: p.url_prefix,
    internalPrefix: p.internal_prefix,
    packager: p.packager,
    mp42hlsPath: p.mp42hls_path,
    ffmpegPath: p.ffmpeg_path,
    segmentDurationSec: p.segment_duration,
    publicBaseUrl: p.public_base_url,
    allowCache: p.allow_cache,
    iframePlaylists: p.iframe_playlists ?? p.packager === 'builtin',
    accessLog: p.access_log,
    maxConcurrentPackaging: p.max_concurrent_packaging,
    packagingTimeoutSec: p.packaging_timeout,
    maxQueuedPackaging: p.max_queued_packaging,
    iframeMaxPackagedSegments: p.iframe_max_packaged_segments,
    parseMemoryLimitBytes: p.parse_memory_limit,
    logLevel: p.log_level,
    operatorHosts: p.operator_hosts.map((h) => h.toLowerCase()),
    socketMode: p.socket_mode,
    socketGroup: p.socket_group,
    sqliteLockWaitSec: p.sqlite_lock_wait,
    prune: {
      ttlSec: p.prune.ttl,
      maxSizeBytes: p.prune.max_size,
      minFreeBytes: p.prune.min_free,
      lowWater: p.prune.low_water,
      maxTailerLagSec: p.prune.max_tailer_lag,
    },
    limits: {
      maxSamplesPerSecond: p.limits.max_samples_per_second,
      maxSamples: p.limits.max_samples,
      maxMoovBoxes: p.limits.max_moov_boxes,
      maxMoovBytes: p.limits.max_moov_bytes,
      maxSegments: p.limits.max_segments,
      maxPlaylistBytes: p.limits.max_playlist_bytes,
    },
    s3: { endpoint: p.s3_endpoint, region: p.s3_region, forcePathStyle: p.s3_force_path_style },
    originTimeoutSec: p.origin_timeout,
  };
}

/** Every key of the schema, with nested tables written `prune.ttl`. */
export const CONFIG_KEYS: readonly string[] = [
  ...Object.keys(configSchema.shape).filter((k) => k !== 'prune' && k !== 'limits'),
  ...Object.keys(pruneSchema.shape).map((k) => `prune.${k}`),
  ...Object.keys(limitsSchema.shape).map((k) => `limits.${k}`),
];

/** `prune.max_size` → `CASTERPAK_PRUNE_MAX_SIZE`. */
export function envName(key: string): string {
  return `CASTERPAK_${key.replace('.', '_').toUpperCase()}`;
}

/** `prune.max_size` → `--prune-max-size`. */
export function flagName(key: string): string {
  return `--${key.replace(/[._]/g, '-')}`;
}

function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  const [head, tail] = key.split('.');
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const table = (target[head] ??= {}) as Record<string, unknown>;
  table[tail] = value;
}

export interface LoadOptions {
  /** Config file; when absent, the default path is read if it exists. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides from flags, keyed like the file (`media_root`, `prune.ttl`). */
  overrides?: Record<string, unknown>;
}

function readConfigFile(configPath: string | undefined): Record<string, unknown> {
  const file = configPath ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (configPath === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CasterpakError('CONFIG_INVALID', `cannot read config file ${file}: ${(err as Error).message}`, { file });
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new CasterpakError('CONFIG_INVALID', `config file ${file} is not valid TOML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
}

/** Merges file < environment < flags, validates, and returns the typed config or throws CONFIG_INVALID naming the key. */
export function loadConfig(options: LoadOptions = {}): Config {
  const raw = readConfigFile(options.configPath);
  const env = options.env ?? process.env;
  for (const key of CONFIG_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') setKey(raw, key, value);
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setKey(raw, key, value);
  }
  return validateConfig(raw);
}

export function validateConfig(raw: Record<string, unknown>): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(top level)';
      const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
      return `${key}: ${message}`;
    });
    throw new CasterpakError('CONFIG_INVALID', `invalid config: ${problems.join('; ')}`, { problems });
  }
  return toConfig(result.data);
}
