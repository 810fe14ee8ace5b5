// Mutated and truncated MP4s through the reader and the planner: every outcome is a plan or a CasterpakError.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCasterpakError } from '../../daemon/errors.js';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { classifyCutCandidates } from '../../daemon/packagers/builtin/idr-probe.js';
import { planSegments } from '../../daemon/plan/segment-plan.js';
import { newIdrMarks } from '../../daemon/plan/types.js';
import { makeClip } from '../helpers/clip.js';
import { buildFragmented, evenFragments } from '../helpers/fragment-builder.js';
import { mutate, seededRandom } from '../helpers/fuzz.js';
import { moovLast } from '../helpers/media.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { avc1Entry, buildMovie, hvc1Entry, simpleAudio, simpleVideo } from '../helpers/mp4-builder.js';

/** A few thousand cases keep a CI run to seconds; CASTERPAK_FUZZ_CASES=200000 runs longer on demand. */
const CASES = Number(process.env.CASTERPAK_FUZZ_CASES ?? 3000);
const SEED = Number(process.env.CASTERPAK_FUZZ_SEED ?? 1);
/** Far above any case's real time (about a millisecond): only a hang or a runaway loop reaches it. */
const CASE_DEADLINE_MS = 2_000;
/** Far above what any mutated input of these sizes may allocate once the limits hold. */
const MAX_RSS_GROWTH_BYTES = 512 * 1024 * 1024;
const SEGMENT_SEC = 2;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-fuzz-'));
const seeds: Array<{ name: string; bytes: Uint8Array }> = [];

