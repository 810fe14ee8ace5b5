// A DASH MPD parsed by Chromium's XML parser and checked against the structure ISO/IEC 23009-1's schema gives the elements we write.
//
// No DASH MPD schema (XSD) ships in a Debian or npm package here, so instead of `xmllint --schema` the
// MPD is parsed by a real, namespace-aware XML parser (the page's DOMParser, application/xml: a
// malformed document yields a <parsererror>), and its tree is checked for what the schema and the
// players (Shaka Player, dash.js) need: the namespace, required attributes, child order, and a
// SegmentTimeline whose numbers name segments that exist.

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
const DURATION = /^PT(\d+H)?(\d+M)?\d+(\.\d+)?S$/;

/** Child order the schema prescribes, for the elements this MPD uses (RepresentationBaseType, MultipleSegmentBaseType). */
const ORDER: Record<string, readonly string[]> = {
  MPD: ['ProgramInformation', 'BaseURL', 'Location', 'Period'],
  Period: ['BaseURL', 'SegmentBase', 'SegmentList', 'SegmentTemplate', 'AssetIdentifier', 'EventStream', 'AdaptationSet'],
  AdaptationSet: ['FramePacking', 'AudioChannelConfiguration', 'ContentProtection', 'EssentialProperty', 'SupplementalProperty', 'InbandEventStream', 'Label', 'Accessibility', 'Role', 'Rating', 'Viewpoint', 'ContentComponent', 'BaseURL', 'SegmentBase', 'SegmentList', 'SegmentTemplate', 'Representation'],
  Representation: ['FramePacking', 'AudioChannelConfiguration', 'ContentProtection', 'EssentialProperty', 'SupplementalProperty', 'InbandEventStream', 'BaseURL', 'SubRepresentation', 'SegmentBase', 'SegmentList', 'SegmentTemplate'],
  SegmentTemplate: ['Initialization', 'RepresentationIndex', 'SegmentTimeline', 'BitstreamSwitching'],
  SegmentTimeline: ['S'],
};

/** Attributes the schema (or, for a static live-profile MPD, ISO/IEC 23009-1 §8.4) requires. */
const REQUIRED: Record<string, readonly string[]> = {
  MPD: ['profiles', 'minBufferTime', 'type', 'mediaPresentationDuration'],
  Representation: ['id', 'bandwidth'],
  SegmentTemplate: ['media', 'initialization', 'timescale'],
  S: ['d'],
  AudioChannelConfiguration: ['schemeIdUri', 'value'],
};

/** Every problem found, as text; empty when the tree has the structure above. */
export function mpdProblems(root: XmlNode): string[] {
  const problems: string[] = [];
  if (root.name !== 'MPD' || root.ns !== MPD_NS) problems.push(`root is ${root.ns}:${root.name}`);
  if (!DURATION.test(root.attrs.mediaPresentationDuration ?? '') || !DURATION.test(root.attrs.minBufferTime ?? '')) problems.push('durations are not xs:duration');
  const visit = (node: XmlNode, where: string) => {
    if (node.ns !== MPD_NS) problems.push(`${where}: namespace ${node.ns}`);
    for (const attr of REQUIRED[node.name] ?? []) if (!(attr in node.attrs)) problems.push(`${where}: no @${attr}`);
    const order = ORDER[node.name];
    if (order) {
      const ranks = node.children.map((c) => order.indexOf(c.name));
      if (ranks.some((r) => r < 0)) problems.push(`${where}: unexpected child among ${node.children.map((c) => c.name)}`);
      if (ranks.some((r, i) => i > 0 && r < ranks[i - 1])) problems.push(`${where}: children out of order`);
    }
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
