// Test media whose every picture shows its own frame number as big black and white blocks, and the reader of that number.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bits of the frame number, least significant on the left, one block each. */
export const CODE_BITS = 10;
/** Side of a block in pixels: coarse enough that compression never flips one. */
export const BLOCK_PX = 32;
export const CODE_WIDTH_PX = CODE_BITS * BLOCK_PX;
export const CODE_HEIGHT_PX = BLOCK_PX * 2;

/**
 * The lavfi input of a source whose frame N shows N in binary: block b is white when bit b of N is
 * set (luma 235), black otherwise (luma 16), grey chroma. Frame N is presented at N / fps.
 */
export function frameCodeInput(fps: number, durationSec: number): string[] {
  const bit = `mod(floor(N/pow(2\\,floor(X/${BLOCK_PX})))\\,2)`;
  return ['-f', 'lavfi', '-i', `color=c=black:size=${CODE_WIDTH_PX}x${CODE_HEIGHT_PX}:rate=${fps}:duration=${durationSec},format=yuv420p,geq=lum='16+219*${bit}':cb=128:cr=128`];
}

/** The number a row of block-centre brightnesses (0–255) spells. */
export function frameNumberOf(brightness: readonly number[]): number {
  return brightness.reduce((n, value, b) => n + (value > 128 ? 2 ** b : 0), 0);
}

/** Frame numbers of the first `count` pictures ffmpeg presents from `file` (its edit list honoured), in order. */
export async function firstPresentedFrames(file: string, count: number): Promise<number[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const frameBytes = CODE_WIDTH_PX * CODE_HEIGHT_PX;
  const numbers: number[] = [];
  for (let at = 0; at + frameBytes <= stdout.length; at += frameBytes) {
    const row = at + (BLOCK_PX / 2) * CODE_WIDTH_PX;
    numbers.push(frameNumberOf(Array.from({ length: CODE_BITS }, (_, b) => stdout[row + b * BLOCK_PX + BLOCK_PX / 2])));
  }
  return numbers;
}
