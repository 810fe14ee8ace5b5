// CMAF requests get the route labels of their MPEG-TS counterparts: manifests are playlists, init and media segments are segments.

import { describe, expect, it } from 'vitest';
import { routeLabel } from '../../daemon/metrics/route-label.js';

describe('route labels of CMAF requests', () => {
  it('labels HLS playlists and DASH MPDs as playlists, fMP4 segments as segments, and a bare rendition path as other media', () => {
    expect(routeLabel('/i/clip.mp4/cmaf/master.m3u8', '/i/')).toBe('playlist');
    expect(routeLabel('/i/clip.mp4/cmaf/manifest.mpd', '/i/')).toBe('playlist');
    expect(routeLabel('/i/clip.mp4/cmaf/video_init.mp4', '/i/')).toBe('segment');
    expect(routeLabel('/i/clip.mp4/cmaf/audio_12.m4s', '/i/')).toBe('segment');
    expect(routeLabel('/i/clip.mp4', '/i/')).toBe('media_other');
  });
});
