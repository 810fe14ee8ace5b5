import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, envName, flagName, loadConfig, validateConfig } from '../daemon/config.js';
import { DEFAULT_SOURCE_LIMITS } from '../daemon/source-limits.js';

function configFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-config-'));
  const file = path.join(dir, 'casterpakd.toml');
  writeFileSync(file, text);
  return file;
}

describe('config', () => {
  it('gives the documented defaults when the file is empty', () => {
    const config = loadConfig({ configPath: configFile(''), env: {} });
    expect(config.listen).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 8081 });
    expect(config.urlPrefix).toBe('/i/');
    expect(config.segmentDurationSec).toBe(10);
    expect(config.packager).toBe('builtin');
    expect(config.mode).toBe('nginx');
    expect(config.publicBaseUrl).toBe('');
  });

  it('reads TOML, with units for durations and sizes', () => {
    const file = configFile(
      ['media_root = "/data/media"', 'packaging_timeout = "90s"', 'listen = "unix:/run/casterpak.sock"', '[prune]', 'ttl = "72h"', 'max_size = "50GiB"'].join('\n'),
    );
    const config = loadConfig({ configPath: file, env: {} });
    expect(config.mediaRoot).toBe('/data/media');
    expect(config.packagingTimeoutSec).toBe(90);
    expect(config.listen).toEqual({ kind: 'unix', path: '/run/casterpak.sock' });
    expect(config.prune.ttlSec).toBe(72 * 3600);
    expect(config.prune.maxSizeBytes).toBe(50 * 2 ** 30);
  });

  it('bounds each moov parse at 512 MiB, which holds the largest source the default [limits] let through, unless told otherwise', () => {
    expect(loadConfig({ configPath: configFile(''), env: {} }).parseMemoryLimitBytes).toBe(512 * 2 ** 20);
    expect(loadConfig({ configPath: configFile('parse_memory_limit = "1GiB"'), env: {} }).parseMemoryLimitBytes).toBe(2 ** 30);
  });

  it('reads the operator-surface keys from TOML and from the environment, with safe defaults', () => {
    const defaults = loadConfig({ configPath: configFile(''), env: {} });
    expect(defaults.operatorHosts).toEqual([]);
    expect(defaults.socketMode).toBe(0o660);
    expect(defaults.socketGroup).toBe('');
    expect(defaults.sqliteLockWaitSec).toBe(5);
    const file = configFile('operator_hosts = ["Metrics.LAN"]\nsocket_mode = 0o640\nsocket_group = "www-data"\nsqlite_lock_wait = "500ms"');
    const fromFile = loadConfig({ configPath: file, env: {} });
    expect(fromFile.operatorHosts).toEqual(['metrics.lan']);
    expect(fromFile.socketMode).toBe(0o640);
    expect(fromFile.socketGroup).toBe('www-data');
    expect(fromFile.sqliteLockWaitSec).toBe(0.5);
    const fromEnv = loadConfig({ configPath: configFile(''), env: { CASTERPAK_OPERATOR_HOSTS: 'a.lan, b.lan', CASTERPAK_SOCKET_MODE: '0600' } });
    expect(fromEnv.operatorHosts).toEqual(['a.lan', 'b.lan']);
    expect(fromEnv.socketMode).toBe(0o600);
    expect(() => loadConfig({ configPath: configFile('socket_mode = "rw-rw----"'), env: {} })).toThrow(/socket_mode: must be an octal mode/);
  });

  it('lets the environment override the file, and flags override the environment', () => {
    const file = configFile('segment_duration = 6\nmedia_root = "/from/file"');
    const env = { CASTERPAK_SEGMENT_DURATION: '4', CASTERPAK_MEDIA_ROOT: '/from/env', CASTERPAK_PRUNE_TTL: '15m' };
    const config = loadConfig({ configPath: file, env, overrides: { media_root: '/from/flag' } });
    expect(config.segmentDurationSec).toBe(4);
    expect(config.mediaRoot).toBe('/from/flag');
    expect(config.prune.ttlSec).toBe(900);
  });

  it('reads the [limits] table, gives the documented defaults, and lets the environment override it', () => {
    expect(loadConfig({ configPath: configFile(''), env: {} }).limits).toEqual(DEFAULT_SOURCE_LIMITS);
    const file = configFile(['[limits]', 'max_segments = 500', 'max_moov_bytes = "8MiB"', 'max_playlist_bytes = "64KiB"'].join('\n'));
    const config = loadConfig({ configPath: file, env: { CASTERPAK_LIMITS_MAX_SAMPLES_PER_SECOND: '300' } });
    expect(config.limits).toEqual({ ...DEFAULT_SOURCE_LIMITS, maxSegments: 500, maxMoovBytes: 8 * 2 ** 20, maxPlaylistBytes: 64 * 2 ** 10, maxSamplesPerSecond: 300 });
    expect(CONFIG_KEYS).toEqual(expect.arrayContaining(['limits.max_samples_per_second', 'limits.max_samples', 'limits.max_moov_boxes', 'limits.max_moov_bytes', 'limits.max_segments', 'limits.max_playlist_bytes']));
    expect(flagName('limits.max_segments')).toBe('--limits-max-segments');
  });

  it.each([
    ['[limits]\nmax_segments = 0', /limits\.max_segments: /],
    ['[limits]\nmax_moov_bytes = "huge"', /limits\.max_moov_bytes: expected a size like 500MB/],
    ['[limits]\nmax_boxes = 5', /limits: unknown key\(s\) max_boxes/],
  ])('refuses the invalid limit %j naming the key', (text, message) => {
    expect(() => loadConfig({ configPath: configFile(text), env: {} })).toThrow(message);
  });

  it('takes an HTTP(S) or S3 media_root, ending it with a slash, with the S3 keys and origin_timeout', () => {
    expect(validateConfig({ media_root: 'https://origin.example.org/media' }).mediaRoot).toBe('https://origin.example.org/media/');
    expect(validateConfig({ media_root: 'http://127.0.0.1:8080/' }).mediaRoot).toBe('http://127.0.0.1:8080/');
    const s3 = validateConfig({ media_root: 's3://my-bucket/renditions', s3_endpoint: 'http://127.0.0.1:7480', s3_force_path_style: 'true', origin_timeout: '3s' });
    expect(s3.mediaRoot).toBe('s3://my-bucket/renditions/');
    expect(s3.s3).toEqual({ endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', forcePathStyle: true });
    expect(s3.originTimeoutSec).toBe(3);
    expect(validateConfig({}).s3).toEqual({ endpoint: '', region: 'us-east-1', forcePathStyle: false });
    expect(validateConfig({}).originTimeoutSec).toBe(10);
    expect(() => validateConfig({ media_root: 'ftp://host/media/' })).toThrow(/media_root: must be an absolute path, http\(s\):\/\/host\/path\/ or s3:\/\/bucket\/prefix\//);
    expect(() => validateConfig({ media_root: 's3://UPPER/x/' })).toThrow(/media_root: /);
    expect(() => validateConfig({ s3_endpoint: 'not a url' })).toThrow(/s3_endpoint: /);
  });

  it('names every key as an environment variable and a flag', () => {
    expect(envName('prune.max_size')).toBe('CASTERPAK_PRUNE_MAX_SIZE');
    expect(flagName('prune.max_size')).toBe('--prune-max-size');
    expect(CONFIG_KEYS).toContain('public_base_url');
    expect(CONFIG_KEYS).toContain('prune.ttl');
  });

  it.each([
    ['segment_duration = "ten"', /segment_duration: /],
    ['listen = "localhost"', /listen: expected host:port or unix:/],
    ['media_root = "relative/dir"', /media_root: must be an absolute path/],
    ['packager = "bento"', /packager: /],
    ['url_prefix = "i"', /url_prefix: must look like \/i\//],
    ['packaging_timeout = "soon"', /packaging_timeout: expected a duration like 90s/],
    ['[prune]\nmax_size = "lots"', /prune\.max_size: expected a size like 500MB/],
    ['parse_memory_limit = "8MiB"', /parse_memory_limit: must be at least 16MiB/],
    ['colour = "blue"', /unknown key\(s\) colour/],
    ['public_base_url = "ftp://x"', /public_base_url: /],
  ])('refuses %j with a message naming the key', (text, message) => {
    expect(() => loadConfig({ configPath: configFile(text), env: {} })).toThrow(message);
  });

  it('refuses a file that is not TOML, naming the file', () => {
    const file = configFile('media_root = ');
    expect(() => loadConfig({ configPath: file, env: {} })).toThrow(/is not valid TOML/);
  });

  it('refuses an explicit config path that does not exist', () => {
    expect(() => loadConfig({ configPath: '/nonexistent/casterpakd.toml', env: {} })).toThrow(/cannot read config file/);
  });
});
