/**
 * Writes ONNX models (onnx.proto, IR version 8, opset ai.onnx 17) for the subset the zoo needs:
 * float32 values (plus int64 constants: Reshape shapes, Gather indices), node attributes of type INT,
 * INTS and FLOAT, initializers as raw_data.
 * Field numbers are those of onnx/onnx.proto3 (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
 */
import {
  concatMessage,
  createMessage,
  writeFloatField,
  writeMessageField,
  writeStringField,
  writeBytesField,
  writeVarintField,
  type ProtoMessage,
} from './protobuf-wire.js';
import { SmearscopeError } from '../../src/errors.js';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET_VERSION = 17;

/** A tensor dimension: a number when static, a name (e.g. "batch") when symbolic. */
export type OnnxDim = number | string;

/** A graph input or output; all zoo tensors are float32 (float16 only in tests of graphs the SDK refuses). */
export interface OnnxValueInfo {
  name: string;
  dims: OnnxDim[];
  /** Default float32. */
  elementType?: 'float32' | 'float16';
}

export type OnnxAttribute = { type: 'INT'; value: number } | { type: 'INTS'; value: number[] } | { type: 'FLOAT'; value: number };

export interface OnnxNode {
  /** Unique node name (ONNX allows duplicates; we keep them unique for readable errors). */
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Written in insertion order, so the same graph gives the same bytes. */
  attributes: Record<string, OnnxAttribute>;
}

/** A float32 initializer; `values` is row-major with `dims` and is referenced, not copied, by the writer. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  values: Float32Array;
}

/** An int64 tensor (a Reshape shape, Gather indices); `values` is referenced, not copied. */
export interface OnnxInt64Tensor {
  name: string;
  dims: number[];
  values: BigInt64Array;
}

/** A constant that is not a learned parameter: a shape, indices, or a scalar such as GELU's 0.5. */
export type OnnxConstant = OnnxTensor | OnnxInt64Tensor;

export interface OnnxGraph {
  name: string;
  /** In topological order. */
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  /** Initializers that are not parameters, written after `initializers`; absent or empty in graphs that need none. */
  constants?: OnnxConstant[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModelInfo {
  producerName: string;
  producerVersion: string;
  docString?: string;
}

export function intAttribute(value: number): OnnxAttribute {
  return { type: 'INT', value };
}

export function intsAttribute(value: number[]): OnnxAttribute {
  return { type: 'INTS', value };
}

export function floatAttribute(value: number): OnnxAttribute {
  return { type: 'FLOAT', value };
}

/** TensorProto.DataType.FLOAT, INT64 and FLOAT16 */
const ELEMENT_TYPE_FLOAT32 = 1;
const ELEMENT_TYPE_INT64 = 7;
const ELEMENT_TYPE_FLOAT16 = 10;
/** AttributeProto.AttributeType */
const ATTRIBUTE_TYPE_CODE = { FLOAT: 1, INT: 2, INTS: 7 } as const;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The serialized ModelProto, as one new byte array. */
export function encodeOnnxModel(graph: OnnxGraph, info: OnnxModelInfo): Uint8Array {
  const model = createMessage();
  writeVarintField(model, 1, ONNX_IR_VERSION); // ir_version
  writeStringField(model, 2, info.producerName);
  writeStringField(model, 3, info.producerVersion);
  if (info.docString) writeStringField(model, 6, info.docString);
  writeMessageField(model, 7, encodeGraph(graph));
  const opset = createMessage();
  writeStringField(opset, 1, ''); // the default domain, ai.onnx
  writeVarintField(opset, 2, ONNX_OPSET_VERSION);
  writeMessageField(model, 8, opset); // opset_import
  return concatMessage(model);
}

function encodeGraph(graph: OnnxGraph): ProtoMessage {
  const message = createMessage();
  for (const node of graph.nodes) writeMessageField(message, 1, encodeNode(node));
  writeStringField(message, 2, graph.name);
  for (const tensor of graph.initializers) writeMessageField(message, 5, encodeTensor(tensor));
  for (const tensor of graph.constants ?? []) writeMessageField(message, 5, encodeTensor(tensor));
  for (const input of graph.inputs) writeMessageField(message, 11, encodeValueInfo(input));
  for (const output of graph.outputs) writeMessageField(message, 12, encodeValueInfo(output));
  return message;
}

function encodeNode(node: OnnxNode): ProtoMessage {
  const message = createMessage();
  for (const input of node.inputs) writeStringField(message, 1, input);
  for (const output of node.outputs) writeStringField(message, 2, output);
  writeStringField(message, 3, node.name);
  writeStringField(message, 4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes)) {
    writeMessageField(message, 5, encodeAttribute(name, attribute));
  }
  return message;
}

function encodeAttribute(name: string, attribute: OnnxAttribute): ProtoMessage {
  const message = createMessage();
  writeStringField(message, 1, name);
  switch (attribute.type) {
    case 'FLOAT':
      writeFloatField(message, 2, attribute.value); // f
      break;
    case 'INT':
      writeVarintField(message, 3, attribute.value); // i
      break;
    case 'INTS':
      // Unpacked repeated int64, as onnx.proto (proto2) serializes it.
      for (const value of attribute.value) writeVarintField(message, 8, value);
      break;
  }
  writeVarintField(message, 20, ATTRIBUTE_TYPE_CODE[attribute.type]); // type
  return message;
}

function encodeTensor(tensor: OnnxConstant): ProtoMessage {
  const elementCount = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (elementCount !== tensor.values.length) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `initializer ${tensor.name}: dims [${tensor.dims}] need ${elementCount} values, got ${tensor.values.length}`,
    );
  }
  const message = createMessage();
  for (const dim of tensor.dims) writeVarintField(message, 1, dim);
  const isFloat = tensor.values instanceof Float32Array;
  writeVarintField(message, 2, isFloat ? ELEMENT_TYPE_FLOAT32 : ELEMENT_TYPE_INT64); // data_type
  writeStringField(message, 8, tensor.name);
  writeBytesField(message, 9, littleEndianBytes(tensor.values)); // raw_data
  return message;
}

/** raw_data is little-endian by spec: a view of `values` on little-endian hosts, a swapped copy otherwise. */
function littleEndianBytes(values: Float32Array | BigInt64Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.byteLength);
  const view = new DataView(bytes.buffer);
  if (values instanceof Float32Array) values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  else values.forEach((value, index) => view.setBigInt64(index * 8, value, true));
  return bytes;
}

function encodeValueInfo(info: OnnxValueInfo): ProtoMessage {
  const shape = createMessage();
  for (const dim of info.dims) {
    const dimension = createMessage();
    if (typeof dim === 'number')
      writeVarintField(dimension, 1, dim); // dim_value
    else writeStringField(dimension, 2, dim); // dim_param
    writeMessageField(shape, 1, dimension);
  }
  const tensorType = createMessage();
  writeVarintField(tensorType, 1, info.elementType === 'float16' ? ELEMENT_TYPE_FLOAT16 : ELEMENT_TYPE_FLOAT32); // elem_type
  writeMessageField(tensorType, 2, shape);
  const type = createMessage();
  writeMessageField(type, 1, tensorType); // tensor_type
  const message = createMessage();
  writeStringField(message, 1, info.name);
  writeMessageField(message, 2, type);
  return message;
}
