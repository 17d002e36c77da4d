/**
 * The committed character models' files (data/models/char-*, served by the loaders in src/data/models/).
 * The only module that names them, so every page loads the same files through one cache (load.ts).
 */
import { FileAttachment } from "observablehq:stdlib";
import type { CharModelFiles } from "./load.js";

export const CHAR_MODEL_FILES: Record<"selective" | "lti", CharModelFiles> = {
  selective: {
    label: "char-selective",
    config: FileAttachment("../../data/models/char-selective/config.json"),
    weights: FileAttachment("../../data/models/char-selective/model.safetensors"),
    tokenizer: FileAttachment("../../data/models/char-selective/tokenizer.json"),
  },
  lti: {
    label: "char-lti",
    config: FileAttachment("../../data/models/char-lti/config.json"),
    weights: FileAttachment("../../data/models/char-lti/model.safetensors"),
    tokenizer: FileAttachment("../../data/models/char-lti/tokenizer.json"),
  },
};
