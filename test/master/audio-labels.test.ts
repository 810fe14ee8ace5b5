import { describe, expect, it } from 'vitest';
import { audioLabels, audioMediaLine } from '../../daemon/master/audio-labels.js';
import type { AudioTrack } from '../../daemon/mp4/types.js';

function track(labels: { language?: string; title?: string }, channelCount = 2): AudioTrack {
  return { ...labels, channelCount } as unknown as AudioTrack;
}

describe('audio labels', () => {
  it('names a track by its title, else by its language in that language, else by its place', () => {
    const labels = audioLabels([
      { track: track({ language: 'en', title: 'Director "cut"' }), isDefault: true },
      { track: track({ language: 'fr' }), isDefault: false },
      { track: track({}), isDefault: false, nameLanguage: 'de' },
      { track: track({}, 6), isDefault: false },
    ]);
    expect(labels).toEqual([
      { language: 'en', name: "Director 'cut'", isDefault: true, channels: 2 },
      { language: 'fr', name: 'français', isDefault: false, channels: 2 },
      { language: 'de', name: 'Deutsch', isDefault: false, channels: 2 },
      { name: 'Audio 4', isDefault: false, channels: 6 },
    ]);
  });

  it('keeps NAME unique within a group', () => {
    const names = audioLabels([0, 1, 2].map(() => ({ track: track({ language: 'en' }), isDefault: false }))).map((l) => l.name);
    expect(names).toEqual(['English', 'English (2)', 'English (3)']);
  });

  it('writes an EXT-X-MEDIA line with LANGUAGE only when known', () => {
    expect(audioMediaLine('audio', { language: 'pt-BR', name: 'português (Brasil)', isDefault: true, channels: 2 }, 'index_1_a.m3u8')).toBe(
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="pt-BR",NAME="português (Brasil)",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="index_1_a.m3u8"',
    );
    expect(audioMediaLine('audio-2', { name: 'Audio 1', isDefault: false, channels: 1 }, 'a.m3u8')).toBe(
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio-2",NAME="Audio 1",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="1",URI="a.m3u8"',
    );
  });
});
