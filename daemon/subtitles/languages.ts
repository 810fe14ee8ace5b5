// Language tags of subtitle tracks: canonical BCP 47 (RFC 5646) from a side file's name or an MP4's ISO 639-2 code, and their names (pure).

/** ISO 639-2 "undetermined": a track that says no language. */
export const UNDETERMINED = 'und';

const displayNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * `pt-br` → `pt-BR`, `eng` → `en`, `ger` → `de`: the canonical tag (ECMA-402 canonicalisation, which
 * also maps ISO 639-2 codes to the shortest ISO 639 code, as RFC 5646 §2.2.1 asks). Undefined for a
 * tag that is not well-formed, and for `und`.
 */
export function canonicalLanguage(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical === undefined || canonical === UNDETERMINED ? undefined : canonical;
  } catch {
    return undefined;
  }
}

/** The language's English name (`English`, `Brazilian Portuguese`), or the tag itself when there is none. */
export function languageName(tag: string): string {
  try {
    return displayNames.of(tag) ?? tag;
  } catch {
    return tag;
  }
}
