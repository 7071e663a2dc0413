import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AnyValue, LogBatch, TraceBatch } from '../../batch/types.ts';
import { decodeLogsJson, decodeTracesJson } from './index.ts';

// The official example payloads of opentelemetry-proto (`examples/`), copied into the repository with their licence.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const examples = path.resolve(repoRoot, 'test/fixtures/otlp-examples');
const example = (name: string): Uint8Array => readFileSync(path.join(examples, name));

const resource = {
  attributes: new Map([['service.name', 'my.service']]),
  droppedAttributesCount: 0,
};
const scope = {
  name: 'my.library',
  version: '1.0.0',
  attributes: new Map([['my.scope.attribute', 'some scope attribute']]),
  droppedAttributesCount: 0,
};

describe('the opentelemetry-proto example payloads', () => {
  it('trace.json decodes to its one server span', () => {
    const expected: TraceBatch = {
      signal: 'traces',
      resources: [
        {
          resource,
          schemaUrl: '',
          scopes: [
            {
              scope,
              schemaUrl: '',
              records: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  traceState: '',
                  parentSpanId: 'eee19b7ec3c1b173',
                  flags: 0,
                  name: "I'm a server span",
                  kind: 2,
                  startTimeUnixNano: 1544712660000000000n,
                  endTimeUnixNano: 1544712661000000000n,
                  attributes: new Map([['my.span.attr', 'some value']]),
                  droppedAttributesCount: 0,
                  events: [],
                  droppedEventsCount: 0,
                  links: [],
                  droppedLinksCount: 0,
                  status: { code: 0, message: '' },
                },
              ],
            },
          ],
        },
      ],
    };
    expect(decodeTracesJson(example('trace.json'))).toEqual({ batch: expected, rejected: 0, message: '' });
  });

  it('logs.json decodes to its one record with attributes of every kind', () => {
    const expected: LogBatch = {
      signal: 'logs',
      resources: [
        {
          resource,
          schemaUrl: '',
          scopes: [
            {
              scope,
              schemaUrl: '',
              records: [
                {
                  timeUnixNano: 1544712660300000000n,
                  observedTimeUnixNano: 1544712660300000000n,
                  severityNumber: 10,
                  severityText: 'Information',
                  body: 'Example log record',
                  attributes: new Map<string, AnyValue>([
                    ['string.attribute', 'some string'],
                    ['boolean.attribute', true],
                    ['int.attribute', 10n],
                    ['double.attribute', 637.704],
                    ['array.attribute', ['many', 'values']],
                    ['map.attribute', new Map([['some.map.key', 'some value']])],
                  ]),
                  droppedAttributesCount: 0,
                  flags: 0,
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  eventName: '',
                },
              ],
            },
          ],
        },
      ],
    };
    const result = decodeLogsJson(example('logs.json'));
    expect(result).toEqual({ batch: expected, rejected: 0, message: '' });
    const [record] = result.batch.resources[0].scopes[0].records;
    expect([...record.attributes.keys()]).toEqual([...expected.resources[0].scopes[0].records[0].attributes.keys()]);
  });

  it('events.json decodes to its browser.page_view event with a kvlist body', () => {
    const { batch, rejected } = decodeLogsJson(example('events.json'));
    expect(rejected).toBe(0);
    expect(batch.resources[0].resource).toEqual(resource);
    expect(batch.resources[0].scopes[0].scope).toEqual(scope);
    expect(batch.resources[0].scopes[0].records).toEqual([
      {
        timeUnixNano: 1544712660300000000n,
        observedTimeUnixNano: 1544712660300000000n,
        severityNumber: 9,
        severityText: 'test severity text',
        body: new Map<string, AnyValue>([
          ['type', 0n],
          ['url', 'https://www.guidgenerator.com/online-guid-generator.aspx'],
          ['referrer', 'https://wwww.google.com'],
          ['title', 'Free Online GUID Generator'],
        ]),
        attributes: new Map([['event.attribute', 'some event attribute']]),
        droppedAttributesCount: 0,
        flags: 0,
        traceId: '',
        spanId: '',
        eventName: 'browser.page_view',
      },
    ]);
  });
});
