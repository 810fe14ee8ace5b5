// Which files below media_root are renditions CasterPak packages, by their extension (pure).

/** Renditions CasterPak packages; anything else under the prefix is a 404. */
export const SOURCE_EXTENSIONS = ['.mp4', '.m4v', '.m4a', '.mov'] as const;

export function hasSourceExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return SOURCE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}
