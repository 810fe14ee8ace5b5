// The `ffmpeg` packager: `ffmpeg -c copy -f hls`, the whole rendition at once.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../errors.js';
import { segmentFileName, segmentFileTemplate } from '../layout/rendition-files.js';
import type { SourceFile } from '../source/resolve.js';
import { checkToolSegments, parseToolPlaylist } from './hls-output.js';
import type { PackagerOptions, RenditionPackager, SegmentList } from './packager.js';
import type { OpenSource } from '../source/source.js';
import { TOOL_INPUT_PATH, firstLine, runTool, type ToolResult } from './run-tool.js';

/** stderr phrases with which ffmpeg says the input, not ffmpeg, is at fault (→ 422, not 502). */
const INPUT_FAULTS: Array<[RegExp, string]> = [
  [/moov atom not found/i, 'no moov box: not a complete MP4'],
  [/Invalid data found when processing input/i, 'not a readable MP4'],
  [/could not find (codec parameters|corresponding)/i, 'no decodable stream'],
  [/Could not write header|codec not currently supported in container|not supported by the muxer/i, 'a codec that cannot be carried in MPEG-TS'],
  [/Output file (#0 )?does not contain any stream|does not contain any stream/i, 'no audio or video stream'],
];

export function classifyFfmpegFailure(result: ToolResult, src: SourceFile): CasterpakError {
  const lastLine = firstLine(result.stderr.split('\n').reverse().join('\n')) ?? `exit code ${result.exitCode}`;
  for (const [pattern, reason] of INPUT_FAULTS) {
    if (pattern.test(result.stderr)) {
      return new CasterpakError('MP4_BAD_BOX', `${src.relPath}: ${reason}`, { tool: 'ffmpeg', stderr: lastLine });
    }
  }
  return new CasterpakError('PACKAGER_FAILED', `ffmpeg failed: ${lastLine}`, { exitCode: result.exitCode, signal: result.signal });
}

export function createFfmpegPackager(options: PackagerOptions & { ffmpegPath: string }): RenditionPackager {
  const tool = options.ffmpegPath;
  return {
    name: 'ffmpeg',
    granularity: 'rendition',

    async probe() {
      const result = await runTool(tool, ['-hide_banner', '-version']);
      const version = firstLine(result.stdout, /version/i);
      if (result.exitCode !== 0 || !version) {
        throw new CasterpakError('PACKAGER_UNAVAILABLE', `${tool} -version failed`, { exitCode: result.exitCode });
      }
      return version;
    },

    async packageRendition(src: OpenSource, outDir: string, signal: AbortSignal): Promise<SegmentList> {
      const playlist = path.join(outDir, 'ffmpeg.m3u8');
      const args = [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        // The opened source, not its name: the file checked at open time is the one packaged.
        '-i', TOOL_INPUT_PATH,
        // One video and one audio track, as every CasterPak packager; `?` keeps audio-only and video-only working.
        '-map', '0:v:0?', '-map', '0:a:0?',
        '-c', 'copy', '-sn', '-dn',
        '-f', 'hls',
        '-hls_time', String(options.segmentDurationSec),
        '-hls_playlist_type', 'vod',
        '-hls_list_size', '0',
        '-start_number', '1',
        '-hls_segment_filename', path.join(outDir, segmentFileTemplate('%d')),
        playlist,
      ];
      const result = await runTool(tool, args, signal, await src.wholeFileFd(outDir, signal));
      if (result.exitCode !== 0) throw classifyFfmpegFailure(result, src);
      const segments = parseToolPlaylist(await fs.readFile(playlist, 'utf8'), 'ffmpeg');
      checkToolSegments(segments, 'ffmpeg');
      segments.forEach((segment, index) => {
        if (segment.uri !== segmentFileName(index + 1)) {
          throw new CasterpakError('PACKAGER_FAILED', `ffmpeg named segment ${index + 1} ${segment.uri}`, {});
        }
      });
      await fs.rm(playlist);
      return { durationsSec: segments.map((s) => s.durationSec) };
    },
  };
}
