/**
 * Protocol Buffers wire format, encode side only, and only what the ONNX writer needs:
 * varints, 32-bit floats and length-delimited fields (strings, bytes, nested messages).
 *
 * A message is a list of byte chunks plus their total length. Nested messages and large payloads
 * (weight tensors of ~100 MB) are referenced, never copied, until the one final concatenation.
 * Spec: https://protobuf.dev/programming-guides/encoding/
 */
import { SmearscopeError } from '../../src/errors.js';

export interface ProtoMessage {
  /** Encoded pieces in order; the caller's byte arrays are referenced, not copied. */
  parts: Uint8Array[];
  /** Sum of the parts' lengths in bytes. */
  byteLength: number;
}

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export function createMessage(): ProtoMessage {
  return { parts: [], byteLength: 0 };
}

/**
 * Base-128 varint of an integer. Negative values are encoded as their 64-bit two's complement
 * (10 bytes), as protobuf does for int32/int64 fields.
 */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `a protobuf varint needs a safe integer, got ${value}`);
  }
  const bytes: number[] = [];
  if (value >= 0) {
    let rest = value;
    // Division, not bit shifts: shifts would truncate to 32 bits.
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
  } else {
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    bytes.push(Number(rest));
  }
  return Uint8Array.from(bytes);
}

function appendPart(message: ProtoMessage, bytes: Uint8Array): void {
  message.parts.push(bytes);
  message.byteLength += bytes.length;
}

function appendTag(message: ProtoMessage, fieldNumber: number, wireType: number): void {
  appendPart(message, encodeVarint(fieldNumber * 8 + wireType));
}

/** An integer field (int32, int64, enum): tag + varint. */
export function writeVarintField(message: ProtoMessage, fieldNumber: number, value: number): void {
  appendTag(message, fieldNumber, WIRE_VARINT);
  appendPart(message, encodeVarint(value));
}

/** A `float` field: tag + 4 bytes IEEE-754 little-endian. */
export function writeFloatField(message: ProtoMessage, fieldNumber: number, value: number): void {
  appendTag(message, fieldNumber, WIRE_FIXED32);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  appendPart(message, bytes);
}

/** A `bytes` field. `bytes` is referenced until the message is concatenated: do not mutate it. */
export function writeBytesField(message: ProtoMessage, fieldNumber: number, bytes: Uint8Array): void {
  appendTag(message, fieldNumber, WIRE_LENGTH_DELIMITED);
  appendPart(message, encodeVarint(bytes.length));
  appendPart(message, bytes);
}

/** A `string` field, UTF-8 encoded. */
export function writeStringField(message: ProtoMessage, fieldNumber: number, text: string): void {
  writeBytesField(message, fieldNumber, utf8.encode(text));
}

/** A nested message field; `nested`'s chunks are adopted, not copied. */
export function writeMessageField(message: ProtoMessage, fieldNumber: number, nested: ProtoMessage): void {
  appendTag(message, fieldNumber, WIRE_LENGTH_DELIMITED);
  appendPart(message, encodeVarint(nested.byteLength));
  for (const part of nested.parts) appendPart(message, part);
}

/** The message as one new byte array (the only copy of the payloads). */
export function concatMessage(message: ProtoMessage): Uint8Array {
  const bytes = new Uint8Array(message.byteLength);
  let offset = 0;
  for (const part of message.parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
