/**
 * The fingerprint of an error event: which issue it belongs to. Decided, in order, by the first
 * matching fingerprint rule from config, the client's `otelhouse.fingerprint`, or the default
 * grouping (`components.ts`). The hash covers the service name, so one exception in two services
 * is two issues (as two Sentry projects would make it).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Frame, Platform, StackTrace } from '../types.ts';
import { chainOf, culpritFrame, culpritText, defaultComponents, hasInApp, type ChainLink, type DefaultMethod } from './components.ts';
import { fileKey, frameKey } from './frames.ts';
import { normalizeMessage } from './normalize.ts';
import { matchRule, type CompiledRules, type RuleSubject } from './rules.ts';

/** An error event, as the issues processor extracts it. */
export interface FingerprintInput {
  /** `service.name`. */
  service: string;
  /** `exception.type`, or `''` (the parsed trace's header is used then). */
  type: string;
  /** `exception.message` or the log body, or `''`. */
  message: string;
  /** The parsed `exception.stacktrace`, if any. */
  stack?: StackTrace;
  /** The `otelhouse.fingerprint` attribute: one value or a list; may use `{{ default }}`. */
  clientFingerprint?: string | string[];
  /** Fingerprint rules from config, compiled once. */
  rules?: CompiledRules;
}

/** How the fingerprint was decided. */
export type GroupingMethod = 'client' | 'rule' | DefaultMethod;

/** The grouping decision for one event. */
export interface FingerprintResult {
  /** 32 lowercase hex characters: the first 128 bits of SHA-256 over the service and the components. */
  fingerprint: string;
  /** What was hashed after the service name, readable (`type:TypeError`, `frame:cart.js|addItem`, `message:…`). */
  components: string[];
  method: GroupingMethod;
  /** The in-app frame that threw, `function (file or module)`, or `''`. */
  culprit: string;
  /** `type: normalized message`, on one line. */
  title: string;
}

const DEFAULT_VAR = /^\{\{\s*default\s*\}\}$/;
const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g;
const MAX_TITLE_CHARS = 256;

/** Groups one error event. Pure; never throws on any input the types allow. */
export function fingerprint(input: FingerprintInput): FingerprintResult {
  const links = chainOf(input.type, input.message, input.stack);
  const defaults = defaultComponents(links);
  const culprit = culpritFrame(links);
  const top = links[0];
  const normalized = normalizeMessage(top.message);
  const rule = input.rules && input.rules.rules.length > 0 ? matchRule(input.rules, subjectOf(input.service, links)) : undefined;
  const client = clientValues(input.clientFingerprint);
  let method: GroupingMethod = defaults.method;
  let components = defaults.components;
  let title = titleOf(top.type, normalized);
  if (rule || client) {
    const vars = variables(input.service, top.type, normalized, culprit?.frame, culprit?.platform ?? top.platform);
    if (rule) {
      method = 'rule';
      components = expand(rule.fingerprint, defaults.components, vars);
    } else if (client && !(client.length === 1 && DEFAULT_VAR.test(client[0]))) {
      method = 'client';
      components = expand(client, defaults.components, vars);
    }
  }
  return { fingerprint: hash(input.service, components), components, method, culprit: culpritText(culprit?.frame), title: clip(title) };
}

/** Rules match the in-app frames of the whole chain, or every frame when none is in-app. */
function subjectOf(service: string, links: readonly ChainLink[]): RuleSubject {
  const inAppOnly = hasInApp(links);
  return { service, exceptions: links, frames: links.flatMap((l) => (inAppOnly ? l.frames.filter((f) => f.inApp) : l.frames)) };
}

function clientValues(value: string | string[] | undefined): string[] | undefined {
  const list = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
  return list.length > 0 ? list : undefined;
}

function variables(service: string, type: string, message: string, frame: Frame | undefined, platform: Platform): Map<string, string> {
  const key = frame ? frameKey(frame, platform) : '';
  const bar = key.indexOf('|');
  const fn = bar >= 0 ? key.slice(bar + 1) : '';
  const module = frame ? (frame.module !== '' ? key.slice(0, bar) : '') : '';
  const file = frame ? fileKey(frame.file) : '';
  return new Map([
    ['type', type],
    ['error.type', type],
    ['message', message],
    ['error.value', message],
    ['function', fn],
    ['stack.function', fn],
    ['module', module],
    ['stack.module', module],
    ['file', file],
    ['stack.filename', file],
    ['stack.abs_path', file],
    ['service', service],
  ]);
}

/** `{{ default }}` elements become the default components; other variables are replaced in place. */
function expand(values: readonly string[], defaults: readonly string[], vars: Map<string, string>): string[] {
  return values.flatMap((v) => (DEFAULT_VAR.test(v) ? defaults : [substitute(v, vars)]));
}

function substitute(text: string, vars: Map<string, string>): string {
  return text.replace(VARIABLE, (whole, name: string) => vars.get(name) ?? whole);
}

function titleOf(type: string, message: string): string {
  const line = message.replace(/\n/g, ' ');
  if (type === '') return line || '<unknown error>';
  return line === '' ? type : `${type}: ${line}`;
}

function clip(text: string): string {
  return text.length > MAX_TITLE_CHARS ? `${text.slice(0, MAX_TITLE_CHARS - 1)}…` : text;
}

const encoder = new TextEncoder();

/** 128 bits of SHA-256 over an unambiguous encoding of the service and the components. */
function hash(service: string, components: readonly string[]): string {
  return bytesToHex(sha256(encoder.encode(JSON.stringify([service, ...components]))).subarray(0, 16));
}
