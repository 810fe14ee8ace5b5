// The language a rendition's file name gives its audio: the last token of `clip_audio_en.m4a`, `clip-fr.m4a` (pure).

/**
 * `clip_audio_en.m4a` → `en`, `show.deu.m4a` → `de`: the last `_`, `-` or `.` separated token before the
 * extension, when it is a two- or three-letter ISO 639 code that Intl knows a name for (so `720p`, `hd`
 * or `aac` are not taken for languages). Undefined otherwise.
 */
export function languageOfFileName(fileName: string): string | undefined {
  const stem = fileName.replace(/\.[^.]*$/, '');
  const token = stem.split(/[_.-]/).pop() ?? '';
  if (!/^[a-z]{2,3}$/i.test(token) || /^(und|mul|zxx|mis)$/i.test(token)) return undefined;
  try {
    const tag = Intl.getCanonicalLocales(token.toLowerCase())[0];
    const name = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(tag);
    return name && name !== tag ? tag : undefined;
  } catch {
    return undefined;
  }
}
