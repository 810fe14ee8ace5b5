import { describe, expect, it } from 'vitest';
import { renderMasterPlaylist, type MasterVariant } from '../../daemon/master/master-playlist.js';
import { renditionBaseUri } from '../../daemon/layout/uris.js';
import { frameRateOf, variantFacts, type VariantFacts } from '../../daemon/master/variant.js';
import { segmentSizeBytes } from '../../daemon/master/segment-bytes.js';
import { audioTrack, movieOf, videoTrack } from '../helpers/movie-fixtures.js';

const facts = (bandwidthBps: number, extra: Partial<VariantFacts> = {}): VariantFacts => ({
  bandwidthBps,
  averageBandwidthBps: Math.round(bandwidthBps * 0.9),
  mediaBps: Math.round(bandwidthBps * 0.8),
  codecs: 'avc1.64001f,mp4a.40.2',
  resolution: { width: 640, height: 360 },
  frameRate: 25,
  ...extra,
});

describe('master playlist text', () => {
  it('lists variants by ascending bandwidth with every attribute, at version 3 without I-frame streams', () => {
    const variants: MasterVariant[] = [
      { uri: '../hi.mp4/index_0_av.m3u8', facts: facts(2_000_000, { resolution: { width: 1280, height: 720 }, frameRate: 30000 / 1001 }) },
      { uri: '../lo.mp4/index_0_av.m3u8', facts: facts(500_000) },
    ];
    expect(renderMasterPlaylist({ variants, independentSegments: false })).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=450000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000',
        '../lo.mp4/index_0_av.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1800000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=29.970',
        '../hi.mp4/index_0_av.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('advertises I-frame streams after the variants, at version 4, with only the video codec', () => {
    const iframe = { bandwidthBps: 90_000, averageBandwidthBps: 80_000, codecs: 'avc1.64001f', resolution: { width: 640, height: 360 } };
    const text = renderMasterPlaylist({
      variants: [{ uri: 'index_0_av.m3u8', iframeUri: 'iframes_0_v.m3u8', facts: facts(700_000, { iframe }) }],
      independentSegments: true,
    });
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:4',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      expect.stringMatching(/^#EXT-X-STREAM-INF:BANDWIDTH=700000,/),
      'index_0_av.m3u8',
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,AVERAGE-BANDWIDTH=80000,CODECS="avc1.64001f",RESOLUTION=640x360,URI="iframes_0_v.m3u8"',
      '',
    ]);
  });

  it('writes an audio-only variant with its audio codec and no resolution or frame rate', () => {
    const text = renderMasterPlaylist({
      variants: [{ uri: 'a.m4a/index_0_av.m3u8', facts: { bandwidthBps: 70_000, averageBandwidthBps: 66_000, mediaBps: 64_000, codecs: 'mp4a.40.2' } }],
      independentSegments: false,
    });
    expect(text).toContain('#EXT-X-STREAM-INF:BANDWIDTH=70000,AVERAGE-BANDWIDTH=66000,CODECS="mp4a.40.2"\n');
  });
});

describe('variant URIs', () => {
  const base = { publicBaseUrl: '', urlPrefix: '/i/', sourceRel: 'shows/clip 360p.mp4' };

  it('are relative to the rendition itself for its own master', () => {
    expect(renditionBaseUri({ ...base, from: 'rendition' })).toBe('');
  });

  it('climb out of the csmil folder for a set master', () => {
    const uri = renditionBaseUri({ ...base, from: 'set' }) + 'index_0_av.m3u8';
    expect(uri).toBe('../clip%20360p.mp4/index_0_av.m3u8');
    expect(new URL(uri, 'https://cdn.example/i/shows/clip_,360,p.mp4.csmil/master.m3u8').pathname).toBe('/i/shows/clip%20360p.mp4/index_0_av.m3u8');
  });

  it('are absolute with public_base_url, each path segment encoded', () => {
    expect(renditionBaseUri({ ...base, publicBaseUrl: 'https://cdn.example', from: 'set' })).toBe('https://cdn.example/i/shows/clip%20360p.mp4/');
  });
});

describe('variant facts from a movie and its plan', () => {
  const video = videoTrack({ frames: 250, gop: 25, timescale: 30000, frameDuration: 1001 });
  const audio = audioTrack({ frames: 470 });
  const movie = movieOf({ video, audio });
  const segments = [0, 1, 2, 3, 4].map((k) => ({
    durationSec: (50 * 1001) / 30000,
    video: { firstSample: k * 50, lastSample: k * 50 + 49 },
    audio: { firstSample: k * 94, lastSample: k * 94 + 93 },
  }));

  it('takes the frame rate from the median sample duration, printed with 3 decimals', () => {
    expect(frameRateOf(video).toFixed(3)).toBe('29.970');
  });

  it('derives bandwidths from the modelled segment sizes and lists codecs video first', () => {
    const result = variantFacts(movie, segments);
    const sizes = segments.map((s) => segmentSizeBytes(movie, s));
    expect(result.averageBandwidthBps).toBe(Math.ceil((sizes.reduce((a, b) => a + b) * 8) / segments.reduce((a, s) => a + s.durationSec, 0)));
    expect(result.bandwidthBps).toBe(Math.ceil(Math.max(...sizes.map((b, k) => (b * 8) / segments[k].durationSec))));
    expect(result.codecs).toBe('avc1.64001f,mp4a.40.2');
    expect(result.resolution).toEqual({ width: 320, height: 240 });
    expect(result.iframe?.codecs).toBe('avc1.64001f');
  });

  it('describes an audio-only rendition by its audio codec alone', () => {
    const result = variantFacts(movieOf({ audio }), [{ durationSec: 10, audio: { firstSample: 0, lastSample: 469 } }]);
    expect(result).toMatchObject({ codecs: 'mp4a.40.2' });
    expect(result.resolution).toBeUndefined();
    expect(result.frameRate).toBeUndefined();
    expect(result.iframe).toBeUndefined();
  });

  it('states the media bit rate without container overhead', () => {
    const result = variantFacts(movie, segments);
    const totalSec = segments.reduce((a, s) => a + s.durationSec, 0);
    expect(result.mediaBps).toBe(Math.round(((250 * 100 + 470 * 20) * 8) / totalSec));
    expect(result.mediaBps).toBeLessThan(result.averageBandwidthBps);
  });
});
