// CMAF files go through the cache like the MPEG-TS ones: made once, recorded, served as hits, dropped by invalidate; bandwidths are what is served.

import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invalidateRendition } from '../../daemon/cache/invalidate.js';
import { parseRequestPath } from '../../daemon/http/request-path.js';
import { bitrates } from '../../daemon/master/bitrate.js';
import { renditionSummaries } from '../../daemon/store/operator-queries.js';
import { makeClip } from '../helpers/clip.js';
import { failureOf } from '../helpers/expect-code.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { playlistSegments } from '../helpers/media.js';
import { parsePrometheusText, sampleValue } from '../helpers/prom-text.js';

async function body(daemon: InProcessDaemon, url: string): Promise<Buffer> {
  const response = await daemon.request(url);
  expect(response.status, url).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function daemonWithClip(raw: Record<string, unknown> = {}): InProcessDaemon {
  const daemon = inProcessDaemon({ segment_duration: 2, ...raw });
  makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 5 });
  return daemon;
}

describe('CMAF files in the cache', () => {
  it('makes each file once, records it under the rendition with its kind, and serves it from the cache afterwards', async () => {
    const daemon = daemonWithClip();
    const urls = ['cmaf/master.m3u8', 'cmaf/manifest.mpd', 'cmaf/video.m3u8', 'cmaf/video_init.mp4', 'cmaf/video_2.m4s', 'cmaf/audio_1.m4s'].map((f) => `/i/clip.mp4/${f}`);
    for (const url of urls) await body(daemon, url);
    const runs = daemon.filler.stats.packagerRuns;
    for (const url of urls) await body(daemon, url);
    expect(daemon.filler.stats.packagerRuns).toBe(runs);
    const pkg = daemon.store.packageBySource('clip.mp4');
    const kinds = urls.map((url) => {
      const row = daemon.store.fileByPath(url.slice(1));
      expect(row?.package_id === pkg?.id || row?.kind === 'master').toBe(true);
      return row?.kind;
    });
    expect(kinds).toEqual(['master', 'master', 'playlist', 'segment', 'segment', 'segment']);
  });

  it('answers 404 for a segment past the end and writes nothing', async () => {
    const daemon = daemonWithClip();
    expect((await daemon.request('/i/clip.mp4/cmaf/video_4.m4s')).status).toBe(404);
    expect(existsSync(path.join(daemon.cacheDir, 'i/clip.mp4/cmaf/video_4.m4s'))).toBe(false);
  });

  it('invalidate drops the CMAF files and their rows with the rest of the rendition', async () => {
    const daemon = daemonWithClip();
    await body(daemon, '/i/clip.mp4/index_0_av.m3u8');
    await body(daemon, '/i/clip.mp4/cmaf/video_init.mp4');
    await body(daemon, '/i/clip.mp4/cmaf/audio_2.m4s');
    const dropped = await invalidateRendition({ store: daemon.store, cacheDir: daemon.cacheDir, urlPrefix: '/i/' }, 'clip.mp4');
    expect(dropped.files).toBe(3);
    expect(existsSync(path.join(daemon.cacheDir, 'i/clip.mp4/cmaf/video_init.mp4'))).toBe(false);
    expect(daemon.store.fileByPath('i/clip.mp4/cmaf/audio_2.m4s')).toBeUndefined();
  });

  it('refuses CMAF URLs with the ffmpeg packager, naming the builtin one, and writes nothing', async () => {
    const daemon = daemonWithClip({ packager: 'ffmpeg' });
    for (const file of ['cmaf/video_init.mp4', 'cmaf/master.m3u8', 'cmaf/manifest.mpd']) {
      const request = parseRequestPath(`/i/clip.mp4/${file}`, '/i/');
      const error = await failureOf(daemon.filler.fill(request));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toMatch(/packager = "builtin"/);
      expect((await daemon.request(`/i/clip.mp4/${file}`)).status).toBe(404);
    }
    expect(existsSync(path.join(daemon.cacheDir, 'i/clip.mp4/cmaf'))).toBe(false);
  });

  it('counts CMAF files in /metrics and lists them under their rendition in ls, with their on-disk bytes', async () => {
    const daemon = daemonWithClip();
    const files = ['cmaf/video.m3u8', 'cmaf/video_init.mp4', 'cmaf/video_1.m4s', 'cmaf/audio_init.mp4', 'cmaf/audio_2.m4s'];
    for (const file of files) await body(daemon, `/i/clip.mp4/${file}`);
    // On-disk bytes, as prune counts them: the blocks each file takes.
    const bytes = files.reduce((sum, file) => sum + statSync(path.join(daemon.cacheDir, 'i/clip.mp4', file)).blocks * 512, 0);
    // What `casterpakd ls` prints: the rendition with every file it owns.
    const [summary] = renditionSummaries(daemon.store);
    expect([summary.source_path, summary.files, summary.bytes]).toEqual(['clip.mp4', files.length, bytes]);
    const metrics = await daemon.request('/metrics');
    const families = parsePrometheusText(await metrics.text());
    expect(sampleValue(families, 'casterpak_cache_files')).toBe(files.length);
    expect(sampleValue(families, 'casterpak_cache_size_bytes')).toBe(bytes);
    expect(sampleValue(families, 'casterpak_misses_total')).toBe(files.length);
    expect(sampleValue(families, 'casterpak_http_requests_total', { route: 'segment', status: '200' })).toBe(4);
    expect(sampleValue(families, 'casterpak_http_requests_total', { route: 'playlist', status: '200' })).toBe(1);
  });

  it('describes the rendition as ffprobe sees the source: codecs, resolution, frame rate, sample rate, channels, duration', async () => {
    const daemon = daemonWithClip();
    const source = path.join(daemon.mediaRoot, 'clip.mp4');
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', source], { encoding: 'utf8' })) as {
      streams: Array<{ codec_type: string; width?: number; height?: number; r_frame_rate?: string; sample_rate?: string; channels?: number }>;
      format: { duration: string };
    };
    const video = probe.streams.find((st) => st.codec_type === 'video')!;
    const audio = probe.streams.find((st) => st.codec_type === 'audio')!;
    const [num, den] = video.r_frame_rate!.split('/').map(Number);
    const master = (await body(daemon, '/i/clip.mp4/cmaf/master.m3u8')).toString('utf8');
    expect(master).toMatch(/^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n/);
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="([^"]+)",[^\n]*CHANNELS="1"[^\n]*URI="audio\.m3u8"/);
    expect(master).toMatch(new RegExp(`#EXT-X-STREAM-INF:BANDWIDTH=\\d+,AVERAGE-BANDWIDTH=\\d+,CODECS="avc1\\.[0-9a-f]{6},mp4a\\.40\\.2",RESOLUTION=${video.width}x${video.height},FRAME-RATE=${(num / den).toFixed(3)}`));
    const mpd = (await body(daemon, '/i/clip.mp4/cmaf/manifest.mpd')).toString('utf8');
    expect(mpd).toMatch(new RegExp(`<Representation id="video-1" bandwidth="\\d+" codecs="avc1\\.[0-9a-f]{6}" width="${video.width}" height="${video.height}" frameRate="${num / den}"`));
    expect(mpd).toMatch(new RegExp(`<Representation id="audio-1" bandwidth="\\d+" codecs="mp4a\\.40\\.2" audioSamplingRate="${audio.sample_rate}">`));
    expect(mpd).toContain(`<AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${audio.channels}"/>`);
    const durationSec = Number(/mediaPresentationDuration="PT([\d.]+)S"/.exec(mpd)?.[1]);
    expect(Math.abs(durationSec - Number(probe.format.duration))).toBeLessThanOrEqual(1 / 25 + 0.001);
    // Twice the target duration: the 2 s segments of this clip.
    expect(mpd).toContain('minBufferTime="PT4.000S"');
  });

  it("gives the HLS variant the peak and average bit rates of the segments it serves, and each DASH representation its own track's peak", async () => {
    const daemon = daemonWithClip();
    const master = (await body(daemon, '/i/clip.mp4/cmaf/master.m3u8')).toString('utf8');
    const sizes: Record<string, number[]> = {};
    const durations: Record<string, number[]> = {};
    for (const track of ['video', 'audio']) {
      const segments = playlistSegments((await body(daemon, `/i/clip.mp4/cmaf/${track}.m3u8`)).toString('utf8'));
      sizes[track] = [];
      for (const segment of segments) sizes[track].push((await body(daemon, `/i/clip.mp4/cmaf/${segment.uri}`)).length);
      durations[track] = segments.map((s) => s.durationSec);
    }
    const variant = bitrates(sizes.video.map((bytes, k) => ({ sizeBytes: bytes + sizes.audio[k], durationSec: durations.video[k] })));
    expect(master).toContain(`BANDWIDTH=${variant.peakBps},AVERAGE-BANDWIDTH=${variant.averageBps},`);
    const mpd = (await body(daemon, '/i/clip.mp4/cmaf/manifest.mpd')).toString('utf8');
    for (const track of ['video', 'audio']) {
      // Within a bit per second: the MPD times segments in track ticks, the playlist to 3 decimals.
      const peak = bitrates(sizes[track].map((bytes, k) => ({ sizeBytes: bytes, durationSec: durations[track][k] }))).peakBps;
      const declared = Number(new RegExp(`id="${track}-1" bandwidth="(\\d+)"`).exec(mpd)?.[1]);
      expect(Math.abs(declared - peak) / peak).toBeLessThan(0.002);
    }
  });
});

