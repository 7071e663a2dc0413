/**
 * Default grouping, after Sentry's `newstyle` strategy: every exception of the chain contributes
 * its type and its in-app frames (all frames when no frame of the event is in-app); the message
 * counts only when no frame contributes at all. Also finds the culprit frame.
 */
import type { Frame, Platform, StackTrace } from '../types.ts';
import { frameKey } from './frames.ts';
import { normalizeMessage } from './normalize.ts';

/** Exceptions of the chain looked at, the top one included. */
const MAX_CHAIN = 8;

/** How the default components were built. */
export type DefaultMethod = 'in_app' | 'all_frames' | 'message';

/** One exception of an event: the top one carries the event's type and message. */
export interface ChainLink {
  type: string;
  message: string;
  platform: Platform;
  frames: readonly Frame[];
}

/** The event's exceptions, top first, then its causes. */
export function chainOf(type: string, message: string, stack: StackTrace | undefined): ChainLink[] {
  const links: ChainLink[] = [
    { type: type || stack?.type || '', message: message || stack?.message || '', platform: stack?.platform ?? 'other', frames: stack?.frames ?? [] },
  ];
  for (let c = stack?.cause; c && links.length < MAX_CHAIN; c = c.cause) links.push({ type: c.type, message: c.message, platform: c.platform, frames: c.frames });
  return links;
}

/** True when some exception of the chain has an in-app frame. */
export function hasInApp(links: readonly ChainLink[]): boolean {
  return links.some((l) => l.frames.some((f) => f.inApp));
}

/**
 * The default grouping components. An exception whose stack contributes no frame (all library
 * code below an in-app wrapper) contributes its type only; see README for why this departs from
 * Sentry, which would add its message.
 */
export function defaultComponents(links: readonly ChainLink[]): { components: string[]; method: DefaultMethod } {
  const inAppOnly = hasInApp(links);
  const components: string[] = [];
  let frames = 0;
  for (const link of links) {
    if (link.type !== '') components.push(`type:${typeKey(link.type, link.platform)}`);
    let previous = '';
    for (const frame of link.frames) {
      if (inAppOnly && !frame.inApp) continue;
      const key = frameKey(frame, link.platform);
      // Consecutive identical frames are recursion: counted once.
      if (key === '' || key === previous) continue;
      components.push(`frame:${key}`);
      previous = key;
      frames++;
    }
  }
  if (frames > 0) return { components, method: inAppOnly ? 'in_app' : 'all_frames' };
  const top = links[0];
  const message = normalizeMessage(top.message);
  return { components: [...(top.type !== '' ? [`type:${typeKey(top.type, top.platform)}`] : []), `message:${message}`], method: 'message' };
}

/**
 * Python SDKs send the bare class name (`DoesNotExist`) while tracebacks print it qualified
 * (`shop.models.Order.DoesNotExist`), so Python types group by their last segment.
 */
function typeKey(type: string, platform: Platform): string {
  return platform === 'python' ? type.slice(type.lastIndexOf('.') + 1) : type;
}

/** The frame that threw: the last in-app frame of the top exception, else of a cause, else the top's last frame. */
export function culpritFrame(links: readonly ChainLink[]): { frame: Frame; platform: Platform } | undefined {
  for (const link of links) {
    for (let i = link.frames.length - 1; i >= 0; i--) if (link.frames[i].inApp) return { frame: link.frames[i], platform: link.platform };
  }
  const top = links[0];
  const last = top.frames[top.frames.length - 1];
  return last ? { frame: last, platform: top.platform } : undefined;
}

/** Sentry's culprit: `function (module)`, or `function (file)` for a frame without a module. */
export function culpritText(frame: Frame | undefined): string {
  if (!frame) return '';
  const where = frame.module || shortPath(frame.file);
  const fn = frame.function;
  if (fn === '') return where;
  return where === '' ? fn : `${fn} (${where})`;
}

/** A path without URL origin, query and deploy prefix: its last two segments. */
function shortPath(file: string): string {
  const path = file.replace(/^[a-z][\w+.-]*:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
  const parts = path.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  return parts.slice(-2).join('/');
}
