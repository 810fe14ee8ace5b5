import { describe, expect, it } from 'vitest';
import { batchLines } from '../../daemon/tail/line-batch.js';
import { cachePathOfRequestUri } from '../../daemon/layout/cache-paths.js';
import { lineAccessMs, parseLogLine } from '../../daemon/tail/log-line.js';

const context = { urlPrefix: '/i/', internalPrefix: '/casterpak-internal/' };

/** A line as nginx writes it with `log_format casterpak escape=json`: every value a string. */
function line(fields: Record<string, string>): string {
  return JSON.stringify({ msec: '1700000000.123', status: '200', request_uri: '/i/a.mp4/segment1_0_av.ts', uri: '/i/a.mp4/segment1_0_av.ts', body_bytes_sent: '1024', request_time: '0.001', ...fields });
}

describe('log line parser', () => {
  it('maps a 200 hit to the cache path and the millisecond time', () => {
    expect(parseLogLine(line({}), context)).toEqual({ kind: 'access', cachePath: 'i/a.mp4/segment1_0_av.ts', accessMs: 1_700_000_000_123, hit: true });
  });

  it('counts 206 partial answers as accesses', () => {
    expect(parseLogLine(line({ status: '206' }), context).kind).toBe('access');
  });

  it('ignores non-2xx statuses', () => {
    for (const status of ['304', '404', '416', '499', '500', '502']) expect(parseLogLine(line({ status }), context)).toEqual({ kind: 'ignored' });
  });

  it('treats a line whose $uri is the internal redirect as a miss for the path the player asked for', () => {
    const result = parseLogLine(line({ uri: '/casterpak-internal/i/a.mp4/segment1_0_av.ts' }), context);
    expect(result).toEqual({ kind: 'access', cachePath: 'i/a.mp4/segment1_0_av.ts', accessMs: 1_700_000_000_123, hit: false });
  });

  it('strips the query and percent-decodes the request URI exactly once', () => {
    expect(cachePathOfRequestUri('/i/My%20Clip%C3%A9.mp4/index_0_av.m3u8?token=x%2F', '/i/')).toBe('i/My Clipé.mp4/index_0_av.m3u8');
    expect(cachePathOfRequestUri('/i/a%2541.mp4/index_0_av.m3u8', '/i/')).toBe('i/a%41.mp4/index_0_av.m3u8');
  });

  it('merges repeated slashes as nginx does before try_files', () => {
    expect(cachePathOfRequestUri('/i//dir///a.mp4/index_0_av.m3u8', '/i/')).toBe('i/dir/a.mp4/index_0_av.m3u8');
  });

  it('ignores requests outside the prefix, dot segments, NUL and malformed escapes', () => {
    for (const uri of ['/other/a.mp4/index_0_av.m3u8', '/i/', '/i/../etc/passwd', '/i/a/./b.ts', '/i/a%00.ts', '/i/%E0%A4%A.ts', '/i/dir/', '/ix/a.ts']) {
      expect(cachePathOfRequestUri(uri, '/i/')).toBeUndefined();
    }
  });

  it('calls anything nginx did not write a bad line, and never throws', () => {
    for (const text of ['', 'not json', '[1,2]', 'null', '{"msec":"x","status":"200","request_uri":"/i/a.ts"}', '{"msec":"1.5","status":"abc","request_uri":"/i/a.ts"}', '{"msec":"1.5","status":"200"}', line({}).slice(0, 40)]) {
      expect(parseLogLine(text, context).kind).toBe('bad');
    }
  });

  it('reads JSON escapes in the request URI (escape=json)', () => {
    const text = line({ request_uri: '/i/quote"and\\back.mp4/index_0_av.m3u8' });
    expect(text).toContain('\\"');
    expect(parseLogLine(text, context)).toMatchObject({ cachePath: 'i/quote"and\\back.mp4/index_0_av.m3u8' });
  });

  it('reads fields in any order, as numbers too, and ignores fields it does not know', () => {
    const reordered = '{"uri":"/i/a.mp4/index_0_av.m3u8","extra":"x","request_uri":"/i/a.mp4/index_0_av.m3u8","status":200,"msec":1700000000.5}';
    expect(parseLogLine(reordered, context)).toEqual({ kind: 'access', cachePath: 'i/a.mp4/index_0_av.m3u8', accessMs: 1_700_000_000_500, hit: true });
  });

  it('does not take a key name written inside a value for the key', () => {
    expect(parseLogLine(JSON.stringify({ msec: '1700000000.000', status: '200', request_uri: '/i/"status":"500".ts', uri: '/i/x' }), context)).toMatchObject({ kind: 'access', cachePath: 'i/"status":"500".ts' });
  });

  it('gives the line time of valid lines only', () => {
    expect(lineAccessMs(line({ msec: '1700000001.5' }))).toBe(1_700_000_001_500);
    expect(lineAccessMs('garbage')).toBeUndefined();
  });
});

describe('line batch', () => {
  it('sums hits per file, keeps the latest time, and counts each kind of line', () => {
    const text = [
      line({ msec: '1700000000.100' }),
      line({ msec: '1700000000.300' }),
      line({ msec: '1700000000.200' }),
      line({ request_uri: '/i/b.mp4/index_0_av.m3u8', uri: '/casterpak-internal/i/b.mp4/index_0_av.m3u8' }),
      line({ status: '404' }),
      'garbage',
    ].join('\n');
    const batch = batchLines(text, context);
    expect(Object.fromEntries(batch.accesses)).toEqual({
      'i/a.mp4/segment1_0_av.ts': { hits: 3, accessMs: 1_700_000_000_300 },
      'i/b.mp4/index_0_av.m3u8': { hits: 0, accessMs: 1_700_000_000_123 },
    });
    expect(batch.counters).toEqual({ lines: 6, hits: 3, misses: 1, ignored: 1, bad: 1, unmatched: 0 });
    expect(batch.lastLineMs).toBe(1_700_000_000_300);
    expect(batch.badSample).toEqual({ line: 'garbage', reason: 'not a JSON object' });
  });
});

describe('log lines of answers the daemon wrote itself', () => {
  it('ignores a `?b=` filtered master: proxied to the daemon, answered without a redirect, so no cache file was sent', () => {
    const filtered = line({ request_uri: '/i/,a.mp4,b.mp4,.urlset/master.m3u8?b=500-', uri: '/i/,a.mp4,b.mp4,.urlset/master.m3u8', upstream_addr: '127.0.0.1:8081' });
    expect(parseLogLine(filtered, context)).toEqual({ kind: 'ignored' });
    const counters = batchLines([filtered, line({ upstream_addr: '' })].join('\n'), context).counters;
    expect(counters).toMatchObject({ lines: 2, hits: 1, misses: 0, ignored: 1 });
  });

  it('still counts a proxied miss answered by X-Accel-Redirect', () => {
    const miss = line({ uri: '/casterpak-internal/i/a.mp4/segment1_0_av.ts', upstream_addr: 'unix:/run/casterpak/casterpakd.sock' });
    expect(parseLogLine(miss, context)).toMatchObject({ kind: 'access', hit: false });
  });
});
