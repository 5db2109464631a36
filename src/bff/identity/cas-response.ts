// CAS 3.0 wire formats, parsed without trusting them: the /p3/serviceValidate answer (XML, or
// JSON with format=JSON) and the platform's back-channel single-logout request (SAML
// LogoutRequest). Pure: table-tested.
import { XMLParser } from 'fast-xml-parser';

export type CasValidation =
  | { ok: true; user: string; attributes: Record<string, unknown> }
  | { ok: false; code: string };

/** A validation answer is a few KB; anything far larger is not one. */
const MAX_BYTES = 64 * 1024;
const TICKET = /^[A-Za-z0-9._:-]{1,512}$/;

// Tag values stay strings: an 18-digit identity number must not become a rounded JS number.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

function parseXml(text: string): Record<string, unknown> | undefined {
  // No DTDs at all: no entity expansion, no external entities.
  if (text.length > MAX_BYTES || /<!DOCTYPE|<!ENTITY/i.test(text)) return undefined;
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** An element's text whether the parser gave a string or an object with attributes and #text; mixed content is no text. */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const o = obj(v);
  if (!o || Object.keys(o).some((k) => k !== '#text' && !k.startsWith('@'))) return undefined;
  return typeof o['#text'] === 'string' ? o['#text'] : undefined;
}

function success(node: Record<string, unknown>): CasValidation {
  const user = textOf(node.user)?.trim();
  if (!user) return { ok: false, code: 'INVALID_RESPONSE' };
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj(node.attributes) ?? {})) {
    if (k.startsWith('@')) continue;
    attributes[k] = Array.isArray(v) ? v.map(textOf).filter((x) => x !== undefined) : textOf(v) ?? v;
  }
  return { ok: true, user, attributes };
}

function failure(node: unknown): CasValidation {
  const o = obj(node);
  const code = o?.['@code'] ?? o?.code;
  return { ok: false, code: typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? code : 'INVALID_TICKET' };
}

/** The outcome of /p3/serviceValidate; a body that is neither success nor failure is INVALID_RESPONSE. */
export function parseServiceResponse(text: string, format: 'xml' | 'json'): CasValidation {
  let root: Record<string, unknown> | undefined;
  if (format === 'json') {
    try {
      root = text.length <= MAX_BYTES ? obj(JSON.parse(text)) : undefined;
    } catch {
      root = undefined;
    }
  } else {
    root = parseXml(text);
  }
  const response = obj(root?.serviceResponse);
  if (!response) return { ok: false, code: 'INVALID_RESPONSE' };
  const ok = obj(response.authenticationSuccess);
  if (ok) return success(ok);
  if (response.authenticationFailure !== undefined) return failure(response.authenticationFailure);
  return { ok: false, code: 'INVALID_RESPONSE' };
}

/** The service ticket a back-channel `logoutRequest` names (its SessionIndex), or null. */
export function parseLogoutRequest(xml: unknown): string | null {
  if (typeof xml !== 'string') return null;
  const root = parseXml(xml);
  const index = textOf(obj(root?.LogoutRequest)?.SessionIndex)?.trim();
  return index && TICKET.test(index) ? index : null;
}

/** A ticket worth sending to the platform at all. */
export function plausibleTicket(ticket: string | undefined): ticket is string {
  return ticket !== undefined && TICKET.test(ticket);
}
