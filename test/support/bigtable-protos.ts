import * as protobuf from 'protobufjs';

/** The Bigtable API's messages as the client's own generated code reads and writes them. */
const root = protobuf.Root.fromJSON(
  require('@google-cloud/bigtable-api/build/protos/protos.json') as protobuf.INamespace,
);

/** A message of google.bigtable.v2, e.g. `bigtableMessage('MutateRowsRequest')`. */
export const bigtableMessage = (name: string): protobuf.Type =>
  root.lookupType(`google.bigtable.v2.${name}`);
