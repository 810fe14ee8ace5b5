// The MP4 reader's entry point: find and read the moov through a RangeReader, then parse it into a Movie.

import { readMoovBox } from './locate-moov.js';
import { parseMovie } from './movie.js';
import type { Movie, RangeReader } from './types.js';

export async function readMovie(reader: RangeReader): Promise<Movie> {
  const moov = await readMoovBox(reader);
  return parseMovie(moov, reader.sizeBytes);
}
