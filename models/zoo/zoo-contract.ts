/**
 * The interface every zoo classifier shares, so the SDK can run any of them through one model
 * card shape: input, output names, class scheme and preprocessing.
 */
import boneMarrow21 from '../schemes/bone-marrow-21.json';
import hematonet18 from '../schemes/hematonet-18.json';
import { SmearscopeError } from '../../src/errors.js';

/** Graph input: float32 NCHW, batch symbolic. */
export const ZOO_INPUT_NAME = 'image';
export const ZOO_BATCH_DIM = 'batch';
/** Input side in pixels of the Matek models: the native size of the bone-marrow crops. */
export const ZOO_INPUT_PIXELS = 250;
export const ZOO_INPUT_CHANNELS = 3;

/** Graph outputs: logits [N, classes], pooled features [N, C], last feature map [N, C, h, w] for CAM. */
export const ZOO_OUTPUT_NAMES = { logits: 'logits', features: 'features', featureMap: 'feature_map' } as const;

/** The class scheme of the Matek models, from its one definition in models/schemes. */
export const ZOO_SCHEME = boneMarrow21.id;

/** The 21 classes of Matek et al. (Blood 2021), in output order. */
export const BONE_MARROW_21_CLASSES: readonly string[] = boneMarrow21.classes.map((entry) => entry.code);

/** A class scheme a zoo classifier can output: its id and class codes in output order. */
export interface ZooScheme {
  id: string;
  classes: readonly string[];
}

/** The schemes of the seeds' bone-marrow models (the peripheral-blood scheme belongs to another task). */
const ZOO_SCHEMES: ZooScheme[] = [
  { id: boneMarrow21.id, classes: BONE_MARROW_21_CLASSES },
  { id: hematonet18.id, classes: hematonet18.classes.map((entry) => entry.code) },
];
export const ZOO_SCHEME_IDS: readonly string[] = ZOO_SCHEMES.map((scheme) => scheme.id);

/** The scheme with this id; INVALID_ARGUMENT naming the known ones otherwise. */
export function zooScheme(id: string): ZooScheme {
  const scheme = ZOO_SCHEMES.find((known) => known.id === id);
  if (!scheme) throw new SmearscopeError('INVALID_ARGUMENT', `unknown class scheme ${id} for the zoo; known: ${ZOO_SCHEME_IDS.join(', ')}`);
  return scheme;
}

/** ImageNet normalization of pixel/255 (RGB), as torchvision-pretrained models expect. */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** Physical side of the square cut around each cell, in microns. */
export const ZOO_PATCH_MICRONS = 25;
