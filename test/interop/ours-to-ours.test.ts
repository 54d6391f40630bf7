// Our standalone client against our TestService under Nest: every case must pass.
import { CLIENT_CASES } from './client-cases.js';
import { describeDirection } from './direction.js';
import { connectOurClient } from './our-client.js';
import { startNestInteropServer } from './test-service.controller.js';

describeDirection({
  client: 'ours',
  server: 'ours',
  startServer: () => startNestInteropServer('127.0.0.1', 0),
  connect: connectOurClient,
  cases: CLIENT_CASES,
  limitations: {},
});