describe('CMAF masters of a rendition set', () => {
  it('applies the b= filter to the CMAF master and the MPD as to the MPEG-TS master', async () => {
    const daemon = inProcessDaemon({ segment_duration: 2 });
    makeClip(path.join(daemon.mediaRoot, 'set/clip_lo.mp4'), { durationSec: 4, size: '320x180' });
    makeClip(path.join(daemon.mediaRoot, 'set/clip_hi.mp4'), { durationSec: 4, size: '1280x720' });
    const all = await (await daemon.request('/i/set/clip_,lo,hi,.mp4.csmil/cmaf/master.m3u8')).text();
    expect(all.match(/#EXT-X-STREAM-INF/g)).toHaveLength(2);
    const low = await (await daemon.request('/i/set/clip_,lo,hi,.mp4.csmil/cmaf/master.m3u8?b=1')).text();
    expect(low.match(/#EXT-X-STREAM-INF/g)).toHaveLength(1);
    expect(low).toContain('RESOLUTION=320x180');
    expect(low).toContain('URI="../../clip_lo.mp4/cmaf/audio.m3u8"');
    const mpd = await (await daemon.request('/i/set/clip_,lo,hi,.mp4.csmil/cmaf/manifest.mpd?b=1')).text();
    expect(mpd.match(/<Representation /g)).toHaveLength(2);
    expect(mpd).toContain('../../clip_lo.mp4/cmaf/video_$Number$.m4s');
    expect(mpd).not.toContain('clip_hi');
  });
});

describe('CMAF URIs with public_base_url', () => {
  it('writes absolute URIs into the CMAF master, the media playlists and the MPD', async () => {
    const daemon = daemonWithClip({ public_base_url: 'https://media.example.org' });
    const base = 'https://media.example.org/i/clip.mp4/cmaf/';
    const master = (await body(daemon, '/i/clip.mp4/cmaf/master.m3u8')).toString('utf8');
    expect(master).toContain(`URI="${base}audio.m3u8"`);
    expect(master).toContain(`\n${base}video.m3u8\n`);
    const video = (await body(daemon, '/i/clip.mp4/cmaf/video.m3u8')).toString('utf8');
    expect(video).toContain(`#EXT-X-MAP:URI="${base}video_init.mp4"`);
    expect(video).toContain(`\n${base}video_1.m4s\n`);
    const mpd = (await body(daemon, '/i/clip.mp4/cmaf/manifest.mpd')).toString('utf8');
    expect(mpd).toContain(`initialization="${base}audio_init.mp4" media="${base}audio_$Number$.m4s"`);
  });
});
