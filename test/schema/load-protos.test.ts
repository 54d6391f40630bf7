// loadProtos/loadRoot: several files, include dirs, imports across dirs, bundled google types, errors.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadProtos, loadRoot } from '../../lib/schema/load-protos.js';

const protos = fileURLToPath(new URL('../../../test/schema/protos/', import.meta.url));
const mainDir = `${protos}main`;
const libDir = `${protos}lib`;

describe('loadProtos', () => {
  it('loads several files found through include dirs, with their imports', () => {
    const schema = loadProtos(['shapes.proto', 'nameko.proto', 'bare.proto'], { includeDirs: [mainDir, libDir] });
    assert.deepEqual([...schema.services.keys()].sort(), [
      'Bare', 'Greeter', 'nameko.example', 'shapes.v1.Greeter', 'shapes.v1.KindsService',
    ]);
    // common.Money comes from lib/common/money.proto, imported by two files but loaded once.
    const ping = schema.method('/Bare/Ping')!;
    assert.equal(ping.responseType, 'PingReply');
    assert.deepEqual(ping.deserializeResponse(ping.serializeResponse({ balance: { units: 3 } })), {
      balance: { currency_code: '', units: '3', nanos: 0 },
    });
  });

  it('takes a single absolute path; imports still resolve through include dirs', () => {
    const schema = loadProtos(`${mainDir}/bare.proto`, { includeDirs: [libDir] });
    assert.equal(schema.service('Bare').name, 'Bare');
  });

  it('resolves every bundled google/protobuf type', () => {
    const root = loadRoot('shapes.proto', { includeDirs: [mainDir, libDir] });
    for (const name of ['Timestamp', 'Duration', 'Empty', 'StringValue', 'Struct', 'Value', 'ListValue', 'Any']) {
      assert.equal(root.lookupType(`google.protobuf.${name}`).fullName, `.google.protobuf.${name}`);
    }
  });

  it('resolves google/protobuf/descriptor.proto for custom options, as proto-loader does', () => {
    const root = loadRoot('annotated.proto', { includeDirs: [mainDir] });
    const touch = root.lookupService('annotated.Audited').methods['Touch']!;
    assert.deepEqual(touch.options, { '(audit_tag)': 'touch' });
  });

  it('keepCase: false gives lowerCamelCase field names but keeps method names', () => {
    const schema = loadProtos('nameko.proto', { includeDirs: [mainDir], keepCase: false });
    const method = schema.method('/nameko.example/unary_unary')!;
    assert.deepEqual(method.deserializeRequest(method.serializeRequest({ responseCount: 2 })), {
      value: '', multiplier: 0, responseCount: '2',
    });
  });

  it('names the missing file and the include dirs searched', () => {
    assert.throws(() => loadProtos('nope.proto', { includeDirs: [mainDir] }), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /nope\.proto/);
      assert.match(err.message, /include dirs: .*main/);
      return true;
    });
  });

  it('fails when an import is in no include dir', () => {
    assert.throws(() => loadProtos('shapes.proto', { includeDirs: [mainDir] }), /common\/money\.proto/);
  });

  it('rejects includeDirs that is not an array, as proto-loader does', () => {
    const options = { includeDirs: mainDir } as unknown as { includeDirs: string[] };
    assert.throws(() => loadProtos('bare.proto', options), TypeError);
  });

  it('reports proto syntax errors', () => {
    assert.throws(() => loadProtos('broken.proto', { includeDirs: [`${protos}bad`] }), /illegal|syntax|unexpected/i);
  });
});
