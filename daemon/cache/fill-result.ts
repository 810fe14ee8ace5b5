// What every filler (media files, masters, I-frame playlists) answers: the file in the cache and whether it was just made.

export interface FillResult {
  readonly cachePath: string;
  readonly absPath: string;
  readonly contentType: string;
  /** True when this request (or one it waited for) packaged the file; false when it was already there. */
  readonly generated: boolean;
  /** The answer itself when it is not cached (a master naming a missing rendition): nothing is at absPath. */
  readonly uncachedText?: string;
}
