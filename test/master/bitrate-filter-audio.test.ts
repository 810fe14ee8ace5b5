// The b= filter on a rendition set with an audio-only rendition: a list keeps what its terms match and
// nothing more (Akamai also keeps the lowest audio-only rendition; CasterPak does not).

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAudioClip, makeClip } from '../helpers/clip.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { parseMaster, type ParsedMaster } from '../helpers/m3u8.js';

const SET = '/i/show_,low.mp4,high.mp4,audio.m4a,.csmil/master.m3u8';
const AUDIO_ONLY = '../show_audio.m4a/index_0_av.m3u8';

function withSet(packager: 'builtin' | 'ffmpeg'): InProcessDaemon {
  const daemon = inProcessDaemon({ packager, segment_duration: 2 });
  makeClip(path.join(daemon.mediaRoot, 'show_low.mp4'), { durationSec: 4, size: '320x180' });
  makeClip(path.join(daemon.mediaRoot, 'show_high.mp4'), { durationSec: 4, size: '1280x720' });
  makeAudioClip(path.join(daemon.mediaRoot, 'show_audio.m4a'), 4);
  return daemon;
}

async function master(daemon: InProcessDaemon, url: string): Promise<{ text: string; parsed: ParsedMaster }> {
  const res = await daemon.request(url);
  const text = await res.text();
  expect(res.status, `${url}: ${text}`).toBe(200);
  return { text, parsed: parseMaster(text) };
}

/** A list of two terms that matches both video renditions and not the audio-only one: the low one's rate, and a range above it. */
function videoOnlyList(full: ParsedMaster, lowUri: string, highUri: string): string {
  const kbps = (uri: string) => Number(full.variants.find((v) => v.uri === uri)!.attributes['AVERAGE-BANDWIDTH']) / 1000;
  return `${Math.round(kbps(lowUri))},${Math.round((kbps(lowUri) + kbps(highUri)) / 2)}-`;
}

describe('a b= list on a set with an audio-only rendition', () => {
  const daemons: InProcessDaemon[] = [];
  let ffmpeg: InProcessDaemon;
  let builtin: InProcessDaemon;

  beforeAll(() => {
    ffmpeg = withSet('ffmpeg');
    builtin = withSet('builtin');
    daemons.push(ffmpeg, builtin);
  });
  afterAll(() => daemons.forEach((d) => d.store.close()));

  it('drops the audio-only variant, the lowest rendition, when no term matches it', async () => {
    // With ffmpeg every rendition of a set is a variant of its own, the audio-only one included.
    const full = (await master(ffmpeg, SET)).parsed;
    const rates = full.variants.map((v) => Number(v.attributes.BANDWIDTH));
    expect(full.variants.map((v) => v.uri)).toEqual([AUDIO_ONLY, '../show_low.mp4/index_0_av.m3u8', '../show_high.mp4/index_0_av.m3u8']);
    expect(Math.min(...rates)).toBe(rates[0]);
    const list = videoOnlyList(full, '../show_low.mp4/index_0_av.m3u8', '../show_high.mp4/index_0_av.m3u8');

    const filtered = await master(ffmpeg, `${SET}?b=${list}`);
    expect(filtered.parsed.variants.map((v) => v.uri)).toEqual(['../show_low.mp4/index_0_av.m3u8', '../show_high.mp4/index_0_av.m3u8']);
    expect(filtered.text).not.toContain('show_audio.m4a');
    // It stays when a term matches it.
    const withAudio = await master(ffmpeg, `${SET}?b=1,${list}`);
    expect(withAudio.parsed.variants.map((v) => v.uri)).toEqual(full.variants.map((v) => v.uri));
  });

  it('with the builtin packager, keeps it only as the audio group of the variants kept, never as a variant', async () => {
    const full = (await master(builtin, SET)).parsed;
    expect(full.variants.map((v) => v.uri)).toEqual(['../show_low.mp4/index_0_v.m3u8', '../show_high.mp4/index_0_v.m3u8']);
    const list = videoOnlyList(full, '../show_low.mp4/index_0_v.m3u8', '../show_high.mp4/index_0_v.m3u8');

    const filtered = await master(builtin, `${SET}?b=${list}`);
    expect(filtered.parsed.variants.map((v) => v.uri)).toEqual(['../show_low.mp4/index_0_v.m3u8', '../show_high.mp4/index_0_v.m3u8']);
    expect(filtered.parsed.variants.every((v) => v.attributes.AUDIO === 'audio')).toBe(true);
    const audioLines = filtered.text.split('\n').filter((l) => l.includes('show_audio.m4a'));
    expect(audioLines).toEqual([expect.stringMatching(/^#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",.*URI="\.\.\/show_audio\.m4a\/index_0_av\.m3u8"$/)]);
  });
});
