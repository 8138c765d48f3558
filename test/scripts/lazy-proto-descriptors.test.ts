import {readFileSync} from 'node:fs';
import Module, {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {test} from 'uvu';
import * as assert from 'uvu/assert';

/**
 * scripts/lib/lazy-proto-descriptors.mjs, as every bundle gets it: @grpc/proto-loader with its
 * descriptors built on first read must give exactly what the installed loader gives eagerly.
 */
interface Edits {
  PROTO_LOADER_INDEX: RegExp;
  deferProtoDescriptors(source: string, path: string): string;
}
type ProtoLoader = {
  fromJSON(json: unknown, options: object): Record<string, object>;
};

const root = join(__dirname, '..', '..');
// The copy google-gax (so every gapic client) loads.
const fromGax = createRequire(
  createRequire(join(root, 'package.json')).resolve('google-gax'),
);
const loaderPath = fromGax.resolve('@grpc/proto-loader');
const edits = () =>
  import(
    pathToFileURL(join(root, 'scripts', 'lib', 'lazy-proto-descriptors.mjs'))
      .href
  ) as Promise<Edits>;

function deferredLoader(source: string): ProtoLoader {
  const loaded = new Module(loaderPath);
  loaded.filename = loaderPath;
  loaded.paths = (
    Module as unknown as {_nodeModulePaths(dir: string): string[]}
  )._nodeModulePaths(dirname(loaderPath));
  (loaded as unknown as {_compile(code: string, file: string): void})._compile(
    source,
    loaderPath,
  );
  return loaded.exports as ProtoLoader;
}

// google-gax's options for loadProtoJSON.
const GAX_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

test('the deferred loader gives every definition the eager one gives, descriptors included', async () => {
  const {deferProtoDescriptors, PROTO_LOADER_INDEX} = await edits();
  assert.ok(PROTO_LOADER_INDEX.test(loaderPath), loaderPath);
  const eager = fromGax('@grpc/proto-loader') as ProtoLoader;
  const deferred = deferredLoader(
    deferProtoDescriptors(readFileSync(loaderPath, 'utf8'), loaderPath),
  );
  const protos = JSON.parse(
    readFileSync(
      createRequire(join(root, 'package.json')).resolve(
        '@google-cloud/bigtable-api/build/protos/protos.json',
      ),
      'utf8',
    ),
  );
  const before = eager.fromJSON(protos, GAX_OPTIONS);
  const after = deferred.fromJSON(protos, GAX_OPTIONS);
  assert.equal(Object.keys(after).sort(), Object.keys(before).sort());
  const readRows = after['google.bigtable.v2.ReadRowsRequest'] as object;
  assert.type(
    Object.getOwnPropertyDescriptor(readRows, 'type')?.get,
    'function',
    'a message descriptor is built when read, not by fromJSON',
  );
  const descriptors = (definition: object) => {
    const {type, fileDescriptorProtos} = definition as Record<string, unknown>;
    return {type, fileDescriptorProtos};
  };
  let messages = 0;
  for (const [name, definition] of Object.entries(before)) {
    if ('format' in definition) {
      messages++;
      assert.equal(descriptors(after[name]!), descriptors(definition), name);
    } else {
      // A service: its methods' request and response definitions.
      type Methods = Record<
        string,
        {requestType: object; responseType: object}
      >;
      for (const [method, m] of Object.entries(definition as Methods)) {
        const a = (after[name] as Methods)[method]!;
        assert.equal(descriptors(a.requestType), descriptors(m.requestType));
        assert.equal(descriptors(a.responseType), descriptors(m.responseType));
      }
    }
  }
  assert.ok(messages > 100, `only ${messages} message and enum definitions`);
});

test('a loader whose code changed stops the build, naming the file', async () => {
  const {deferProtoDescriptors} = await edits();
  assert.throws(
    () => deferProtoDescriptors('"use strict";\n', '/x/proto-loader/index.js'),
    /lazy-proto-descriptors: \/x\/proto-loader\/index\.js no longer has the code this edit expects: function createMessageDefinition/,
  );
});

test.run();
