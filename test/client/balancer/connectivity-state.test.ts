// The state of many subchannels seen as one, as grpc-js's round_robin reports it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateState, ConnectivityState as S } from '../../../lib/client/balancer/connectivity-state.js';

describe('aggregateState', () => {
  const cases: [S[], S][] = [
    [[], S.TRANSIENT_FAILURE],
    [[S.TRANSIENT_FAILURE, S.READY], S.READY],
    [[S.IDLE, S.CONNECTING, S.TRANSIENT_FAILURE], S.CONNECTING],
    [[S.TRANSIENT_FAILURE, S.IDLE], S.IDLE],
    [[S.CONNECTING, S.IDLE], S.CONNECTING],
    [[S.TRANSIENT_FAILURE, S.TRANSIENT_FAILURE], S.TRANSIENT_FAILURE],
  ];
  for (const [states, expected] of cases) {
    it(`${states.map((state) => S[state]).join(',') || '(none)'} -> ${S[expected]}`, () => assert.equal(aggregateState(states), expected));
  }

  it('numbers the states as grpc-js does', async () => {
    const grpc = await import('@grpc/grpc-js');
    for (const name of ['IDLE', 'CONNECTING', 'READY', 'TRANSIENT_FAILURE', 'SHUTDOWN'] as const) {
      assert.equal(S[name], grpc.connectivityState[name]);
    }
  });
});
