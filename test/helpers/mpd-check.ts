// A DASH MPD parsed by Chromium's XML parser and checked against what ISO/IEC 23009-1's schema says of the elements we write.
//
// No DASH MPD schema (XSD) ships in a Debian or npm package here, so instead of `xmllint --schema` the
// MPD is parsed by a real, namespace-aware XML parser (the page's DOMParser, application/xml: a
// malformed document yields a <parsererror>), and its tree is checked against the schema's rules for
// every element and attribute this MPD may hold, transcribed from DASH-MPD.xsd (MPDtype, PeriodType,
// AdaptationSetType, RepresentationBaseType, RepresentationType, SegmentTemplateType and its bases,
// SegmentTimelineType, DescriptorType, LabelType): the namespace; each element only where the schema
// allows it, in the schema's order and no more often than it allows; each attribute one the type
// declares (the schema lets only other namespaces add their own), of its simple type (xs:unsignedInt
// within 32 bits, xs:duration, FrameRateType, SAPType, RFC6838ContentTypeType, ...); required
// attributes present. What the schema leaves to the prose (a SegmentTimeline whose numbers name
// segments that exist) is checked by timelineSegments below and by fetching them.

import type { Browser } from 'playwright-core';

export interface XmlNode {
  readonly name: string;
  readonly ns: string | null;
  readonly attrs: Record<string, string>;
  readonly children: XmlNode[];
  /** The text inside an element without child elements (a `Label`); empty otherwise. */
  readonly text: string;
}

/** Parses `text` in a blank page; throws with the parser's message when it is not well-formed XML. */
export async function parseXmlInBrowser(browser: Browser, text: string): Promise<XmlNode> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate((source) => {
      const doc = new DOMParser().parseFromString(source, 'application/xml');
      const error = doc.getElementsByTagName('parsererror')[0];
      if (error) throw new Error(`not well-formed: ${error.textContent}`);
      const walk = (el: Element): XmlNode => ({
        name: el.localName,
        ns: el.namespaceURI,
        attrs: Object.fromEntries(Array.from(el.attributes).map((a) => [a.name, a.value])),
        children: Array.from(el.children).map(walk),
        text: el.children.length === 0 ? (el.textContent ?? '') : '',
      });
      return walk(doc.documentElement);
    }, text);
  } finally {
    await context.close();
  }
}

const MPD_NS = 'urn:mpeg:dash:schema:mpd:2011';

