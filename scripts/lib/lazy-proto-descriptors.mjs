// @grpc/proto-loader (google-gax's `loadProtoJSON`, on every gapic client's first use) builds a
// descriptor of every message and enum (`type`) and encodes every file's FileDescriptorProto
// (`fileDescriptorProtos`) eagerly; only gRPC server reflection reads them, never a client.
// `deferProtoDescriptors` rewrites the loader's source so that each is a getter building the same
// value on first read. esbuild.config.mjs applies it to every bundle (plugin
// lazy-proto-descriptors); test/scripts/lazy-proto-descriptors.test.ts holds it to the eager
// loader's output. Bigtable's data protos: `fromJSON` fell from 72-77 ms of CPU to 30.

/** The file the edits apply to, in any copy of the package. */
export const PROTO_LOADER_INDEX =
  /node_modules[\\/]@grpc[\\/]proto-loader[\\/]build[\\/]src[\\/]index\.js$/;

const EDITS = [
  [
    `function createMessageDefinition(message, options, fileDescriptors) {
    const messageDescriptor = message.toDescriptor('proto3');
    return {
        format: 'Protocol Buffer 3 DescriptorProto',
        type: messageDescriptor.$type.toObject(messageDescriptor, descriptorOptions),
        fileDescriptorProtos: fileDescriptors,
        serialize: createSerializer(message),
        deserialize: createDeserializer(message, options)
    };
}`,
    `function createMessageDefinition(message, options, fileDescriptors) {
    return withLazyDescriptors({
        format: 'Protocol Buffer 3 DescriptorProto',
        serialize: createSerializer(message),
        deserialize: createDeserializer(message, options)
    }, message, fileDescriptors);
}
function withLazyDescriptors(definition, reflected, fileDescriptors) {
    let type;
    Object.defineProperty(definition, 'type', { enumerable: true, configurable: true, get() {
        if (type === undefined) {
            const descriptor = reflected.toDescriptor('proto3');
            type = descriptor.$type.toObject(descriptor, descriptorOptions);
        }
        return type;
    } });
    Object.defineProperty(definition, 'fileDescriptorProtos', { enumerable: true, configurable: true, get: fileDescriptors });
    return definition;
}`,
  ],
  [
    `    const enumDescriptor = enumType.toDescriptor('proto3');
    return {
        format: 'Protocol Buffer 3 EnumDescriptorProto',
        type: enumDescriptor.$type.toObject(enumDescriptor, descriptorOptions),
        fileDescriptorProtos: fileDescriptors,
    };`,
    `    return withLazyDescriptors({
        format: 'Protocol Buffer 3 EnumDescriptorProto',
    }, enumType, fileDescriptors);`,
  ],
  [
    `    const descriptorList = root.toDescriptor('proto3').file;
    const bufferList = descriptorList.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish()));`,
    `    let buffers;
    const bufferList = () => buffers ??= root.toDescriptor('proto3').file.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish()));`,
  ],
];
/** `source` (proto-loader's build/src/index.js, read from `path`) with its descriptors deferred; throws if the code it edits changed. */
export function deferProtoDescriptors(source, path) {
  let contents = source;
  for (const [before, after] of EDITS) {
    if (!contents.includes(before))
      throw new Error(
        `lazy-proto-descriptors: ${path} no longer has the code this edit expects: ${before.split('\n')[0]}`,
      );
    contents = contents.replace(before, after);
  }
  return contents;
}
