/** What an event record breaks of its catalog entry. */
import type { AnyValue, Attributes } from '../batch/types.ts';
import type { AttributeDef, Catalog, PrimitiveType } from './load.ts';

export const VIOLATION_REASONS = ['unknown_event', 'missing_required', 'wrong_type', 'enum_value'] as const;
export type ViolationReason = (typeof VIOLATION_REASONS)[number];

export interface Violation {
  reason: ViolationReason;
  /** The attribute it is about (none for an unknown event). */
  attribute?: string;
}

/** The namespace of an event name: its first dot-separated segment (`shop` of `shop.cart.checkout`). */
export function namespaceOf(eventName: string): string {
  const dot = eventName.indexOf('.');
  return dot < 0 ? eventName : eventName.slice(0, dot);
}

/** The namespaces the catalog governs: those given, or those of its events. */
export function catalogNamespaces(catalog: Catalog, configured?: readonly string[]): Set<string> {
  return new Set(configured?.length ? configured : [...catalog.events.keys()].map(namespaceOf));
}

/**
 * The violations of one record of event `name` with `attributes`: none for an event outside the
 * catalog's namespaces (not governed), `unknown_event` for an uncatalogued name inside them, else
 * each required attribute missing, each value of the wrong type, each enum value outside its members.
 * Attributes the catalog does not list are allowed (the registry's attributes are open).
 */
export function checkEvent(catalog: Catalog, namespaces: ReadonlySet<string>, name: string, attributes: Attributes): Violation[] {
  if (!name || !namespaces.has(namespaceOf(name))) return [];
  const event = catalog.events.get(name);
  if (!event) return [{ reason: 'unknown_event' }];
  const out: Violation[] = [];
  for (const def of event.attributes.values()) {
    const value = attributes.get(def.key);
    if (value === undefined || value === null) {
      if (def.requirement === 'required') out.push({ reason: 'missing_required', attribute: def.key });
      continue;
    }
    if (def.type === 'enum') {
      if (!def.members!.some((m) => sameValue(m, value))) out.push({ reason: typeof value === 'string' || typeof value === 'bigint' ? 'enum_value' : 'wrong_type', attribute: def.key });
    } else if (!hasType(value, def.type)) {
      out.push({ reason: 'wrong_type', attribute: def.key });
    }
  }
  return out;
}

function sameValue(member: string | number, value: AnyValue): boolean {
  return typeof member === 'string' ? value === member : typeof value === 'bigint' && value === BigInt(member);
}

function hasType(value: AnyValue, type: PrimitiveType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'bigint';
    // An int where a double is expected is a number all the same (SDKs send whole doubles as ints).
    case 'double':
      return typeof value === 'number' || typeof value === 'bigint';
    case 'boolean':
      return typeof value === 'boolean';
    default: {
      const item = type.slice(0, -2) as PrimitiveType;
      return Array.isArray(value) && value.every((v) => hasType(v, item));
    }
  }
}

/**
 * The catalog's sampling annotations as rules of the sampling processor: `keep_always` events at
 * 100 %, the others at their `sampling` percentage.
 */
export function samplingRules(catalog: Catalog): Array<{ eventName: string; percentage: number }> {
  const rules: Array<{ eventName: string; percentage: number }> = [];
  for (const event of catalog.events.values()) {
    if (event.keepAlways) rules.push({ eventName: event.name, percentage: 100 });
    else if (event.sampling !== undefined) rules.push({ eventName: event.name, percentage: event.sampling });
  }
  return rules;
}

/** The catalog's per-attribute PII handling, for the redaction processor. */
export function piiRules(catalog: Catalog): Array<{ key: string; method: NonNullable<AttributeDef['pii']> }> {
  const rules = new Map<string, NonNullable<AttributeDef['pii']>>();
  const add = (def: AttributeDef) => def.pii && rules.set(def.key, def.pii);
  for (const def of catalog.attributes.values()) add(def);
  for (const event of catalog.events.values()) for (const def of event.attributes.values()) add(def);
  return [...rules].map(([key, method]) => ({ key, method }));
}