/** The XML Schema simple types (and the schema's own) of the attributes below, as checks on the text. */
type SimpleType = (value: string) => boolean;
const pattern = (re: RegExp): SimpleType => (value) => re.test(value);
const bounded = (max: bigint): SimpleType => (value) => /^\+?\d+$/.test(value) && BigInt(value) <= max;
const UINT: SimpleType = bounded(0xffff_ffffn);
const ULONG: SimpleType = bounded(0xffff_ffff_ffff_ffffn);
const INTEGER = pattern(/^[+-]?\d+$/);
const STRING: SimpleType = () => true;
const ANY_URI = pattern(/^[^\s]*$/);
const DURATION = pattern(/^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/);
const LANGUAGE = pattern(/^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/);
const BOOLEAN = pattern(/^(true|false|1|0)$/);
const FRAME_RATE = pattern(/^[0-9]+(\/[1-9][0-9]*)?$/);
const RATIO = pattern(/^[0-9]*:[0-9]*$/);
const SAP: SimpleType = (value) => UINT(value) && Number(value) <= 6;
const CONTENT_TYPE = pattern(/^(text|image|audio|video|application|font)$/);
const NO_WHITESPACE = pattern(/^[^\s\p{Z}]*$/u);
/** CodecsType: RFC 6381 codec names, comma-separated. */
const CODECS = pattern(/^[A-Za-z0-9!#$&^_.+-]+(,[A-Za-z0-9!#$&^_.+-]+)*$/);
const PROFILES = pattern(/^[^\s,]+(,[^\s,]+)*$/);
const UINT_VECTOR = pattern(/^\d+( \d+)*$/);

interface ElementRule {
  /** Attributes the type declares, with their simple types; `true` marks a required one. */
  readonly attrs: Record<string, SimpleType | [SimpleType, true]>;
  /** Child elements in the schema's sequence order, each with its maxOccurs (Infinity for unbounded). */
  readonly children?: ReadonlyArray<readonly [string, number]>;
  /** Simple content (text) and no child elements. */
  readonly text?: boolean;
}

const U = Infinity;
const DESCRIPTOR: ElementRule = { attrs: { schemeIdUri: [ANY_URI, true], value: STRING, id: STRING } };
const LABEL: ElementRule = { attrs: { id: UINT, lang: LANGUAGE }, text: true };
/** RepresentationBaseType: the attributes and leading children AdaptationSet and Representation share. */
const REPRESENTATION_BASE_ATTRS: ElementRule['attrs'] = {
  profiles: PROFILES, width: UINT, height: UINT, sar: RATIO, frameRate: FRAME_RATE, audioSamplingRate: UINT_VECTOR, mimeType: STRING,
  segmentProfiles: STRING, codecs: CODECS, maximumSAPPeriod: STRING, startWithSAP: SAP, maxPlayoutRate: STRING, codingDependency: BOOLEAN,
  scanType: pattern(/^(progressive|interlaced|unknown)$/), selectionPriority: UINT, tag: STRING,
};
const REPRESENTATION_BASE_CHILDREN: ReadonlyArray<readonly [string, number]> = [
  ['FramePacking', U], ['AudioChannelConfiguration', U], ['ContentProtection', U], ['EssentialProperty', U], ['SupplementalProperty', U],
  ['InbandEventStream', U], ['Switching', U], ['RandomAccess', U], ['GroupLabel', U], ['Label', U], ['ProducerReferenceTime', U], ['ContentPopularityRate', U],
];
/** SegmentBaseType and MultipleSegmentBaseType, extended by SegmentTemplateType. */
const SEGMENT_TEMPLATE: ElementRule = {
  attrs: {
    timescale: UINT, eptDelta: INTEGER, presentationTimeOffset: ULONG, presentationDuration: ULONG, timeShiftBufferDepth: DURATION,
    indexRange: pattern(/^([0-9]*)(-([0-9]*))?$/), indexRangeExact: BOOLEAN, availabilityTimeOffset: STRING, availabilityTimeComplete: BOOLEAN,
    duration: UINT, startNumber: UINT, endNumber: UINT, media: STRING, index: STRING, initialization: STRING, bitstreamSwitching: STRING,
  },
  children: [['Initialization', 1], ['RepresentationIndex', 1], ['FailoverContent', 1], ['SegmentTimeline', 1], ['BitstreamSwitching', 1]],
};

const RULES: Record<string, ElementRule> = {
  MPD: {
    attrs: {
      id: STRING, profiles: [PROFILES, true], type: pattern(/^(static|dynamic)$/), availabilityStartTime: STRING, availabilityEndTime: STRING, publishTime: STRING,
      mediaPresentationDuration: DURATION, minimumUpdatePeriod: DURATION, minBufferTime: [DURATION, true], timeShiftBufferDepth: DURATION,
      suggestedPresentationDelay: DURATION, maxSegmentDuration: DURATION, maxSubsegmentDuration: DURATION,
    },
    children: [['ProgramInformation', U], ['BaseURL', U], ['Location', U], ['ServiceDescription', U], ['InitializationSet', U], ['InitializationGroup', U], ['InitializationPresentation', U], ['Period', U], ['Metrics', U], ['EssentialProperty', U], ['SupplementalProperty', U], ['UTCTiming', U], ['LeapSecondInformation', 1]],
  },
  Period: {
    attrs: { id: STRING, start: DURATION, duration: DURATION, bitstreamSwitching: BOOLEAN },
    children: [['BaseURL', U], ['SegmentBase', 1], ['SegmentList', 1], ['SegmentTemplate', 1], ['AssetIdentifier', 1], ['EventStream', U], ['ServiceDescription', U], ['AdaptationSet', U], ['Subset', U], ['SupplementalProperty', U], ['EmptyAdaptationSet', U], ['GroupLabel', U], ['Preselection', U]],
  },
  AdaptationSet: {
    attrs: {
      ...REPRESENTATION_BASE_ATTRS, id: UINT, group: UINT, lang: LANGUAGE, contentType: CONTENT_TYPE, par: RATIO, minBandwidth: UINT, maxBandwidth: UINT,
      minWidth: UINT, maxWidth: UINT, minHeight: UINT, maxHeight: UINT, minFrameRate: FRAME_RATE, maxFrameRate: FRAME_RATE,
      segmentAlignment: pattern(/^(\d+|true|false)$/), subsegmentAlignment: pattern(/^(\d+|true|false)$/), subsegmentStartsWithSAP: SAP, bitstreamSwitching: BOOLEAN, initializationSetRef: UINT_VECTOR,
    },
    children: [...REPRESENTATION_BASE_CHILDREN, ['Accessibility', U], ['Role', U], ['Rating', U], ['Viewpoint', U], ['ContentComponent', U], ['BaseURL', U], ['SegmentBase', 1], ['SegmentList', 1], ['SegmentTemplate', 1], ['Representation', U]],
  },
  Representation: {
    attrs: {
      ...REPRESENTATION_BASE_ATTRS, id: [NO_WHITESPACE, true], bandwidth: [UINT, true], qualityRanking: UINT, dependencyId: STRING, associationId: STRING,
      associationType: STRING, mediaStreamStructureId: STRING,
    },
    children: [...REPRESENTATION_BASE_CHILDREN, ['BaseURL', U], ['SubRepresentation', U], ['SegmentBase', 1], ['SegmentList', 1], ['SegmentTemplate', 1]],
  },
  SegmentTemplate: SEGMENT_TEMPLATE,
  SegmentTimeline: { attrs: {}, children: [['S', U]] },
  S: { attrs: { t: ULONG, n: ULONG, d: [ULONG, true], r: INTEGER, k: ULONG }, children: [] },
  AudioChannelConfiguration: { ...DESCRIPTOR, children: [] },
  Role: { ...DESCRIPTOR, children: [] },
  Label: LABEL,
  BaseURL: { attrs: { serviceLocation: STRING, byteRange: STRING, availabilityTimeOffset: STRING, availabilityTimeComplete: BOOLEAN, timeShiftBufferDepth: DURATION, rangeAccess: BOOLEAN }, text: true },
};

function attributeProblems(node: XmlNode, rule: ElementRule, where: string): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(node.attrs)) {
    // Namespace declarations, and attributes of other namespaces (anyAttribute ##other), are the schema's to allow.
    if (name === 'xmlns' || name.includes(':')) continue;
    const spec = rule.attrs[name];
    if (!spec) problems.push(`${where}: attribute @${name} is not in the schema`);
    else if (!(Array.isArray(spec) ? spec[0] : spec)(value)) problems.push(`${where}: @${name}="${value}" is not of its schema type`);
  }
  for (const [name, spec] of Object.entries(rule.attrs)) if (Array.isArray(spec) && !(name in node.attrs)) problems.push(`${where}: no @${name}`);
  return problems;
}

