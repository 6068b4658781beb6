/** File name of the shipped default model card in models/ (trained on bm-matek-7, see its card). */
export const DEFAULT_MODEL_CARD = 'bm7-resnet10s.json';