beforeAll(async () => {
  const clip = makeClip(path.join(scratch, 'clip.mp4'), { durationSec: 3, size: '160x90', gopFrames: 25 });
  const atEnd = path.join(scratch, 'clip-moov-last.mp4');
  await moovLast(clip, atEnd);
  const video = simpleVideo({ frames: 60, gop: 12 });
  const fragmented = (movflags: string) => {
    const out = path.join(scratch, `clip${movflags}.mp4`);
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', clip, '-c', 'copy', '-movflags', movflags, out]);
    return readFileSync(out);
  };
  const fragTracks = [simpleVideo({ frames: 36, gop: 12 }), simpleAudio({ frames: 45 })];
  const allFields = { duration: true, size: true, flags: true, compositionOffset: true };
  /** Open GOP: x264's recovery point SEIs, x265's CRA pictures; the classifier reads their NAL units. */
  const encoded = (name: string, ...args: string[]) => {
    const out = path.join(scratch, name);
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=2', ...args, out]);
    return readFileSync(out);
  };
  const cut = path.join(scratch, 'clip-cut.mp4');
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-ss', '1.3', '-i', clip, '-t', '1.2', '-c', 'copy', cut]);
  seeds.push(
    { name: 'ffmpeg fragmented with a sidx per fragment (dash)', bytes: fragmented('+dash') },
    { name: 'ffmpeg fragmented, samples in the moov and in moofs', bytes: fragmented('+frag_keyframe') },
    { name: 'ffmpeg stream-copy cut (edit list with a start and an end)', bytes: readFileSync(cut) },
    { name: 'x264 open GOP (recovery points)', bytes: encoded('x264-open.mp4', '-c:v', 'libx264', '-preset', 'ultrafast', '-x264-params', 'open-gop=1:keyint=12:min-keyint=12:scenecut=0:bframes=2') },
    { name: 'x265 open GOP (CRA pictures)', bytes: encoded('x265-open.mp4', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=12:min-keyint=12:scenecut=0:open-gop=1:bframes=2:log-level=none', '-tag:v', 'hvc1') },
  );
  seeds.push(
    { name: 'ffmpeg fragmented (empty_moov)', bytes: fragmented('+frag_keyframe+empty_moov') },
    { name: 'ffmpeg fragmented (default_base_moof, separate_moof)', bytes: fragmented('+frag_keyframe+empty_moov+default_base_moof+separate_moof') },
    { name: 'built fragments, every trun field', bytes: buildFragmented({ tracks: fragTracks, fragments: evenFragments(fragTracks, [12, 15]), fields: allFields }) },
    { name: 'built fragments, implicit bases and tfhd defaults', bytes: buildFragmented({ tracks: [fragTracks[1]], fragments: evenFragments([fragTracks[1]], [10]), fields: {}, base: 'implicit', runsPerTraf: 2 }) },
  );
  seeds.push(
    { name: 'ffmpeg faststart', bytes: readFileSync(clip) },
    { name: 'ffmpeg moov last', bytes: readFileSync(atEnd) },
    { name: 'built video+audio', bytes: buildMovie({ tracks: [video, simpleAudio({ frames: 40 })] }) },
    { name: 'built moov at end', bytes: buildMovie({ tracks: [video, simpleAudio({ frames: 40 })], moovAtEnd: true }) },
    { name: 'built hevc', bytes: buildMovie({ tracks: [{ ...video, sampleEntry: hvc1Entry() }] }) },
    { name: 'built audio only', bytes: buildMovie({ tracks: [simpleAudio({ frames: 90 })] }) },
    { name: 'built avc3-less avc1 with edits', bytes: buildMovie({ tracks: [{ ...simpleVideo({ frames: 30, gop: 10, edits: [{ segmentDuration: 500, mediaTime: -1 }, { segmentDuration: 1000, mediaTime: 1024 }] }), sampleEntry: avc1Entry(64, 48) }] }) },
  );
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Reader, IDR classification and planner, as the builtin packager runs them. */
async function readAndPlan(bytes: Uint8Array): Promise<void> {
  const reader = new MemoryReader(bytes);
  const movie = await readMovie(reader, { segmentDurationSec: SEGMENT_SEC });
  const marks = newIdrMarks(movie.video?.samples.count ?? 0);
  if (movie.video) await classifyCutCandidates(reader, movie.video, SEGMENT_SEC, marks);
  planSegments(movie, { segmentDurationSec: SEGMENT_SEC }, marks);
}

describe('the MP4 fuzzer', () => {
  it('plans every seed file unmutated', async () => {
    for (const seed of seeds) await expect(readAndPlan(seed.bytes), seed.name).resolves.toBeUndefined();
  });

  it(
    `turns ${CASES} mutated and truncated files (seed ${SEED}) into plans or CasterpakErrors, each within bounded time and memory`,
    async () => {
      const failures: string[] = [];
      const outcomes = new Map<string, number>();
      const rssBefore = process.memoryUsage().rss;
      let peakRss = rssBefore;
      let slowestMs = 0;
      for (let n = 0; n < CASES; n++) {
        const random = seededRandom(SEED * 1_000_003 + n);
        const seed = seeds[Math.floor(random() * seeds.length)];
        const { bytes, description } = mutate(seed.bytes, random);
        const started = performance.now();
        let outcome = 'plan';
        try {
          await readAndPlan(bytes);
        } catch (err) {
          if (isCasterpakError(err)) outcome = err.code;
          else failures.push(`case ${n} (${seed.name}: ${description}): ${(err as Error).stack?.split('\n').slice(0, 3).join(' ')}`);
        }
        const ms = performance.now() - started;
        slowestMs = Math.max(slowestMs, ms);
        if (ms > CASE_DEADLINE_MS) failures.push(`case ${n} (${seed.name}: ${description}) took ${ms.toFixed(0)} ms`);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (n % 64 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      expect(failures.slice(0, 10)).toEqual([]);
      expect(peakRss - rssBefore).toBeLessThan(MAX_RSS_GROWTH_BYTES);
      // The mutations reach past the first checks: some files still plan, and several kinds of refusal occur.
      expect(outcomes.get('plan') ?? 0).toBeGreaterThan(0);
      expect(outcomes.size).toBeGreaterThan(4);
      console.log(`fuzz: ${CASES} cases, slowest ${slowestMs.toFixed(1)} ms, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    },
    CASES * 50 + 60_000,
  );
});
