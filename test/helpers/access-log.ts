// Writes access logs exactly as nginx writes them with `log_format casterpak escape=json`, fast, for big backlogs.

import { openSync, writeSync, closeSync } from 'node:fs';

export interface LogSpec {
  /** Lines to write. */
  lines: number;
  /** Cache paths the requests name (`i/a.mp4/segment1_0_av.ts`); request k names paths[k % paths.length]. */
  paths: readonly string[];
  /** `$msec` of the first line; each line is 1 ms later. */
  startMs: number;
  /** Every `every`-th line is a 404 (ignored by the tailer, counted nowhere). 0 = none. */
  notFoundEvery?: number;
}

/** One line in nginx's field order; every value a JSON string, as nginx writes them. */
export function accessLine(cachePath: string, msecMs: number, status = '200'): string {
  const uri = `/${cachePath}`;
  const msec = (msecMs / 1000).toFixed(3);
  return `{"msec":"${msec}","status":"${status}","method":"GET","request_uri":"${uri}","uri":"${uri}","body_bytes_sent":"752","bytes_sent":"1042","request_time":"0.000","upstream_addr":""}\n`;
}

/** Appends the lines to `file`; returns the hits each path should end up with. */
export function writeAccessLog(file: string, spec: LogSpec): Map<string, number> {
  const expected = new Map<string, number>();
  const fd = openSync(file, 'a');
  try {
    let chunk: string[] = [];
    for (let k = 0; k < spec.lines; k += 1) {
      const cachePath = spec.paths[k % spec.paths.length];
      const notFound = spec.notFoundEvery ? k % spec.notFoundEvery === spec.notFoundEvery - 1 : false;
      chunk.push(accessLine(cachePath, spec.startMs + k, notFound ? '404' : '200'));
      if (!notFound) expected.set(cachePath, (expected.get(cachePath) ?? 0) + 1);
      if (chunk.length === 10_000) {
        writeSync(fd, chunk.join(''));
        chunk = [];
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk.join(''));
  } finally {
    closeSync(fd);
  }
  return expected;
}