function childProblems(node: XmlNode, rule: ElementRule, where: string): string[] {
  if (rule.text) return node.children.length > 0 ? [`${where}: element content where the schema has text only`] : [];
  const order = rule.children ?? [];
  const names = order.map(([name]) => name);
  const ranks = node.children.map((c) => names.indexOf(c.name));
  const problems: string[] = [];
  if (ranks.some((r) => r < 0)) problems.push(`${where}: unexpected child among ${node.children.map((c) => c.name)}`);
  if (ranks.some((r, i) => i > 0 && r < ranks[i - 1])) problems.push(`${where}: children out of order`);
  for (const [name, maxOccurs] of order) {
    const count = node.children.filter((c) => c.name === name).length;
    if (count > maxOccurs) problems.push(`${where}: ${count} ${name} where the schema allows ${maxOccurs}`);
  }
  return problems;
}

/** Every problem found, as text; empty when the tree is what the schema allows. */
export function mpdProblems(root: XmlNode): string[] {
  const problems: string[] = [];
  if (root.name !== 'MPD' || root.ns !== MPD_NS) problems.push(`root is ${root.ns}:${root.name}`);
  // ISO/IEC 23009-1 §5.3.1.2: a static MPD without a Period@duration needs mediaPresentationDuration.
  if (root.attrs.type !== 'dynamic' && !('mediaPresentationDuration' in root.attrs)) problems.push('MPD: static without @mediaPresentationDuration');
  const visit = (node: XmlNode, where: string) => {
    if (node.ns !== MPD_NS) problems.push(`${where}: namespace ${node.ns}`);
    const rule = RULES[node.name];
    if (!rule) {
      problems.push(`${where}: element ${node.name} has no rule here yet: transcribe its schema type into RULES`);
      return;
    }
    problems.push(...attributeProblems(node, rule, where), ...childProblems(node, rule, where));
    node.children.forEach((c, i) => visit(c, `${where}/${c.name}[${i}]`));
  };
  visit(root, 'MPD');
  return problems;
}

export interface TimelineSegment {
  readonly number: number;
  readonly startTicks: number;
  readonly durationTicks: number;
}

/** The segments a SegmentTemplate's timeline lists, numbered from startNumber; throws on a gap or overlap. */
export function timelineSegments(template: XmlNode): TimelineSegment[] {
  const timeline = template.children.find((c) => c.name === 'SegmentTimeline');
  if (!timeline) throw new Error('no SegmentTimeline');
  const segments: TimelineSegment[] = [];
  let number = Number(template.attrs.startNumber ?? 1);
  let next: number | undefined;
  for (const s of timeline.children) {
    const start = s.attrs.t !== undefined ? Number(s.attrs.t) : next;
    if (start === undefined) throw new Error('first S without @t');
    if (next !== undefined && start !== next) throw new Error(`timeline gap or overlap at ${start} (expected ${next})`);
    const duration = Number(s.attrs.d);
    for (let k = 0; k <= Number(s.attrs.r ?? 0); k++) {
      segments.push({ number: number++, startTicks: start + k * duration, durationTicks: duration });
    }
    next = start + duration * (Number(s.attrs.r ?? 0) + 1);
  }
  return segments;
}

export function descendants(node: XmlNode, name: string): XmlNode[] {
  return node.children.flatMap((c) => [...(c.name === name ? [c] : []), ...descendants(c, name)]);
}
