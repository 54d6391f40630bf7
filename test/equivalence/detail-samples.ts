// One fully populated instance of every standard google.rpc detail: what the rich-status scenarios send and
// expect back. Every field is set, so the decoded form (all fields present) equals the sample itself.
import type { DetailSpec } from './rpc-status-reference.js';

export const ALL_DETAILS: readonly DetailSpec[] = [
  { type: 'ErrorInfo', value: { reason: 'OUT_OF_TOKENS', domain: 'example.nameko', metadata: { bucket: 'b1', region: 'eu' } } },
  { type: 'RetryInfo', value: { retryDelay: { seconds: 90, nanos: 500_000_000 } } },
  { type: 'DebugInfo', value: { stackEntries: ['at one (a.js:1:1)', 'at two (b.js:2:2)'], detail: 'deliberate' } },
  {
    type: 'QuotaFailure',
    value: {
      violations: [{
        subject: 'project:42', description: 'daily limit', apiService: 'example.googleapis.com',
        quotaMetric: 'example.googleapis.com/tokens', quotaId: 'TokensPerDay', quotaDimensions: { region: 'eu' },
        quotaValue: 1000, futureQuotaValue: 2000,
      }],
    },
  },
  {
    type: 'PreconditionFailure',
    value: { violations: [{ type: 'TOS', subject: 'example.com/terms', description: 'terms not accepted' }] },
  },
  {
    type: 'BadRequest',
    value: {
      fieldViolations: [
        { field: 'value', description: 'too long', reason: 'TOO_LONG', localizedMessage: { locale: 'fr-CH', message: 'trop long' } },
        { field: 'count', description: 'negative', reason: 'NEGATIVE', localizedMessage: { locale: 'en-US', message: 'negative' } },
      ],
    },
  },
  { type: 'RequestInfo', value: { requestId: 'req-7', servingData: 'shard=3' } },
  { type: 'ResourceInfo', value: { resourceType: 'bucket', resourceName: 'b1', owner: 'user:ann', description: 'read-only' } },
  { type: 'Help', value: { links: [{ description: 'quota docs', url: 'https://example.com/quota' }] } },
  { type: 'LocalizedMessage', value: { locale: 'de-DE', message: 'Keine Tokens mehr: 😀 ✓' } },
];

/** The type URL every implementation packs a standard detail with. */
export function typeUrlOf(detail: DetailSpec): string {
  return `type.googleapis.com/google.rpc.${detail.type}`;
}

/** The details as a client decodes them: type URL and fields. */
export function decodedDetails(details: readonly DetailSpec[]): Array<{ typeUrl: string; value: unknown }> {
  return details.map((detail) => ({ typeUrl: typeUrlOf(detail), value: detail.value }));
}
