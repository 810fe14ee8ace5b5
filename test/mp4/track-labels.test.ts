import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { makeMultiAudioClip } from '../helpers/multi-audio.js';

const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audio track labels', () => {
  it('reads each track language from mdhd and its title from udta/name, the default track first', async () => {
    const file = makeMultiAudioClip(path.join(dir, 'titled.mp4'), [
      { language: 'eng', toneHz: 300 },
      { language: 'fra', toneHz: 600, title: 'Français (commentaire)' },
      { language: 'und', toneHz: 900 },
    ], 2);
    const movie = await readMovie(new MemoryReader(readFileSync(file)));
    expect(movie.audioTracks?.map((t) => [t.language, t.title])).toEqual([['en', undefined], ['fr', 'Français (commentaire)'], [undefined, undefined]]);
    expect(movie.audio).toBe(movie.audioTracks?.[0]);
  });

  it('takes a meaningful hdlr name as the title, not a tool\'s generic one', async () => {
    const source = makeMultiAudioClip(path.join(dir, 'plain.mp4'), [{ language: 'eng', toneHz: 300 }, { language: 'spa', toneHz: 600 }], 2);
    const named = path.join(dir, 'named.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-map', '0', '-c', 'copy', '-metadata:s:a:1', 'handler_name=Español latino', named]);
    const movie = await readMovie(new MemoryReader(readFileSync(named)));
    expect(movie.audioTracks?.map((t) => [t.language, t.title])).toEqual([['en', undefined], ['es', 'Español latino']]);
  });
});
