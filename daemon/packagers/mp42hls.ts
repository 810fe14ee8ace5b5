// The `mp42hls` packager (Bento4): whole rendition; its 0-based `segment-%d.ts` is renamed to the 1-based URL contract.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../errors.js';
import { segmentFileName } from '../layout/rendition-files.js';
import { checkToolSegments, parseToolPlaylist } from './hls-output.js';
import type { PackagerOptions, RenditionPackager, SegmentList } from './packager.js';
import type { OpenSource } from '../source/source.js';
import { TOOL_INPUT_PATH, firstLine, runTool } from './run-tool.js';

const TOOL_INDEX = 'mp42hls.m3u8';
const TOOL_SEGMENT_TEMPLATE = 'mp42hls-segment-%d.ts';
/** mp42hls numbers segments from 0. */
const toolSegmentName = (index0: number) => TOOL_SEGMENT_TEMPLATE.replace('%d', String(index0));

export function createMp42hlsPackager(options: PackagerOptions & { mp42hlsPath: string }): RenditionPackager {
  const tool = options.mp42hlsPath;
  return {
    name: 'mp42hls',
    granularity: 'rendition',

    async probe() {
      // mp42hls has no --version: without arguments it prints its banner (with the version) and usage.
      const result = await runTool(tool, []);
      const version = firstLine(`${result.stdout}\n${result.stderr}`, /version/i);
      if (!version) throw new CasterpakError('PACKAGER_UNAVAILABLE', `${tool} did not print a version banner`, {});
      return version;
    },

    async packageRendition(src: OpenSource, outDir: string, signal: AbortSignal): Promise<SegmentList> {
      const args = [
        '--segment-duration', String(Math.round(options.segmentDurationSec)),
        '--index-filename', path.join(outDir, TOOL_INDEX),
        '--segment-filename-template', path.join(outDir, TOOL_SEGMENT_TEMPLATE),
        '--segment-url-template', TOOL_SEGMENT_TEMPLATE,
        // The opened source, not its name: the file checked at open time is the one packaged.
        TOOL_INPUT_PATH,
      ];
      const result = await runTool(tool, args, signal, await src.wholeFileFd(outDir, signal));
      if (result.exitCode !== 0) {
        const reason = firstLine(result.stderr) ?? firstLine(result.stdout) ?? `exit code ${result.exitCode}`;
        throw new CasterpakError('PACKAGER_FAILED', `mp42hls failed: ${reason}`, { exitCode: result.exitCode, signal: result.signal });
      }
      const segments = parseToolPlaylist(await fs.readFile(path.join(outDir, TOOL_INDEX), 'utf8'), 'mp42hls');
      checkToolSegments(segments, 'mp42hls');
      for (const [index0, segment] of segments.entries()) {
        if (segment.uri !== toolSegmentName(index0)) {
          throw new CasterpakError('PACKAGER_FAILED', `mp42hls named segment ${index0} ${segment.uri}`, {});
        }
        await fs.rename(path.join(outDir, segment.uri), path.join(outDir, segmentFileName(index0 + 1)));
      }
      await fs.rm(path.join(outDir, TOOL_INDEX));
      // EXTINF only: mp42hls truncates TARGETDURATION (RFC 8216 §4.3.3.1); the daemon writes its own playlist.
      return { durationsSec: segments.map((s) => s.durationSec) };
    },
  };
}
