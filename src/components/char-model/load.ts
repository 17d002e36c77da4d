/**
 * Loading a character model on a page: config.json, model.safetensors (with progress, since it is the
 * large one) and tokenizer.json, checked by the engine (engine/char-lm.ts loadCharModel), once per page.
 * The files' URLs carry their content hash, so the browser's cache keeps them between pages and visits.
 */
import { loadCharModel, type CharModel } from "../../engine/char-lm.js";

/** What a Framework FileAttachment offers, reduced to what is used here. */
export interface Attachment {
  url(): Promise<string> | string;
  json(): Promise<unknown>;
}

export interface CharModelFiles {
  label: string;
  config: Attachment;
  weights: Attachment;
  tokenizer: Attachment;
}

/** Bytes received and expected (0 when the server does not say). */
export type Progress = (received: number, total: number) => void;

/** Reads `url` into bytes, reporting progress as chunks arrive. */
export async function fetchWithProgress(url: string, onProgress?: Progress): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get("content-length") ?? 0);
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress?.(received, total);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

const loaded = new Map<string, Promise<CharModel>>();

/** The model of `files`, loaded once per page; later calls share the first (and its progress reports). */
export function loadCharModelFiles(files: CharModelFiles, onProgress?: Progress): Promise<CharModel> {
  let model = loaded.get(files.label);
  if (!model) {
    model = (async () => {
      const [config, tokenizer, weights] = await Promise.all([files.config.json(), files.tokenizer.json(), (async () => fetchWithProgress(await files.weights.url(), onProgress))()]);
      return loadCharModel(config, weights, tokenizer, files.label);
    })();
    loaded.set(files.label, model);
    // A failed load may be retried (a network hiccup); a later call starts again.
    model.catch(() => loaded.delete(files.label));
  }
  return model;
}
