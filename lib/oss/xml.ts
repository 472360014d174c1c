import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { OssXmlError } from '../errors.ts';

/** OSS XML bodies are small; anything larger is refused before parsing. */
export const MAX_XML_BYTES = 4 * 1024 * 1024;

/** Elements that may repeat and must always come back as arrays. */
const REPEATED = new Set(['Part', 'Upload', 'CommonPrefixes']);

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  // Values stay strings: part numbers, CRCs (> 2^53) and ETags must not be coerced.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Decode the five XML entities and numeric references (&#34;), never DOCTYPE entities.
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });

export type XmlValue = string | XmlNode | XmlNode[] | string[];
export interface XmlNode {
  [name: string]: XmlValue;
}

/**
 * Parse an XML document. A DOCTYPE (and so any entity declaration, the vehicle of
 * billion-laughs and XXE) is refused outright: OSS never sends or expects one.
 */
export function parseXml(text: string | Buffer, maxBytes = MAX_XML_BYTES): XmlNode {
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (size > maxBytes) {
    throw new OssXmlError(`XML body of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  const source = typeof text === 'string' ? text : text.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(source)) {
    throw new OssXmlError('XML body declares a DOCTYPE or entities, which are refused');
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(source, true);
  } catch (err) {
    throw new OssXmlError(`XML body is not well-formed: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw new OssXmlError('XML body has no root element');
  }
  return parsed as XmlNode;
}

/** Serialise `{ Root: {...} }` with the XML prolog OSS uses. */
export function buildXml(document: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(document)}`;
}

/** The text content of a child element, or undefined when absent. */
export function textOf(node: XmlValue | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const value = node[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return undefined;
  // An empty element with attributes ignored parses as '' already; objects mean nested content.
  return undefined;
}

/** A child element that must be an object (e.g. the root), or undefined. */
export function childOf(node: XmlValue | undefined, name: string): XmlNode | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const value = node[name];
  if (value === undefined || typeof value === 'string' || Array.isArray(value)) {
    return value === '' ? {} : undefined;
  }
  return value;
}

/** Repeated child elements (always an array, possibly empty). */
export function listOf(node: XmlValue | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => (typeof item === 'string' ? {} : item));
}
