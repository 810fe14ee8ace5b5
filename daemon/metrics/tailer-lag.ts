// The tailer lag's source type under its former path; the lag itself lives in status/tailer-lag.ts.

export type { TailerLagSource } from '../status/tailer-lag.js';
