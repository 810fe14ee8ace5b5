// How an audio rendition is announced: LANGUAGE, NAME, DEFAULT and CHANNELS of an EXT-X-MEDIA tag, or a DASH AdaptationSet's lang and Role (pure).

import type { AudioTrack } from '../mp4/types.js';

export interface AudioLabel {
  /** BCP 47 tag (`en`, `pt-BR`), absent when neither the track nor its file name says. */
  readonly language?: string;
  /** Unique within its group (RFC 8216 §4.3.4.1: NAME identifies a Rendition of a group). */
  readonly name: string;
  /** The track the source marks enabled (see track-choice.ts), or the first: DEFAULT=YES, DASH Role main. */
  readonly isDefault: boolean;
  readonly channels: number;
}

/** An audio track of a group, with what the label is made from. */
export interface LabelInput {
  readonly track: AudioTrack;
  readonly isDefault: boolean;
  /** The language a csmil entry's name gives (`clip_audio_en.m4a`), used when the track says none. */
  readonly nameLanguage?: string;
}

/**
 * The language's name in that language ("English", "français", "Deutsch"): RFC 8216 §4.3.4.1 asks that
 * NAME be written in the Rendition's LANGUAGE. Undefined when Intl knows no name for the tag.
 */
export function languageName(language: string): string | undefined {
  try {
    const name = new Intl.DisplayNames([language], { type: 'language', fallback: 'none' }).of(language);
    return name && name !== language ? name : undefined;
  } catch {
    return undefined;
  }
}

/** A quoted-string attribute value cannot hold a double quote, CR or LF (RFC 8216 §4.2). */
function attributeSafe(text: string): string {
  return text.replace(/["\r\n]/g, "'");
}

/**
 * The labels of one group's tracks, in the order given: NAME is the track's own name, else the name of its
 * language, else `Audio <k>`; a NAME met twice gets ` (2)`, ` (3)` added so every NAME stays unique.
 */
export function audioLabels(inputs: readonly LabelInput[]): AudioLabel[] {
  const seen = new Map<string, number>();
  return inputs.map((input, index) => {
    const language = input.track.language ?? input.nameLanguage;
    const base = attributeSafe(input.track.title ?? (language ? languageName(language) : undefined) ?? `Audio ${index + 1}`);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const name = count === 1 ? base : `${base} (${count})`;
    return { ...(language ? { language } : {}), name, isDefault: input.isDefault, channels: input.track.channelCount };
  });
}

/** `#EXT-X-MEDIA:TYPE=AUDIO` (RFC 8216 §4.3.4.1): every rendition AUTOSELECT, so a player may pick one by its language. */
export function audioMediaLine(groupId: string, label: AudioLabel, uri: string): string {
  const attributes = [`TYPE=AUDIO`, `GROUP-ID="${groupId}"`];
  if (label.language) attributes.push(`LANGUAGE="${label.language}"`);
  attributes.push(`NAME="${label.name}"`, `DEFAULT=${label.isDefault ? 'YES' : 'NO'}`, 'AUTOSELECT=YES', `CHANNELS="${label.channels}"`, `URI="${uri}"`);
  return `#EXT-X-MEDIA:${attributes.join(',')}`;
}
