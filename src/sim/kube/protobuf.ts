// Just enough of the Kubernetes protobuf encoding to read the request bodies typed
// clients send that way (kubectl's SelfSubjectAccessReview): the `k8s\0` envelope
// around a runtime.Unknown, and the fields of a message by number. Answers stay JSON,
// which the same clients accept.

/** The fields of one protobuf message: number → values (strings' and messages' bytes, or varints). */
export type Fields = Map<number, (Buffer | number)[]>;

const MAGIC = Buffer.from('k8s\0', 'latin1');

export function isProtobuf(contentType: string): boolean {
  return contentType.split(';')[0]!.trim() === 'application/vnd.kubernetes.protobuf';
}

/** The object inside the envelope: runtime.Unknown's raw (field 2). */
export function unwrap(body: Buffer): Fields {
  if (!body.subarray(0, 4).equals(MAGIC)) throw new Error('no k8s protobuf envelope');
  const unknown = decode(body.subarray(4));
  return decode(bytes(unknown, 2));
}

export function decode(buffer: Buffer): Fields {
  const fields: Fields = new Map();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= buffer.length) throw new Error('truncated varint');
      const byte = buffer[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < buffer.length) {
    const key = varint();
    const [number, wire] = [Math.floor(key / 8), key % 8];
    let value: Buffer | number;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = varint();
      value = buffer.subarray(at, at + length);
      at += length;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      continue;
    } else throw new Error(`unsupported wire type ${wire}`);
    fields.set(number, [...(fields.get(number) ?? []), value]);
  }
  return fields;
}

export function bytes(fields: Fields, number: number): Buffer {
  const value = fields.get(number)?.[0];
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0);
}

export function string(fields: Fields, number: number): string | undefined {
  const value = fields.get(number)?.[0];
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}

export function message(fields: Fields, number: number): Fields | undefined {
  const value = fields.get(number)?.[0];
  return Buffer.isBuffer(value) ? decode(value) : undefined;
}
